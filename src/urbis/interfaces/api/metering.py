"""Meter reads over HTTP: post interval and register reads, query the latest versions."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import polars as pl
from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from urbis import bootstrap
from urbis.application._support import audit
from urbis.application.identity import queries as identity_queries
from urbis.application.metering import operations, queries
from urbis.bootstrap import metering as wiring
from urbis.domain import identity
from urbis.interfaces.api.auth import Actor, Container

router = APIRouter(prefix="/api/v1", tags=["meter reads"])
WRITERS = frozenset({identity.Role.FIELD, identity.Role.BILLING_ANALYST})
READERS = identity.STAFF_ROLES


class IntervalRead(BaseModel):
    meter: str = Field(description="Meter serial")
    channel: str = "E1"
    start: AwareDatetime = Field(description="Interval start with its UTC offset")
    minutes: int = Field(gt=0, le=1440)
    quantity: float
    unit: str = "kWh"
    quality: Literal["ACTUAL", "ESTIMATED", "SUBSTITUTED"] = "ACTUAL"


class RegisterRead(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    meter: str
    register_name: str = Field(default="1", alias="register")
    read_at: AwareDatetime
    value: float = Field(ge=0)
    unit: str = "kWh"
    read_type: Literal["ACTUAL", "CUSTOMER", "ESTIMATED"] = "ACTUAL"


class IntervalDelivery(BaseModel):
    source: str = "api"
    reads: list[IntervalRead] = Field(min_length=1, max_length=100_000)


class RegisterDelivery(BaseModel):
    source: str = "api"
    reads: list[RegisterRead] = Field(min_length=1, max_length=100_000)


def _record(
    container: bootstrap.App, actor: identity.Actor, kind: str, result: operations.IngestResult
) -> dict[str, int]:
    """Leave an audit entry for a delivery (the reads themselves carry their provenance)."""
    summary = {
        "received": result.received,
        "stored": result.stored,
        "duplicates": result.duplicates,
    }
    env = container.env(actor)
    with container.uow() as uow:
        audit(
            env=env,
            uow=uow,
            entity=kind,
            entity_id=result.source,
            action="ingest",
            after=summary,
        )
        uow.commit()
    return summary


def _adapters(actor: identity.Actor, container: bootstrap.App) -> wiring.MeteringAdapters:
    tenant = identity_queries.tenant(env=container.env(actor))
    assert tenant is not None
    return wiring.for_tenant(
        engine=container.engine, data_dir=container.data_dir, tenant_code=tenant.code
    )


@router.post("/meter-reads", status_code=201)
def post_interval_reads(delivery: IntervalDelivery, actor: Actor, container: Container) -> Any:
    """Store interval reads as new versions (a re-delivery stores nothing twice)."""
    identity.require_role(actor=actor, allowed=WRITERS)
    adapters = _adapters(actor, container)
    frame = pl.DataFrame([r.model_dump() for r in delivery.reads]).with_columns(
        pl.col("start").dt.convert_time_zone("UTC")
    )
    result = operations.ingest_intervals(
        frame=frame,
        source=delivery.source,
        directory=adapters.directory,
        store=adapters.intervals,
        as_at=container.clock.now(),
    )
    return _record(container, actor, "interval_reads", result)


@router.post("/register-reads", status_code=201)
def post_register_reads(delivery: RegisterDelivery, actor: Actor, container: Container) -> Any:
    """Store register (dial) reads: actual, customer (e.g. from the portal) or estimated."""
    identity.require_role(actor=actor, allowed=WRITERS | {identity.Role.AGENT})
    adapters = _adapters(actor, container)
    frame = pl.DataFrame([r.model_dump(by_alias=True) for r in delivery.reads]).with_columns(
        pl.col("read_at").dt.convert_time_zone("UTC")
    )
    result = operations.ingest_register_reads(
        frame=frame,
        source=delivery.source,
        directory=adapters.directory,
        store=adapters.registers,
        as_at=container.clock.now(),
    )
    return _record(container, actor, "register_reads", result)


@router.get("/meter-reads")
def get_interval_reads(
    actor: Actor,
    container: Container,
    meter: str,
    start: AwareDatetime,
    end: AwareDatetime,
    as_of: Annotated[AwareDatetime | None, Query(description="Latest versions as of")] = None,
) -> list[dict[str, Any]]:
    """The latest version of each interval of a meter in ``[start, end)``, as of an instant."""
    identity.require_role(actor=actor, allowed=READERS)
    adapters = _adapters(actor, container)
    reads = queries.reads_as_of(
        store=adapters.intervals,
        meters=(meter.upper(),),
        start=start,
        end=end,
        as_of=as_of,
    )
    rows: list[dict[str, Any]] = reads.select(
        "meter", "channel", "start", "minutes", "quantity", "unit", "quality", "recorded_at"
    ).to_dicts()
    for row in rows:
        row["start"] = row["start"].isoformat()
        row["recorded_at"] = row["recorded_at"].isoformat()
    return rows


class Review(BaseModel):
    decision: Literal["ACCEPTED", "DISMISSED"] = Field(
        description="ACCEPTED: the read stands; DISMISSED: a false alarm"
    )
    note: str | None = Field(default=None, max_length=2000)


class Edit(BaseModel):
    meter: str
    channel: str = "E1"
    start: AwareDatetime = Field(description="The interval's start with its UTC offset")
    quantity: float
    reason: str = Field(description="Why the read is corrected (kept with the new version)")
    exception_id: str | None = Field(
        default=None, description="The finding this edit answers (closed as EDITED with it)"
    )


def _exception(item: Any) -> dict[str, Any]:
    return {
        "id": item.id,
        "meter": item.meter,
        "channel": item.channel,
        "start": item.start.isoformat(),
        "check": item.check,
        "count": item.count,
        "detail": item.detail,
        "raised_at": item.raised_at.isoformat(),
        "status": item.status,
        "reviewed_by": item.reviewed_by,
        "reviewed_at": None if item.reviewed_at is None else item.reviewed_at.isoformat(),
        "note": item.note,
    }


@router.get("/meter-exceptions")
def list_exceptions(
    actor: Actor,
    container: Container,
    status: Literal["OPEN", "ACCEPTED", "DISMISSED", "EDITED"] | None = "OPEN",
) -> list[dict[str, Any]]:
    """The VEE exceptions queue: findings waiting for review (or given one, by status)."""
    identity.require_role(actor=actor, allowed=READERS)
    return [_exception(i) for i in _adapters(actor, container).exceptions.list(status=status)]


@router.post("/meter-exceptions/{exception_id}/review")
def review_exception(
    exception_id: str, body: Review, actor: Actor, container: Container
) -> dict[str, Any]:
    """Close a finding as ACCEPTED or DISMISSED, with who and when."""
    identity.require_role(actor=actor, allowed=WRITERS)
    item = operations.review_exception(
        queue=_adapters(actor, container).exceptions,
        exception_id=exception_id,
        decision=body.decision,
        actor=actor.user_id,
        note=body.note,
        as_at=container.clock.now(),
    )
    return _exception(item)


@router.post("/meter-reads/edits", status_code=201)
def edit_read(body: Edit, actor: Actor, container: Container) -> dict[str, Any]:
    """Correct one interval: an EDITED version naming who and why (nothing is overwritten)."""
    identity.require_role(actor=actor, allowed=WRITERS)
    adapters = _adapters(actor, container)
    stamped = operations.edit_read(
        store=adapters.intervals,
        meter=body.meter.upper(),
        channel=body.channel,
        start=body.start,
        quantity=body.quantity,
        actor=actor.user_id,
        reason=body.reason,
        as_at=container.clock.now(),
        queue=adapters.exceptions,
        exception_id=body.exception_id,
    )
    (row,) = stamped.select(
        "meter", "channel", "start", "quantity", "quality", "recorded_at"
    ).rows()
    return {
        "meter": row[0],
        "channel": row[1],
        "start": row[2].isoformat(),
        "quantity": row[3],
        "quality": row[4],
        "recorded_at": row[5].isoformat(),
    }
