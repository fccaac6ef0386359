"""Canonical unit names for meter quantities."""

from __future__ import annotations

# Interval and register quantities urbis accepts, by lower-case spelling.
CANONICAL: dict[str, str] = {
    "kwh": "kWh",
    "wh": "Wh",
    "mwh": "MWh",
    "kvarh": "kvarh",
    "varh": "varh",
    "kvah": "kVAh",
    "kw": "kW",
    "kva": "kVA",
    "kvar": "kvar",
    "m3": "m3",
    "therm": "therm",
    "v": "V",
    "a": "A",
    "pf": "pf",
    "": "",
}

# Units whose intervals add up to consumption (the CSV layout accepts only these).
ENERGY_OR_VOLUME = frozenset({"kWh", "Wh", "MWh", "kvarh", "varh", "kVAh", "m3", "therm"})


def canonical(unit: str) -> str | None:
    """The canonical spelling of a unit, or None when urbis does not know it."""
    return CANONICAL.get(unit.strip().lower())
