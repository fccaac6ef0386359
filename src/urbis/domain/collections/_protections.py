"""
Protections that stop the harsher collection steps, and the policy's input frame.

A medical dependency is registered per account for a span of days; a regulatory hold (an
authority forbids suspensions, say during an emergency) covers a region, a department or a
city, for a span of days. Both are answered by the policy pack as inputs, so what they stop is
policy, not code.
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Iterable
from datetime import date
from typing import NewType

import attrs
import polars as pl

from urbis.kernel import errors, ids
from urbis.kernel.periods import Period

HoldId = NewType("HoldId", str)
ProtectionId = NewType("ProtectionId", str)


class InvalidProtection(errors.InvalidValue):
    code = "invalid_protection"


def region_key(name: str) -> str:
    """A region's name as compared: without accents, lowercase, single-spaced."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


class ProtectionKind(enum.Enum):
    MEDICAL_DEPENDENCY = "MEDICAL_DEPENDENCY"


@attrs.frozen
class Protection:
    """A registered protection of one account (a household member on powered medical care)."""

    id: ProtectionId
    tenant_id: ids.TenantId
    account_id: ids.AccountId
    kind: ProtectionKind
    active: Period[date]
    note: str = ""

    def __attrs_post_init__(self) -> None:
        if len(self.note) > 500:
            raise InvalidProtection("A note has at most 500 characters")


@attrs.frozen
class RegulatoryHold:
    """An authority's order that suspends collections' harsher steps in a region, for a span."""

    id: HoldId
    tenant_id: ids.TenantId
    region: str
    active: Period[date]
    reason: str

    def __attrs_post_init__(self) -> None:
        if not 2 <= len(self.region.strip()) <= 100:
            raise InvalidProtection("A region has 2 to 100 characters")
        if not 3 <= len(self.reason.strip()) <= 500:
            raise InvalidProtection("A hold's reason has 3 to 500 characters")


def regions_on_hold(*, holds: Iterable[RegulatoryHold], as_of: date) -> frozenset[str]:
    """The regions (as compared) under a hold on a day."""
    return frozenset(region_key(h.region) for h in holds if h.active.contains(as_of))


def protected_accounts(*, protections: Iterable[Protection], as_of: date) -> frozenset[str]:
    """The accounts with a medical dependency registered on a day."""
    return frozenset(
        p.account_id
        for p in protections
        if p.kind is ProtectionKind.MEDICAL_DEPENDENCY and p.active.contains(as_of)
    )


# What the run knows about each candidate account besides its debt.
FACTS = {
    "account_id": pl.String(),
    "segment": pl.String(),
    "stratum": pl.Int64(),
    "department": pl.String(),
    "city": pl.String(),
    "open_claim": pl.Boolean(),
}


def policy_inputs(
    *,
    candidates: pl.DataFrame,
    facts: pl.DataFrame,
    medical: frozenset[str],
    arranged: frozenset[str],
    held_regions: frozenset[str],
) -> pl.DataFrame:
    """
    The ``collection_action`` question for every candidate, in the candidates' order: the debt,
    segment and stratum, and every protection as a yes or no.

    Accounts the facts do not know are asked as residential with no protection but a claim.
    """
    joined = candidates.select("account_id", "days_overdue", "amount_overdue").join(
        facts.select(list(FACTS)), on="account_id", how="left", maintain_order="left"
    )

    def held(column: str) -> pl.Expr:
        names = joined.get_column(column).drop_nulls().unique().to_list()
        return pl.col(column).is_in([n for n in names if region_key(n) in held_regions])

    return joined.select(
        pl.col("days_overdue").clip(lower_bound=0),
        pl.col("amount_overdue"),
        pl.col("segment").fill_null("RESIDENTIAL"),
        pl.col("stratum"),
        pl.col("account_id").is_in(list(medical)).alias("medical_dependency"),
        pl.col("open_claim").fill_null(False),
        pl.col("account_id").is_in(list(arranged)).alias("payment_arrangement"),
        (held("department") | held("city")).fill_null(False).alias("regulatory_hold"),
    )
