"""Comparing two versions' answers over the same history: what changes, and by how much money."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import polars as pl

from urbis.domain.rules._points import ExtensionPoint, ImpactKind
from urbis.domain.rules._schemas import FieldType
from urbis.kernel import errors
from urbis.kernel.money import Money, minor_unit


class InvalidHistory(errors.InvalidValue):
    code = "invalid_simulation_history"


@attrs.frozen
class Transition:
    """How many accounts moved from one answer to another on one field."""

    field: str
    before: Any
    after: Any
    count: int


@attrs.frozen
class SampleChange:
    account: str
    before: dict[str, Any]
    after: dict[str, Any]
    money: Money | None


@attrs.frozen
class SimulationReport:
    """The difference a candidate version makes against the one in force, over a history."""

    extension_point: str
    baseline: str
    candidate: str
    rows: int
    changed: int
    changed_by_field: dict[str, int]
    transitions: tuple[Transition, ...]
    money_delta: Money | None
    """Sum over accounts of (candidate - baseline), each rounded half up to the minor unit."""
    money_increase: Money | None
    money_decrease: Money | None
    samples: tuple[SampleChange, ...]


def _pow10(places: int) -> int:
    return int(10**places)


def _scaled(expr: pl.Expr, places: int) -> pl.Expr:
    """An exact decimal as an integer count of 10^-places (it has at most that many decimals)."""
    return (expr.cast(pl.Decimal(38, places)) * _pow10(places)).cast(pl.Int64)


def _half_up_div(numerator: pl.Expr, divisor: int) -> pl.Expr:
    half = divisor // 2
    magnitude = (numerator.abs() + half) // divisor
    signed: pl.Expr = pl.when(numerator < 0).then(-magnitude).otherwise(magnitude)
    return signed


def _money_per_row(
    point: ExtensionPoint, frame: pl.DataFrame, changed: pl.Expr, currency: str
) -> pl.Expr | None:
    impact = point.impact
    if impact is None:
        return None
    places = minor_unit(currency)
    if impact.kind is ImpactKind.AT_STAKE:
        assert impact.base is not None
        return pl.when(changed).then(_scaled(pl.col(impact.base), places)).otherwise(0)
    assert impact.output is not None
    new, old = pl.col(f"{impact.output}__after"), pl.col(f"{impact.output}__before")
    if impact.kind is ImpactKind.AMOUNT:
        return (_scaled(new, places) - _scaled(old, places)).fill_null(0)
    assert impact.base is not None
    scale = point.output.field(impact.output).scale
    factors = (new * (10**scale)).round(0).cast(pl.Int64) - (old * (10**scale)).round(0).cast(
        pl.Int64
    )
    return _half_up_div(_scaled(pl.col(impact.base), places) * factors, 10**scale).fill_null(0)


def compare_answers(
    *,
    point: ExtensionPoint,
    history: pl.DataFrame,
    account_column: str,
    before: pl.DataFrame,
    after: pl.DataFrame,
    baseline: str,
    candidate: str,
    currency: str,
    samples: int = 10,
    priced: pl.Series | None = None,
) -> SimulationReport:
    """
    Compare two versions' answers row by row over the same history.

    ``before`` and ``after`` hold the answers (the output schema's columns) in the history's
    row order. Money follows the extension point's impact (for a factor: base amount x change
    of factor), rounded half up per account to the currency's minor unit, unless ``priced``
    gives it per row (minor units, candidate − baseline, priced by the caller).

    :raises InvalidHistory: if the frames disagree in length or the history lacks a column
        the money impact needs.
    """
    if not (history.height == before.height == after.height):
        raise InvalidHistory("The history and both sets of answers must have the same rows")
    if account_column not in history.columns:
        raise InvalidHistory(f"The history has no account column {account_column!r}")
    impact = point.impact
    if priced is not None and priced.len() != history.height:
        raise InvalidHistory("The money of each row must come with the history's rows")
    if (
        priced is None
        and impact is not None
        and impact.base is not None
        and impact.base not in history.columns
    ):
        raise InvalidHistory(
            f"Simulating {point.key} in money needs a {impact.base!r} column in the history",
            details={"column": impact.base},
        )
    fields = [f.name for f in point.output.fields]
    base_columns = [
        c for c in (account_column, impact.base if impact and priced is None else None) if c
    ]
    frame = pl.concat(
        [
            history.select(base_columns),
            before.select([pl.col(f).alias(f"{f}__before") for f in fields]),
            after.select([pl.col(f).alias(f"{f}__after") for f in fields]),
        ],
        how="horizontal",
    )
    differs = {f: pl.col(f"{f}__before").ne_missing(pl.col(f"{f}__after")) for f in fields}
    changed = pl.any_horizontal(list(differs.values()))
    money_expr = (
        _money_per_row(point, frame, changed, currency)
        if priced is None
        else pl.lit(priced.cast(pl.Int64))
    )
    frame = frame.with_columns(
        __changed=changed,
        __money=pl.lit(0, dtype=pl.Int64) if money_expr is None else money_expr,
        **{f"__differs_{f}": e for f, e in differs.items()},
    )
    changed_rows = frame.filter(pl.col("__changed"))
    by_field = {f: int(changed_rows.get_column(f"__differs_{f}").sum()) for f in fields}
    transitions: list[Transition] = []
    for field in fields:
        if point.output.field(field).type is FieldType.DECIMAL and impact is not None:
            continue  # numeric answers are summarised in money, not as a list of values
        counts = (
            changed_rows.filter(pl.col(f"__differs_{field}"))
            .group_by([f"{field}__before", f"{field}__after"])
            .len()
            .sort("len", descending=True)
            .head(20)
        )
        transitions.extend(
            Transition(field=field, before=row[0], after=row[1], count=int(row[2]))
            for row in counts.iter_rows()
        )
    places = minor_unit(currency)

    def money(minor: int) -> Money:
        return Money(Decimal(minor).scaleb(-places), currency)

    money_delta = increase = decrease = None
    if money_expr is not None:
        column = frame.get_column("__money")
        money_delta = money(int(column.sum()))
        increase = money(int(column.filter(column > 0).sum()))
        decrease = money(int(column.filter(column < 0).sum()))
    ranked = changed_rows.with_columns(__abs=pl.col("__money").abs()).sort(
        ["__abs", account_column], descending=[True, False]
    )
    sample_rows = tuple(
        SampleChange(
            account=str(row[account_column]),
            before={f: row[f"{f}__before"] for f in fields},
            after={f: row[f"{f}__after"] for f in fields},
            money=None if money_expr is None else money(int(row["__money"])),
        )
        for row in ranked.head(samples).iter_rows(named=True)
    )
    return SimulationReport(
        extension_point=point.key,
        baseline=baseline,
        candidate=candidate,
        rows=history.height,
        changed=changed_rows.height,
        changed_by_field=by_field,
        transitions=tuple(transitions),
        money_delta=money_delta,
        money_increase=increase,
        money_decrease=decrease,
        samples=sample_rows,
    )
