"""Reads of the rating context: simulate a bill, plain data in and out."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from urbis.application.tariffs import operations as tariff_operations
from urbis.application.tariffs import ports
from urbis.domain import identity, rating, tariffs
from urbis.kernel.money import Money

PARTS = ("energy", "demand", "fixed", "minimum", "taxes")


def parse_usage(*, rows: Sequence[Mapping[str, str]]) -> tuple[rating.Interval, ...]:
    """
    Turn rows with ``start`` (ISO-8601 with offset) and ``kwh`` into intervals.

    The interval length is the smallest step between starts; a step that is a multiple of it
    is a gap, any other a mixed length.

    :raises InvalidUsage: naming the row that cannot be read, a gap or mixed lengths.
    """
    if not rows:
        raise rating.InvalidUsage("Usage has no rows")
    starts: list[datetime] = []
    values: list[Decimal] = []
    for number, row in enumerate(rows, start=1):
        try:
            start = datetime.fromisoformat(str(row["start"]).strip())
            kwh = Decimal(str(row["kwh"]).strip())
        except (KeyError, ValueError, InvalidOperation):
            raise rating.InvalidUsage(
                f"Row {number}: expected start (ISO-8601 with offset) and kwh",
                details={"row": number},
            ) from None
        if start.tzinfo is None:
            raise rating.InvalidUsage(
                f"Row {number}: {row['start']} has no UTC offset", details={"row": number}
            )
        if not kwh.is_finite():
            raise rating.InvalidUsage(f"Row {number}: kwh is not a number", details={"row": number})
        starts.append(start)
        values.append(kwh)
    steps = [int((b - a).total_seconds()) for a, b in itertools.pairwise(starts)]
    if any(step <= 0 for step in steps):
        bad = next(i for i, step in enumerate(steps) if step <= 0) + 2
        raise rating.InvalidUsage(f"Row {bad}: starts must increase", details={"row": bad})
    seconds = min(steps) if steps else 3600
    if seconds % 60:
        raise rating.InvalidUsage("Interval length is not a whole number of minutes")
    for index, step in enumerate(steps, start=2):
        if step != seconds:
            problem = "a gap" if step % seconds == 0 else "mixed interval lengths"
            raise rating.InvalidUsage(
                f"Row {index}: usage has {problem} before {starts[index - 1].isoformat()}",
                details={"row": index},
            )
    minutes = seconds // 60
    return tuple(
        rating.Interval(start=s, minutes=minutes, kwh=v)
        for s, v in zip(starts, values, strict=True)
    )


def summary(*, lines: Sequence[rating.ChargeLine]) -> dict[str, Any]:
    """Return lines as plain data with each month's parts and the total, as decimal strings."""
    currency = next((ln.amount.currency for ln in lines), "")
    zero = Money.zero(currency).amount if currency else Decimal(0)
    months: dict[str, dict[str, Decimal]] = {}
    for line in lines:
        month = months.setdefault(line.month, dict.fromkeys(PARTS, zero))
        month[line.part or "energy"] += line.amount.amount
    out_months = []
    for name in sorted(months):
        parts = months[name]
        total = sum(parts.values(), zero)
        out_months.append({"month": name, **{p: str(parts[p]) for p in PARTS}, "total": str(total)})
    total = sum((ln.amount.amount for ln in lines), zero)
    return {
        "currency": currency,
        "months": out_months,
        "total": str(total),
        "lines": [
            {
                "month": ln.month,
                "kind": ln.kind,
                "part": ln.part,
                "description": ln.description,
                "quantity": str(ln.quantity),
                "unit_price": str(ln.unit_price),
                "amount": str(ln.amount.amount),
                "tariff": ln.tariff,
                "period": ln.period,
                "block": ln.block,
                "rule": ln.rule,
            }
            for ln in lines
        ],
    }


def simulate_tariff(
    *,
    tariff: tariffs.Tariff,
    usage: Sequence[Mapping[str, str]] | None = None,
    quantity: str | None = None,
    month: date | None = None,
    stratum: int | None = None,
    use: str = "residential",
    altitude_m: int = 0,
) -> dict[str, Any]:
    """
    Rate interval usage, or one month's quantity, under a tariff: lines, month parts, total.

    :raises InvalidUsage: if the usage cannot be read, has gaps or mixed lengths, or neither
        usage nor a quantity with its month is given.
    :raises NoTariffInForce: if the usage falls outside every version.
    """
    customer = rating.Customer(stratum=stratum, use=use, altitude_m=altitude_m)
    if usage is not None:
        intervals = parse_usage(rows=usage)
        lines = rating.rate_intervals(tariff=tariff, intervals=intervals, customer=customer)
    elif quantity is not None and month is not None:
        try:
            amount = Decimal(quantity)
        except InvalidOperation:
            raise rating.InvalidUsage(f"Quantity {quantity!r} is not a number") from None
        lines = rating.rate_total(tariff=tariff, month=month, quantity=amount, customer=customer)
    else:
        raise rating.InvalidUsage("Give interval usage, or a quantity and its month")
    return summary(lines=lines)


def simulate(
    *,
    repository: ports.TariffRepository,
    code: str,
    usage: Sequence[Mapping[str, str]] | None = None,
    quantity: str | None = None,
    month: date | None = None,
    stratum: int | None = None,
    use: str = "residential",
    altitude_m: int = 0,
) -> dict[str, Any]:
    """
    Rate usage under a stored tariff: this usage, this tariff, this date → lines and total.

    :raises TariffNotFound: if no tariff has that code.
    :raises InvalidUsage: if the usage cannot be read, has gaps or mixed lengths.
    :raises NoTariffInForce: if the usage falls outside every version.
    """
    tariff = repository.get(code)
    if tariff is None:
        raise tariff_operations.TariffNotFound(f"No tariff {code}", details={"code": code})
    return simulate_tariff(
        tariff=tariff,
        usage=usage,
        quantity=quantity,
        month=month,
        stratum=stratum,
        use=use,
        altitude_m=altitude_m,
    )


def simulate_bill(
    *,
    env: ports.TariffsEnv,
    code: str | None = None,
    document: Mapping[str, Any] | None = None,
    format: str = "urbis",
    usage: Sequence[Mapping[str, str]] | None = None,
    quantity: str | None = None,
    month: date | None = None,
    stratum: int | None = None,
    use: str = "residential",
    altitude_m: int = 0,
) -> dict[str, Any]:
    """
    Rate usage under a stored tariff (``code``) or one given inline (``document``), storing
    nothing: this usage, this tariff, this date → lines, each explained, and the total.

    :raises RoleRequired: if the actor is not staff.
    :raises InvalidUsage: if neither or both of a code and a document are given, or the usage
        cannot be read, has gaps or mixed lengths.
    :raises TariffNotFound: if no tariff has that code.
    :raises InvalidTariff: if the inline document breaks a rule of the model.
    :raises InvalidTariffFile: if the inline document breaks the schema.
    :raises NoTariffInForce: if the usage falls outside every version.
    """
    identity.require_role(actor=env.actor, allowed=identity.STAFF_ROLES)
    if (code is None) == (document is None):
        raise rating.InvalidUsage("Give a stored tariff's code or a tariff document, not both")
    if document is not None:
        tariff = tariff_operations.read(env=env, document=document, format=format)
    else:
        assert code is not None
        stored = env.tariffs.get(code)
        if stored is None:
            raise tariff_operations.TariffNotFound(f"No tariff {code}", details={"code": code})
        tariff = stored
    result = simulate_tariff(
        tariff=tariff,
        usage=usage,
        quantity=quantity,
        month=month,
        stratum=stratum,
        use=use,
        altitude_m=altitude_m,
    )
    return {"tariff": tariff.code, **result}
