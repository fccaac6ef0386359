"""
Import a record of OpenEI's Utility Rate Database (URDB) as a urbis tariff.

Follows the System Advisor Model's reading of URDB (docs/adr/0011-urdb-import.md): each tier's
price is ``rate + adj``; ``max`` is a cumulative monthly limit; schedules are 12 × 24 grids of
0-based period numbers; ``fixedchargefirstmeter`` in $/month, $/day or $/year and the older
``fixedmonthlycharge``; ``mincharge`` or ``minmonthlycharge`` per month. A record that cannot
be read that way is rejected with a message naming the problem.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from urbis.domain import tariffs
from urbis.kernel import errors
from urbis.kernel.money import Rounding
from urbis.kernel.periods import Period


class MalformedUrdbRecord(errors.InvalidValue):
    code = "malformed_urdb_record"


def _number(value: object, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise MalformedUrdbRecord(f"{where} is not a number", details={"where": where})
    try:
        return Decimal(str(value))
    except ArithmeticError:
        raise MalformedUrdbRecord(f"{where} is not a number", details={"where": where}) from None


def _tiers(
    structure: object, name: str, *, unit: str, allow_sell: bool
) -> tuple[tariffs.RatePeriod, ...]:
    if not isinstance(structure, list) or not structure:
        raise MalformedUrdbRecord(f"{name} must be a non-empty list of periods")
    periods = []
    for p, period in enumerate(structure):
        if not isinstance(period, list) or not period:
            raise MalformedUrdbRecord(f"{name} period {p} has no tiers", details={"period": p})
        tiers = []
        for t, entry in enumerate(period):
            where = f"{name} period {p} tier {t}"
            if not isinstance(entry, Mapping):
                raise MalformedUrdbRecord(f"{where} is not an object", details={"where": where})
            if "rate" not in entry:
                raise MalformedUrdbRecord(f"{where} has no rate", details={"where": where})
            tier_unit = str(entry.get("unit", unit))
            per_kw = unit == "kWh" and tier_unit.lower() == "kwh/kw"
            if tier_unit.lower() != unit.lower() and not per_kw:
                raise MalformedUrdbRecord(
                    f"{where} is in {tier_unit!r}; only {unit!r}"
                    + (" or 'kWh/kW'" if unit == "kWh" else "")
                    + " is supported",
                    details={"where": where, "unit": tier_unit},
                )
            price = _number(entry["rate"], f"{where} rate")
            if "adj" in entry:
                price += _number(entry["adj"], f"{where} adj")
            upto = _number(entry["max"], f"{where} max") if "max" in entry else None
            if upto is not None and upto >= Decimal("1e37"):
                upto = None  # SAM's "no limit"
            sell = _number(entry["sell"], f"{where} sell") if allow_sell and "sell" in entry else 0
            try:
                tiers.append(
                    tariffs.Tier(price=price, upto=upto, sell=Decimal(sell), upto_per_kw=per_kw)
                )
            except tariffs.InvalidTariff as problem:
                raise MalformedUrdbRecord(f"{where}: {problem}", details={"where": where}) from None
        try:
            periods.append(tariffs.RatePeriod(name=str(p), tiers=tuple(tiers)))
        except tariffs.InvalidTariff as problem:
            raise MalformedUrdbRecord(f"{name} period {p}: {problem}") from None
    return tuple(periods)


def _grid(record: Mapping[str, Any], key: str) -> tariffs.Grid:
    grid = record.get(key)
    if (
        not isinstance(grid, list)
        or len(grid) != tariffs.MONTHS
        or any(not isinstance(row, list) or len(row) != tariffs.HOURS for row in grid)
    ):
        raise MalformedUrdbRecord(f"{key} must be 12 months × 24 hours", details={"field": key})
    cells = [cell for row in grid for cell in row]
    if any(isinstance(c, bool) or not isinstance(c, int | Decimal) or c != int(c) for c in cells):
        raise MalformedUrdbRecord(f"{key} holds a cell that is not a period number")
    return tuple(tuple(int(cell) for cell in row) for row in grid)


def _schedule(record: Mapping[str, Any], prefix: str, periods: int) -> tariffs.Schedule:
    schedule = tariffs.Schedule(
        weekday=_grid(record, f"{prefix}weekdayschedule"),
        weekend=_grid(record, f"{prefix}weekendschedule"),
    )
    try:
        schedule.check(periods)
    except tariffs.InvalidTariff as problem:
        raise MalformedUrdbRecord(
            f"{prefix} schedule: {problem} ({periods} periods in {prefix}ratestructure)",
            details=problem.details,
        ) from None
    return schedule


def _day(epoch: object, where: str) -> date:
    return datetime.fromtimestamp(int(_number(epoch, where)), tz=UTC).date()


def _fixed(record: Mapping[str, Any]) -> tuple[tariffs.FixedCharge, ...]:
    charges = []
    if "fixedchargefirstmeter" in record:
        amount = _number(record["fixedchargefirstmeter"], "fixedchargefirstmeter")
        units = str(record.get("fixedchargeunits", "$/month"))
        if units == "$/day":
            charges.append(tariffs.FixedCharge("Fixed charge", amount, tariffs.FixedBasis.DAY))
        elif units == "$/month":
            charges.append(tariffs.FixedCharge("Fixed charge", amount, tariffs.FixedBasis.MONTH))
        elif units == "$/year":
            charges.append(
                tariffs.FixedCharge("Fixed charge", amount / 12, tariffs.FixedBasis.MONTH)
            )
        else:
            raise MalformedUrdbRecord(f"fixedchargeunits {units!r} is not supported")
    elif "fixedmonthlycharge" in record:
        amount = _number(record["fixedmonthlycharge"], "fixedmonthlycharge")
        charges.append(tariffs.FixedCharge("Fixed charge", amount, tariffs.FixedBasis.MONTH))
    return tuple(c for c in charges if c.amount)


def _refuse_ratchets(record: Mapping[str, Any]) -> None:
    """
    Refuse a demand ratchet (billing demand from earlier months' peaks), which urbis does not
    rate yet, rather than bill without it.

    :raises MalformedUrdbRecord: naming the ratchet's fields.
    """
    percent = _number(record.get("lookbackpercent", 0), "lookbackpercent")
    months = record.get("lookbackmonths") or []
    if not isinstance(months, list):
        raise MalformedUrdbRecord("lookbackmonths must list 12 flags")
    reach = _number(record.get("lookbackrange", 0), "lookbackrange")
    if percent and (any(months) or reach):
        raise MalformedUrdbRecord(
            f"Demand ratchets (lookbackpercent {percent}) are not supported yet",
            details={"field": "lookbackpercent"},
        )


def _minimum(record: Mapping[str, Any]) -> Decimal:
    if "mincharge" in record:
        amount = _number(record["mincharge"], "mincharge")
        units = str(record.get("minchargeunits", "$/month"))
        if units == "$/month":
            return amount
        if units == "$/day":
            return amount * 365 / 12
        raise MalformedUrdbRecord(f"minchargeunits {units!r} is not supported")
    if "minmonthlycharge" in record:
        return _number(record["minmonthlycharge"], "minmonthlycharge")
    return Decimal(0)


def record_of(document: object) -> Mapping[str, Any]:
    """
    Return the one rate record of a URDB answer (a record, a list of one, or ``items``).

    :raises MalformedUrdbRecord: if there is not exactly one record.
    """
    if isinstance(document, Mapping) and "items" in document:
        document = document["items"]
    if isinstance(document, list):
        if len(document) != 1:
            raise MalformedUrdbRecord(f"Expected one rate record, found {len(document)}")
        document = document[0]
    if not isinstance(document, Mapping):
        raise MalformedUrdbRecord("A URDB record is a JSON object")
    return document


def tariff_from_urdb(*, record: Mapping[str, Any]) -> tariffs.Tariff:
    """
    Build a tariff from one URDB record, following SAM's interpretation.

    :raises MalformedUrdbRecord: naming the field that cannot be read.
    """
    energy = None
    if "energyratestructure" in record:
        periods = _tiers(
            record["energyratestructure"], "energyratestructure", unit="kWh", allow_sell=True
        )
        energy = tariffs.EnergyCharge(
            periods=periods, schedule=_schedule(record, "energy", len(periods))
        )
    demand = None
    if "demandratestructure" in record:
        periods = _tiers(
            record["demandratestructure"], "demandratestructure", unit="kW", allow_sell=False
        )
        demand = tariffs.DemandCharge(
            periods=periods, schedule=_schedule(record, "demand", len(periods))
        )
    flat = None
    if "flatdemandstructure" in record:
        periods = _tiers(
            record["flatdemandstructure"], "flatdemandstructure", unit="kW", allow_sell=False
        )
        months = record.get("flatdemandmonths", [0] * tariffs.MONTHS)
        if not isinstance(months, list) or any(
            isinstance(m, bool) or not isinstance(m, int | Decimal) or m != int(m) for m in months
        ):
            raise MalformedUrdbRecord("flatdemandmonths must list 12 period numbers")
        months = [int(m) for m in months]
        try:
            flat = tariffs.FlatDemandCharge(periods=periods, months=tuple(months))
        except tariffs.InvalidTariff as problem:
            raise MalformedUrdbRecord(f"flatdemandmonths: {problem}") from None
    _refuse_ratchets(record)
    if energy is None and demand is None and flat is None and not _fixed(record):
        raise MalformedUrdbRecord("The record has no energy, demand or fixed charges")
    start = _day(record["startdate"], "startdate") if "startdate" in record else date(1970, 1, 1)
    end = _day(record["enddate"], "enddate") if "enddate" in record else None
    label = str(record.get("label", "urdb"))
    version = tariffs.Version(
        version=label,
        active=Period(start, end),
        currency="USD",
        rounding=Rounding.HALF_UP,
        rounding_scope=tariffs.RoundingScope.MONTHLY_SUBTOTAL,
        fixed=_fixed(record),
        energy=energy,
        demand=demand,
        flat_demand=flat,
        minimum=_minimum(record),
        annual_minimum=(
            _number(record["annualmincharge"], "annualmincharge")
            if "annualmincharge" in record
            else Decimal(0)
        ),
    )
    return tariffs.Tariff(
        code=label, name=str(record.get("name", label)), versions=(version,), service="electricity"
    )


def load_urdb(*, text: str) -> tariffs.Tariff:
    """
    Read a URDB JSON document into a tariff.

    :raises MalformedUrdbRecord: if the text is not JSON or the record cannot be read.
    """
    try:
        document = json.loads(text, parse_float=Decimal)
    except ValueError as problem:
        raise MalformedUrdbRecord(f"Not JSON: {problem}") from None
    return tariff_from_urdb(record=record_of(document))


def is_urdb(document: object) -> bool:
    """Tell a URDB record from a urbis tariff document."""
    if isinstance(document, Mapping) and "items" in document:
        return True
    if isinstance(document, Sequence) and not isinstance(document, str):
        return True
    return isinstance(document, Mapping) and any(
        key in document
        for key in ("energyratestructure", "demandratestructure", "flatdemandstructure")
    )
