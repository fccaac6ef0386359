"""Rating: usage × tariff → charge lines, each carrying its explanation."""

from urbis.domain.rating._batch import (
    SOLIDARITY_TERMS,
    BatchNotSupported,
    rate_frame,
    round_div,
    solidarity_of_priced_months,
    summarise_frame,
)
from urbis.domain.rating._engine import (
    Customer,
    Draft,
    Interval,
    MonthUsage,
    check_intervals,
    rate_intervals,
    rate_month,
    rate_total,
    settle,
    summarise,
    tier_shares,
)
from urbis.domain.rating._reference import ChargeLine, InvalidUsage

__all__ = [
    "SOLIDARITY_TERMS",
    "BatchNotSupported",
    "ChargeLine",
    "Customer",
    "Draft",
    "Interval",
    "InvalidUsage",
    "MonthUsage",
    "check_intervals",
    "rate_frame",
    "rate_intervals",
    "rate_month",
    "rate_total",
    "round_div",
    "settle",
    "solidarity_of_priced_months",
    "summarise",
    "summarise_frame",
    "tier_shares",
]
