"""
Read and check tariff files: urbis's own format (YAML or JSON, docs/tariff-format.md, checked
against the JSON Schema shipped beside this module) or a URDB record.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from urbis.adapters.tariffs import urdb
from urbis.domain import tariffs
from urbis.kernel import errors
from urbis.kernel.money import Rounding
from urbis.kernel.periods import InvalidPeriod, Period

FORMAT = "urbis-tariff/1"


class InvalidTariffFile(errors.InvalidValue):
    code = "invalid_tariff_file"


def schema() -> dict[str, Any]:
    """Return the JSON Schema of urbis's tariff format."""
    text = resources.files(__package__).joinpath("tariff.schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _where(path: Sequence[object]) -> str:
    return "/".join(str(p) for p in path) or "(document)"


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value))


def _grid(value: Any) -> tariffs.Grid:
    if isinstance(value, int):
        return tuple(tuple([value] * tariffs.HOURS) for _ in range(tariffs.MONTHS))
    return tuple(
        tuple([row] * tariffs.HOURS) if isinstance(row, int) else tuple(row) for row in value
    )


def _schedule(value: Mapping[str, Any] | None) -> tariffs.Schedule:
    if value is None:
        return tariffs.flat_schedule()
    weekday = _grid(value["weekday"])
    weekend = _grid(value["weekend"]) if "weekend" in value else weekday
    holiday = _grid(value["holiday"]) if "holiday" in value else None
    return tariffs.Schedule(weekday=weekday, weekend=weekend, holiday=holiday)


def _periods(values: Sequence[Mapping[str, Any]]) -> tuple[tariffs.RatePeriod, ...]:
    return tuple(
        tariffs.RatePeriod(
            name=p["name"],
            tiers=tuple(
                tariffs.Tier(
                    price=_decimal(t["price"]),
                    upto=None if t.get("upto") is None else _decimal(t["upto"]),
                    sell=_decimal(t.get("sell", 0)),
                    name=t.get("name", ""),
                    upto_per_kw=bool(t.get("upto_per_kw", False)),
                )
                for t in p["tiers"]
            ),
        )
        for p in values
    )


def _version(value: Mapping[str, Any], unit: str) -> tariffs.Version:
    rounding = value.get("rounding", {})
    energy = demand = flat = solidarity = None
    if "energy" in value:
        energy = tariffs.EnergyCharge(
            periods=_periods(value["energy"]["periods"]),
            schedule=_schedule(value["energy"].get("schedule")),
        )
    if "demand" in value:
        demand = tariffs.DemandCharge(
            periods=_periods(value["demand"]["periods"]),
            schedule=_schedule(value["demand"].get("schedule")),
        )
    if "flat_demand" in value:
        flat = tariffs.FlatDemandCharge(
            periods=_periods(value["flat_demand"]["periods"]),
            months=tuple(value["flat_demand"].get("months", [0] * tariffs.MONTHS)),
        )
    if "solidarity" in value:
        s = value["solidarity"]
        solidarity = tariffs.Solidarity(
            basic=tuple(
                tariffs.BasicQuantity(b["from_altitude_m"], _decimal(b["quantity"]))
                for b in s["basic"]
            ),
            classes=tuple(
                (
                    key,
                    tariffs.SolidarityClass(
                        subsidy=_decimal(c.get("subsidy", 0)),
                        contribution=_decimal(c.get("contribution", 0)),
                        price=None if "price" not in c else _decimal(c["price"]),
                        fixed_price=None if "fixed_price" not in c else _decimal(c["fixed_price"]),
                    ),
                )
                for key, c in sorted(s["classes"].items())
            ),
            on_fixed=bool(s.get("on_fixed", False)),
        )
    end = value.get("active_to")
    return tariffs.Version(
        version=value["version"],
        active=Period(date.fromisoformat(value["active_from"]), end and date.fromisoformat(end)),
        currency=value["currency"],
        rounding=Rounding[rounding.get("mode", "HALF_UP")],
        rounding_scope=tariffs.RoundingScope[rounding.get("scope", "LINE")],
        holidays=value.get("holidays"),
        timezone=value.get("timezone"),
        fixed=tuple(
            tariffs.FixedCharge(
                f["name"], _decimal(f["amount"]), tariffs.FixedBasis[f.get("per", "MONTH")]
            )
            for f in value.get("fixed", ())
        ),
        energy=energy,
        demand=demand,
        flat_demand=flat,
        minimum=_decimal(value.get("minimum", 0)),
        annual_minimum=_decimal(value.get("annual_minimum", 0)),
        taxes=tuple(
            tariffs.Tax(
                name=t["name"],
                percent=None if "percent" not in t else _decimal(t["percent"]),
                per_unit=None if "per_unit" not in t else _decimal(t["per_unit"]),
            )
            for t in value.get("taxes", ())
        ),
        solidarity=solidarity,
        unit=unit,
    )


def tariff_from_document(*, document: Mapping[str, Any]) -> tariffs.Tariff:
    """
    Check a urbis tariff document against the schema and the model's rules, and build it.

    :raises InvalidTariffFile: naming where the document breaks the schema.
    :raises InvalidTariff: if it breaks a rule of the model (overlapping versions, schedules
        naming undefined periods, tier limits out of order, ...).
    """
    validator = jsonschema.Draft202012Validator(schema())
    problem = jsonschema.exceptions.best_match(validator.iter_errors(document))
    if problem is not None:
        where = _where(problem.absolute_path)
        raise InvalidTariffFile(
            f"{where}: {problem.message}", details={"where": where, "rule": problem.validator}
        )
    unit = document.get("unit", "kWh")
    try:
        versions = tuple(_version(v, unit) for v in document["versions"])
    except InvalidPeriod as bad:
        raise tariffs.InvalidTariff(f"Version dates: {bad}") from None
    return tariffs.Tariff(
        code=document["code"],
        name=document["name"],
        versions=versions,
        service=document.get("service"),
    )


def _text(value: Decimal) -> str:
    """A decimal as plain digits (never exponent notation), as the schema's strings want."""
    return format(value, "f")


def _grid_out(grid: tariffs.Grid) -> Any:
    cells = {cell for row in grid for cell in row}
    if len(cells) == 1:
        return next(iter(cells))
    return [row[0] if len(set(row)) == 1 else list(row) for row in grid]


def _schedule_out(schedule: tariffs.Schedule) -> dict[str, Any]:
    out: dict[str, Any] = {"weekday": _grid_out(schedule.weekday)}
    if schedule.weekend != schedule.weekday:
        out["weekend"] = _grid_out(schedule.weekend)
    if schedule.holiday is not None:
        out["holiday"] = _grid_out(schedule.holiday)
    return out


def _tier_out(tier: tariffs.Tier) -> dict[str, Any]:
    out: dict[str, Any] = {"price": _text(tier.price)}
    if tier.upto is not None:
        out["upto"] = _text(tier.upto)
    if tier.sell:
        out["sell"] = _text(tier.sell)
    if tier.name:
        out["name"] = tier.name
    if tier.upto_per_kw:
        out["upto_per_kw"] = True
    return out


def _periods_out(periods: Sequence[tariffs.RatePeriod]) -> list[dict[str, Any]]:
    return [{"name": p.name, "tiers": [_tier_out(t) for t in p.tiers]} for p in periods]


def _class_out(rules: tariffs.SolidarityClass) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if rules.subsidy:
        out["subsidy"] = _text(rules.subsidy)
    if rules.contribution:
        out["contribution"] = _text(rules.contribution)
    if rules.price is not None:
        out["price"] = _text(rules.price)
    if rules.fixed_price is not None:
        out["fixed_price"] = _text(rules.fixed_price)
    return out


def version_document(version: tariffs.Version) -> dict[str, Any]:
    """
    Write one version in urbis's tariff format, numbers as exact strings; reading it back
    (``tariff_from_document``) gives an equal version.
    """
    out: dict[str, Any] = {
        "version": version.version,
        "active_from": version.active.start.isoformat(),
        "active_to": None if version.active.end is None else version.active.end.isoformat(),
        "currency": version.currency,
        "rounding": {"mode": version.rounding.name, "scope": version.rounding_scope.name},
    }
    if version.holidays is not None:
        out["holidays"] = version.holidays
    if version.timezone is not None:
        out["timezone"] = version.timezone
    if version.fixed:
        out["fixed"] = [
            {"name": f.name, "amount": _text(f.amount), "per": f.per.value} for f in version.fixed
        ]
    if version.energy is not None:
        out["energy"] = {
            "periods": _periods_out(version.energy.periods),
            "schedule": _schedule_out(version.energy.schedule),
        }
    if version.demand is not None:
        out["demand"] = {
            "periods": _periods_out(version.demand.periods),
            "schedule": _schedule_out(version.demand.schedule),
        }
    if version.flat_demand is not None:
        out["flat_demand"] = {
            "periods": _periods_out(version.flat_demand.periods),
            "months": list(version.flat_demand.months),
        }
    if version.minimum:
        out["minimum"] = _text(version.minimum)
    if version.annual_minimum:
        out["annual_minimum"] = _text(version.annual_minimum)
    if version.taxes:
        out["taxes"] = [
            {"name": t.name, "percent": _text(t.percent)}
            if t.percent is not None
            else {"name": t.name, "per_unit": _text(t.per_unit or Decimal(0))}
            for t in version.taxes
        ]
    if version.solidarity is not None:
        s = version.solidarity
        out["solidarity"] = {
            "basic": [
                {"from_altitude_m": b.from_altitude_m, "quantity": _text(b.quantity)}
                for b in s.basic
            ],
            "classes": {key: _class_out(rules) for key, rules in s.classes},
            "on_fixed": s.on_fixed,
        }
    return out


def tariff_document(tariff: tariffs.Tariff) -> dict[str, Any]:
    """
    Write a tariff in urbis's tariff format (whatever it was read from, URDB included);
    reading it back (``tariff_from_document``) gives an equal tariff.
    """
    out: dict[str, Any] = {"format": FORMAT, "code": tariff.code, "name": tariff.name}
    if tariff.service is not None:
        out["service"] = tariff.service
    out["unit"] = tariff.versions[0].unit if tariff.versions else "kWh"
    out["versions"] = [version_document(v) for v in tariff.versions]
    return out


def _dates_as_text(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _dates_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(v) for v in value]
    return value


def parse_text(*, text: str, suffix: str = ".yaml") -> Any:
    """
    Parse YAML or JSON text into plain data (JSON numbers with a fraction become ``Decimal``).

    :raises InvalidTariffFile: if the text cannot be parsed.
    """
    try:
        if suffix.lower() == ".json":
            return json.loads(text, parse_float=Decimal)
        return _dates_as_text(yaml.safe_load(text))
    except (ValueError, yaml.YAMLError) as problem:
        raise InvalidTariffFile(f"Cannot parse the tariff file: {problem}") from None


def load_tariff(*, text: str, suffix: str = ".yaml") -> tariffs.Tariff:
    """
    Read a tariff from text: urbis's own format, or a URDB record.

    :raises InvalidTariffFile: if the text cannot be parsed or breaks the schema.
    :raises InvalidTariff: if it breaks a rule of the model.
    :raises MalformedUrdbRecord: if it is a URDB record that cannot be read.
    """
    document = parse_text(text=text, suffix=suffix)
    if isinstance(document, Mapping) and document.get("format") == FORMAT:
        return tariff_from_document(document=document)
    if urdb.is_urdb(document):
        return urdb.tariff_from_urdb(record=urdb.record_of(document))
    raise InvalidTariffFile(f"Not a tariff file: expected format {FORMAT!r} or a URDB record")


def read_tariff(*, path: Path) -> tariffs.Tariff:
    """
    Read a tariff file (``.yaml``, ``.yml`` or ``.json``).

    :raises InvalidTariffFile: if the file cannot be read, parsed or breaks the schema.
    :raises InvalidTariff: if it breaks a rule of the model.
    :raises MalformedUrdbRecord: if it is a URDB record that cannot be read.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as problem:
        raise InvalidTariffFile(f"Cannot read {path}: {problem.strerror}") from None
    return load_tariff(text=text, suffix=path.suffix)
