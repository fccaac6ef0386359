"""Simulate a bill: this usage, this tariff, this date → charge lines, each explained."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from urbis.application.rating import queries
from urbis.bootstrap import rating as wiring
from urbis.interfaces.api.auth import Actor, Container
from urbis.interfaces.api.tariffs import ExactJson

router = APIRouter(prefix="/api/v1/rating", tags=["rating"])


class UsageRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: str = Field(description="ISO-8601 instant with its UTC offset")
    kwh: Decimal


class Simulation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tariff: dict[str, Any] | None = Field(
        default=None, description="A tariff document given inline (urbis format, or URDB)"
    )
    format: str = Field(default="urbis", description="Format of the inline tariff: urbis, urdb")
    tariff_code: str | None = Field(default=None, description="A stored tariff's code")
    usage: list[UsageRow] | None = Field(default=None, description="Interval usage (start, kwh)")
    quantity: Decimal | None = Field(default=None, ge=0, description="A month's quantity")
    on: date | None = Field(default=None, description="A day of the quantity's month")
    stratum: int | None = Field(default=None, ge=1, le=6)
    use: str = "residential"
    altitude_m: int = Field(default=0, ge=-500, le=6000)


@router.post("/simulate")
def simulate(body: ExactJson, actor: Actor, container: Container) -> dict[str, Any]:
    """
    Rate usage (intervals, or a month's quantity and a day of that month) under a stored tariff
    or one given inline; answers lines, each with its explanation, month parts and the total.
    Nothing is stored.
    """
    try:
        request = Simulation.model_validate(body)
    except ValidationError as problem:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in problem.errors()]
        ) from None
    usage = (
        None
        if request.usage is None
        else [{"start": row.start, "kwh": str(row.kwh)} for row in request.usage]
    )
    with container.engine.connect() as connection:
        env = wiring.tariffs_env(container=container, actor=actor, connection=connection)
        return queries.simulate_bill(
            env=env,
            code=request.tariff_code,
            document=request.tariff,
            format=request.format,
            usage=usage,
            quantity=None if request.quantity is None else str(request.quantity),
            month=request.on,
            stratum=request.stratum,
            use=request.use,
            altitude_m=request.altitude_m,
        )
