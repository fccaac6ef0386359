"""
Bill validation before issue, over a whole batch at once: the same inputs and answers as the
``bill_validation`` extension point (a zero or negative bill, estimates in a row, use far from
the account's history → held with a reason). ADR 0054 says when a rule pack answers instead.
"""

from __future__ import annotations

from decimal import Decimal

import attrs
import polars as pl

from urbis.kernel import errors

# The inputs of the bill_validation extension point, as frame columns.
VALIDATION_INPUTS: dict[str, pl.DataType] = {
    "service": pl.String(),
    "bill_amount": pl.Decimal(20, 2),
    "consumption": pl.Decimal(20, 3),
    "average_consumption": pl.Decimal(20, 3),
    "consecutive_estimates": pl.Int64(),
    "days_in_period": pl.Int64(),
}


class HoldReason:
    OK = "OK"
    NON_POSITIVE_AMOUNT = "NON_POSITIVE_AMOUNT"
    NEGATIVE_CONSUMPTION = "NEGATIVE_CONSUMPTION"
    TOO_MANY_ESTIMATES = "TOO_MANY_ESTIMATES"
    ZERO_CONSUMPTION = "ZERO_CONSUMPTION"
    HIGH_AGAINST_HISTORY = "HIGH_AGAINST_HISTORY"
    LOW_AGAINST_HISTORY = "LOW_AGAINST_HISTORY"


class InvalidValidationPolicy(errors.InvalidValue):
    code = "invalid_validation_policy"


@attrs.frozen
class ValidationPolicy:
    """
    Thresholds of the configured validation: hold a bill whose use per 30 days is above
    ``high`` or below ``low`` times the account's average, or that is the ``max_estimates``-th
    period in a row on estimated reads.
    """

    high: Decimal = Decimal("1.65")
    low: Decimal = Decimal("0.35")
    max_estimates: int = 3

    def __attrs_post_init__(self) -> None:
        if not (Decimal(0) <= self.low < 1 < self.high) or self.max_estimates < 1:
            raise InvalidValidationPolicy(
                "Validation needs 0 <= low < 1 < high and at least one estimate allowed",
                details={
                    "high": str(self.high),
                    "low": str(self.low),
                    "max_estimates": self.max_estimates,
                },
            )


def validate_frame(*, frame: pl.DataFrame, policy: ValidationPolicy) -> pl.DataFrame:
    """
    Answer ``action`` (ISSUE or HOLD) and ``reason`` for every row of ``frame`` (columns as
    ``VALIDATION_INPUTS``; ``average_consumption`` null without history), in row order.
    Exact decimals throughout: the ratio is compared as ``use × 30 × k`` against
    ``average × days × k'``, never as a float.
    """
    amount = pl.col("bill_amount").cast(pl.Decimal(20, 2))
    use = pl.col("consumption").cast(pl.Decimal(20, 3))
    average = pl.col("average_consumption").cast(pl.Decimal(20, 3))
    history = average.is_not_null() & (average > 0)
    per_month = use * 30
    days = pl.col("days_in_period").cast(pl.Decimal(20, 0))
    high = per_month > average * days * pl.lit(policy.high, dtype=pl.Decimal(10, 4))
    low = per_month < average * days * pl.lit(policy.low, dtype=pl.Decimal(10, 4))
    reason = (
        pl.when(amount <= 0)
        .then(pl.lit(HoldReason.NON_POSITIVE_AMOUNT))
        .when(use < 0)
        .then(pl.lit(HoldReason.NEGATIVE_CONSUMPTION))
        .when(pl.col("consecutive_estimates") >= policy.max_estimates)
        .then(pl.lit(HoldReason.TOO_MANY_ESTIMATES))
        .when((use == 0) & history)
        .then(pl.lit(HoldReason.ZERO_CONSUMPTION))
        .when(history & high)
        .then(pl.lit(HoldReason.HIGH_AGAINST_HISTORY))
        .when(history & low)
        .then(pl.lit(HoldReason.LOW_AGAINST_HISTORY))
        .otherwise(pl.lit(HoldReason.OK))
    )
    return frame.select(reason.alias("reason")).select(
        pl.when(pl.col("reason") == HoldReason.OK)
        .then(pl.lit("ISSUE"))
        .otherwise(pl.lit("HOLD"))
        .alias("action"),
        "reason",
    )
