"""A bill's charge line with its explanation, and the error for usage that cannot be rated."""

from __future__ import annotations

from decimal import Decimal

import attrs

from urbis.kernel import errors
from urbis.kernel.money import Money


class InvalidUsage(errors.InvalidValue):
    code = "invalid_usage"


@attrs.frozen
class ChargeLine:
    """One line of a bill and why it is what it is."""

    kind: str  # ENERGY, DEMAND, FIXED, MINIMUM, TAX, EXPORT, SUBSIDY, CONTRIBUTION
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Money
    tariff: str  # code and version
    rule: str
    month: str = ""  # YYYY-MM the line belongs to
    period: str = ""  # time-of-use period, when the line has one
    block: str = ""  # tier or block, when the line has one
    part: str = ""  # the bill's part: energy, demand, fixed, minimum or taxes
