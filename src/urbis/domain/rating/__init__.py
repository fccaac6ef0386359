"""Rating: usage × tariff → charge lines, each carrying its explanation."""

from urbis.domain.rating._engine import (
    Draft,
    Interval,
    MonthUsage,
    check_intervals,
    rate_intervals,
    rate_month,
    settle,
    summarise,
    tier_shares,
)
from urbis.domain.rating._reference import ChargeLine, InvalidUsage, rate_residential_month

__all__ = [
    "ChargeLine",
    "Draft",
    "Interval",
    "InvalidUsage",
    "MonthUsage",
    "check_intervals",
    "rate_intervals",
    "rate_month",
    "rate_residential_month",
    "settle",
    "summarise",
    "tier_shares",
]
