"""
The demo utility's tariffs as urbis tariff documents: electricity, water and sewer for each use
its agreements name (``MDE-E-RES``, ``MDE-ACU-COM``, ...).

The prices are illustrative, of the order of a large Colombian utility's in 2026, not a published
sheet. Each tariff has two versions (until October 2026, and from then on) so that the demo shows
a tariff change; the rules are the Colombian ones (Ley 142 de 1994): subsidies for estratos 1–3
up to the subsistence or basic quantity, contributions for estratos 5–6 and commercial users
(industrial users also contribute in water; not in electricity, Ley 1430 de 2010).
"""

from __future__ import annotations

from typing import Any

CHANGE = "2026-10-01"
SINCE = "2005-01-01"  # the earliest agreement the demo generator makes
USES = {"RES": "residential", "COM": "commercial", "IND": "industrial", "OFI": "official"}
NAMES = {"RES": "residencial", "COM": "comercial", "IND": "industrial", "OFI": "oficial"}

# full cost (CU, COP/kWh) before and after the change
_ENERGY_COST = ("842.3150", "871.9024")
# water and sewer: (fixed charge per month, m³ price) before and after the change
_WATER = (("11250.00", "2870.4500"), ("11680.00", "2964.1200"))
_SEWER = (("6120.00", "2511.8300"), ("6350.00", "2598.7700"))

_ELECTRICITY_SOLIDARITY: dict[str, Any] = {
    "basic": [
        {"from_altitude_m": 0, "quantity": 173},
        {"from_altitude_m": 1000, "quantity": 130},
    ],
    "classes": {
        "1": {"subsidy": "0.60"},
        "2": {"subsidy": "0.50"},
        "3": {"subsidy": "0.15"},
        "5": {"contribution": "0.20"},
        "6": {"contribution": "0.20"},
        "commercial": {"contribution": "0.20"},
    },
}

# basic consumption by altitude (Res. CRA 750 de 2016): 16 m³ below 1,000 m, 13 up to 2,000, 11
_WATER_SOLIDARITY: dict[str, Any] = {
    "basic": [
        {"from_altitude_m": 0, "quantity": 16},
        {"from_altitude_m": 1000, "quantity": 13},
        {"from_altitude_m": 2000, "quantity": 11},
    ],
    "classes": {
        "1": {"subsidy": "0.70"},
        "2": {"subsidy": "0.40"},
        "3": {"subsidy": "0.15"},
        "5": {"contribution": "0.50"},
        "6": {"contribution": "0.60"},
        "commercial": {"contribution": "0.50"},
        "industrial": {"contribution": "0.30"},
    },
    "on_fixed": True,
}


def _version(name: str, start: str, end: str | None, terms: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": name,
        "active_from": start,
        "active_to": end,
        "currency": "COP",
        "holidays": "CO",
        "timezone": "America/Bogota",
        **terms,
    }


def _electricity(use: str, cost: str) -> dict[str, Any]:
    terms: dict[str, Any] = {
        "energy": {"periods": [{"name": "energía", "tiers": [{"price": cost}]}]},
    }
    if use in ("RES", "COM"):
        terms["solidarity"] = _ELECTRICITY_SOLIDARITY
    return terms


def _water(use: str, fixed: str, price: str) -> dict[str, Any]:
    terms: dict[str, Any] = {
        "fixed": [{"name": "Cargo fijo", "amount": fixed, "per": "MONTH"}],
        "energy": {
            "periods": [
                {
                    "name": "consumo",
                    "tiers": [
                        {"name": "básico", "price": price, "upto": 13},
                        {"name": "complementario", "price": price, "upto": 26},
                        {"name": "suntuario", "price": price},
                    ],
                }
            ]
        },
    }
    if use in ("RES", "COM", "IND"):
        terms["solidarity"] = _WATER_SOLIDARITY
    return terms


def documents() -> list[dict[str, Any]]:
    """Every tariff the demo utility's agreements name, as urbis tariff documents."""
    out: list[dict[str, Any]] = []
    for use in USES:
        out.append(
            {
                "format": "urbis-tariff/1",
                "code": f"MDE-E-{use}",
                "name": f"Energía {NAMES[use]}",
                "service": "electricity",
                "unit": "kWh",
                "versions": [
                    _version("2005-01", SINCE, CHANGE, _electricity(use, _ENERGY_COST[0])),
                    _version(CHANGE[:7], CHANGE, None, _electricity(use, _ENERGY_COST[1])),
                ],
            }
        )
        for prefix, service, label, prices in (
            ("MDE-ACU", "water", "Acueducto", _WATER),
            ("MDE-ALC", "sewer", "Alcantarillado", _SEWER),
        ):
            out.append(
                {
                    "format": "urbis-tariff/1",
                    "code": f"{prefix}-{use}",
                    "name": f"{label} {NAMES[use]}",
                    "service": service,
                    "unit": "m3",
                    "versions": [
                        _version("2005-01", SINCE, CHANGE, _water(use, *prices[0])),
                        _version(CHANGE[:7], CHANGE, None, _water(use, *prices[1])),
                    ],
                }
            )
    return out
