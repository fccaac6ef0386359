"""Rating: usage × tariff → charge lines, each carrying its explanation."""

from urbis.domain.rating._batch import rate_residential_batch
from urbis.domain.rating._reference import ChargeLine, InvalidUsage, rate_residential_month

__all__ = [
    "ChargeLine",
    "InvalidUsage",
    "rate_residential_batch",
    "rate_residential_month",
]
