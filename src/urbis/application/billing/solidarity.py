"""
A bill run's subsidy and contribution terms from the tenant's published ``subsidy_factor`` pack
(ADR 0038): asked once per distinct question (service, use class, stratum, altitude) over the
whole run, each question's answer checked once, every agreement given its question's terms.

An answer the run cannot use (the pack fails for that question, or answers a subsidy with a
positive factor) is kept as the question's problem: its agreements become exceptions naming
the pack, its version and what went wrong, and the rest of the run bills. Nothing falls back to
the tariff's figures.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from urbis.application.billing import ports
from urbis.domain import billing
from urbis.kernel import errors

Key = tuple[Any, ...]
_KEYS = list(billing.QUESTION_KEYS)
Answer = tuple[str | None, int | None, int | None, str | None]
"""kind, share, basic and problem of one question (``billing.TERMS_SCHEMA`` less the id)."""


class RunTerms:
    """The terms of one run, remembered across its batches (a handful of distinct questions)."""

    def __init__(self, solidarity: ports.Solidarity) -> None:
        self._solidarity = solidarity
        self._known: dict[Key, Answer] = {}

    @property
    def source(self) -> str:
        """How the run names what priced its solidarity: ``<pack> v<n>``."""
        return self._solidarity.source

    def of(self, agreements: pl.DataFrame) -> pl.DataFrame:
        """``billing.TERMS_SCHEMA`` for every agreement of a batch (``AGREEMENTS_SCHEMA``)."""
        asked = billing.questions(agreements)
        keys = asked.select(_KEYS).unique(maintain_order=True).rows()
        new = [k for k in keys if k not in self._known]
        if new:
            self._known.update(zip(new, self._answers(new), strict=True))
        lookup = pl.DataFrame(
            [(*k, *v) for k, v in self._known.items()],
            schema={**billing.QUESTION_KEYS, **dict(list(billing.TERMS_SCHEMA.items())[1:])},
            orient="row",
        )
        return asked.join(lookup, on=_KEYS, how="left", nulls_equal=True).select(
            list(billing.TERMS_SCHEMA)
        )

    def _answers(self, keys: list[Key]) -> list[Answer]:
        try:
            rows = self._solidarity.answer(self._frame(keys)).rows(named=True)
        except errors.DomainError:  # some question fails: ask each alone to find which
            return [self._one(key) for key in keys]
        return [self._checked(row) for row in rows]

    def _one(self, key: Key) -> Answer:
        try:
            row = self._solidarity.answer(self._frame([key])).row(0, named=True)
        except errors.DomainError as exc:
            return (None, None, None, self._problem(exc))
        return self._checked(row)

    def _checked(self, row: dict[str, Any]) -> Answer:
        try:
            found = billing.terms(row, source=self.source)
        except billing.InconsistentSolidarity as exc:
            return (None, None, None, self._problem(exc))
        return (found.kind, found.share, found.basic, None)

    def _problem(self, exc: errors.DomainError) -> str:
        message = exc.message if self.source in exc.message else f"{self.source}: {exc.message}"
        return f"{exc.code}: {message}"

    @staticmethod
    def _frame(keys: list[Key]) -> pl.DataFrame:
        return pl.DataFrame(keys, schema=billing.QUESTION_KEYS, orient="row")
