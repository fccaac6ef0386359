"""
Solidarity terms from a ``subsidy_factor`` rule pack (ADR 0038): the question each agreement of a
bill run asks, and the pack's answers checked and turned into the integer terms the batch
engine prices (``rating.SOLIDARITY_TERMS``).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import attrs
import polars as pl

from urbis.kernel import errors

QUESTION_KEYS: dict[str, pl.DataType] = {
    "service": pl.String(),
    "use_class": pl.String(),
    "stratum": pl.Int32(),
    "altitude_m": pl.Int32(),
}
"""What a bill run tells ``subsidy_factor`` of each agreement (consumption is not asked)."""

TERMS_SCHEMA: dict[str, pl.DataType] = {
    "agreement_id": pl.String(),
    "solidarity_kind": pl.String(),  # SUBSIDY, CONTRIBUTION or NONE; null when unanswered
    "solidarity_share": pl.Int64(),  # signed, millionths of the reference cost
    "solidarity_basic": pl.Int64(),  # subsidised quantity per month, thousandths of a unit
    "solidarity_problem": pl.String(),  # why the question has no usable answer; else null
}
SHARE_SCALE = 10**6
BASIC_SCALE = 1000


class InconsistentSolidarity(errors.DomainError):
    """A ``subsidy_factor`` answer whose kind and factor contradict each other."""

    code = "solidarity_answer_inconsistent"


@attrs.frozen
class Terms:
    """One answer as the batch engine prices it."""

    kind: str
    share: int
    basic: int


def questions(agreements: pl.DataFrame) -> pl.DataFrame:
    """
    Each agreement's question: its service, its premise's use class (upper case, as the
    question's choices), the stratum for residential premises only, and the altitude.
    """
    residential = pl.col("use").str.to_uppercase() == "RESIDENTIAL"
    return agreements.select(
        "agreement_id",
        pl.col("service").str.to_uppercase().alias("service"),
        pl.col("use").str.to_uppercase().alias("use_class"),
        pl.when(residential).then(pl.col("stratum")).cast(pl.Int32).alias("stratum"),
        pl.col("altitude_m").cast(pl.Int32),
    )


def terms(answer: Mapping[str, object], *, source: str) -> Terms:
    """
    An answer (``kind``, ``factor``, ``limit``) as terms: a subsidy takes a factor in [−1, 0)
    and a positive limit, a contribution a positive factor, ``NONE`` a factor of 0 (it prices
    nothing).

    :raises InconsistentSolidarity: if the kind, the factor and the limit disagree.
    """
    kind = str(answer["kind"])
    factor = Decimal(str(answer["factor"]))
    limit = Decimal(str(answer.get("limit") or 0))
    consistent = (
        (kind == "SUBSIDY" and Decimal(-1) <= factor < 0 and limit > 0)
        or (kind == "CONTRIBUTION" and factor > 0)
        or (kind == "NONE" and factor == 0)
    )
    if not consistent:
        raise InconsistentSolidarity(
            f"{source} answered {kind} with factor {factor} and limit {limit}: a subsidy takes "
            "a negative factor and a positive limit, a contribution a positive factor, none a "
            "factor of 0",
            details={"source": source, "kind": kind, "factor": str(factor), "limit": str(limit)},
        )
    if kind == "NONE":
        return Terms(kind=kind, share=0, basic=0)
    share, basic = factor * SHARE_SCALE, limit * BASIC_SCALE
    if share != share.to_integral_value() or basic != basic.to_integral_value():
        raise InconsistentSolidarity(
            f"{source} answered a factor finer than millionths or a limit finer than thousandths",
            details={"source": source, "factor": str(factor), "limit": str(limit)},
        )
    return Terms(kind=kind, share=int(share), basic=int(basic))
