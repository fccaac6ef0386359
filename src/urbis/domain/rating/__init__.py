"""Rating: usage × tariff → charge lines, each carrying its explanation."""

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
from urbis.domain.rating._reference import ChargeLine, InvalidUsage, rate_residential_month

__all__ = [
    "ChargeLine",
    "Customer",
    "Draft",
    "Interval",
    "InvalidUsage",
    "MonthUsage",
    "check_intervals",
    "rate_intervals",
    "rate_month",
    "rate_residential_month",
    "rate_total",
    "settle",
    "summarise",
    "tier_shares",
]
