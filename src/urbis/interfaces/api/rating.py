"""Simulate a bill: this usage, this tariff, this date → charge lines, each explained."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from urbis.domain import identity, rating, tariffs
from urbis.interfaces.api.auth import Actor
from urbis.kernel.money import Money, Rounding
from urbis.kernel.periods import Period

router = APIRouter(prefix="/api/v1/rating", tags=["rating"])


class StratumShare(BaseModel):
    stratum: int = Field(ge=1, le=6)
    share: Decimal = Field(ge=0, lt=1)


class StratumPrice(BaseModel):
    stratum: int = Field(ge=1, le=6)
    price: Decimal = Field(gt=0)


class TariffVersionIn(BaseModel):
    code: str
    version: str
    active_from: date
    active_to: date | None = None
    currency: str = "COP"
    rounding: Rounding = Rounding.HALF_UP
    unit_cost: Decimal = Field(gt=0, description="CU, currency per kWh")
    subsidy: list[StratumShare] = [
        StratumShare(stratum=1, share=Decimal("0.60")),
        StratumShare(stratum=2, share=Decimal("0.50")),
        StratumShare(stratum=3, share=Decimal("0.15")),
    ]
    subsidised_price: list[StratumPrice] = []
    contribution: list[StratumShare] = [
        StratumShare(stratum=5, share=Decimal("0.20")),
        StratumShare(stratum=6, share=Decimal("0.20")),
    ]
    fixed_charge: Decimal = Decimal(0)


class Simulation(BaseModel):
    tariff: list[TariffVersionIn] = Field(min_length=1, description="The tariff's versions")
    on: date = Field(description="The day whose version prices the usage")
    kwh: Decimal = Field(ge=0)
    stratum: int = Field(ge=1, le=6)
    altitude_m: int = Field(ge=-500, le=6000)


def _version(body: TariffVersionIn) -> tariffs.TariffVersion:
    return tariffs.TariffVersion(
        code=body.code,
        version=body.version,
        active=Period(body.active_from, body.active_to),
        currency=body.currency,
        rounding=body.rounding,
        energy=tariffs.ResidentialEnergyTariff(
            unit_cost=body.unit_cost,
            subsidy=tuple((s.stratum, s.share) for s in body.subsidy),
            subsidised_price=tuple((p.stratum, p.price) for p in body.subsidised_price),
            contribution=tuple((s.stratum, s.share) for s in body.contribution),
            fixed_charge=body.fixed_charge,
        ),
    )


@router.post("/simulate")
def simulate(body: Simulation, actor: Actor) -> dict[str, Any]:
    """Price a month of residential energy under the tariff version in force on a day."""
    identity.require_role(actor=actor, allowed=identity.STAFF_ROLES)
    version = tariffs.version_in_force(versions=[_version(v) for v in body.tariff], on=body.on)
    lines = rating.rate_residential_month(
        version=version, kwh=body.kwh, stratum=body.stratum, altitude_m=body.altitude_m
    )
    total = Money.zero(version.currency)
    for line in lines:
        total = total + line.amount
    return {
        "tariff": f"{version.code} {version.version}",
        "currency": version.currency,
        "lines": [
            {
                "kind": line.kind,
                "description": line.description,
                "quantity": str(line.quantity),
                "unit_price": str(line.unit_price),
                "amount": str(line.amount.amount),
                "rule": line.rule,
            }
            for line in lines
        ],
        "total": str(total.amount),
    }
