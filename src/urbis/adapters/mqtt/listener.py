"""
Listen for meter reads on MQTT and store them as interval versions.

Topic: ``urbis/meters/{serial}/reads`` (one per meter). Payload: a JSON object with a
``reads`` list, each read ``{"channel", "interval_start" (ISO 8601 with offset),
"interval_minutes", "quantity", "unit", "quality" (A, E or S)}``; see
docs/meter-data-formats.md. Messages are received with QoS 1 (at least once); the store
drops re-deliveries, so a repeated message never double counts.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

import aiomqtt
import attrs
import polars as pl

from urbis.adapters.formats import units, urbis_csv
from urbis.application.metering import operations, ports
from urbis.domain import metering
from urbis.kernel import errors

TOPIC = "urbis/meters/+/reads"
log = logging.getLogger(__name__)


@attrs.define
class ListenStats:
    messages: int = 0
    received: int = 0
    stored: int = 0
    rejected: int = 0


def topic_for(serial: str) -> str:
    """The topic a meter publishes its reads on."""
    return f"urbis/meters/{serial}/reads"


def parse_message(topic: str, payload: bytes) -> list[dict[str, Any]]:
    """
    Turn one message into interval rows.

    :raises InvalidRead: if the topic or payload does not follow the documented layout.
    """
    parts = topic.split("/")
    if len(parts) != 4 or parts[:2] != ["urbis", "meters"] or parts[3] != "reads":
        raise metering.InvalidRead(f"topic {topic!r} is not urbis/meters/SERIAL/reads")
    try:
        body = json.loads(payload)
        rows = []
        for read in body["reads"]:
            start = datetime.fromisoformat(str(read["interval_start"]))
            unit = units.canonical(str(read["unit"]))
            quality = urbis_csv.QUALITY_CODES[str(read.get("quality", "A")).upper()]
            if start.tzinfo is None or unit not in units.ENERGY_OR_VOLUME:
                raise ValueError("interval_start needs an offset and unit must be energy/volume")
            rows.append(
                {
                    "meter": parts[2],
                    "channel": str(read["channel"]),
                    "start": start,
                    "minutes": int(read["interval_minutes"]),
                    "quantity": float(read["quantity"]),
                    "unit": unit,
                    "quality": quality,
                }
            )
    except (ValueError, KeyError, TypeError) as error:
        raise metering.InvalidRead(f"message on {topic}: {error}") from error
    return rows


def _store(
    rows: list[dict[str, Any]],
    *,
    directory: ports.MeterDirectory,
    store: ports.IntervalStore,
    clock: Callable[[], datetime],
) -> int:
    if not rows:
        return 0
    frame = pl.DataFrame(rows).with_columns(
        pl.col("start").dt.convert_time_zone("UTC").dt.cast_time_unit("us"),
        pl.col("minutes").cast(pl.Int32),
    )
    result = operations.ingest_intervals(
        frame=frame, source="mqtt", directory=directory, store=store, as_at=clock()
    )
    return result.stored


async def listen(
    *,
    url: str,
    directory: ports.MeterDirectory,
    store: ports.IntervalStore,
    clock: Callable[[], datetime],
    max_messages: int | None = None,
    idle_seconds: float | None = None,
    ready: asyncio.Event | None = None,
    client_id: str = "urbis-metering",
) -> ListenStats:
    """
    Subscribe to every meter's topic and store what arrives, one message at a time.

    Stops after ``max_messages`` or when nothing arrives for ``idle_seconds``; otherwise
    runs until cancelled. Messages naming unknown meters or breaking the layout are counted
    as rejected and logged; they never stop the listener.
    """
    address = urlparse(url)
    stats = ListenStats()
    async with aiomqtt.Client(
        address.hostname or "127.0.0.1",
        address.port or 1883,
        identifier=client_id,
        clean_session=False,
    ) as client:
        await client.subscribe(TOPIC, qos=1)
        if ready is not None:
            ready.set()
        messages = client.messages.__aiter__()
        while max_messages is None or stats.messages < max_messages:
            try:
                if idle_seconds is None:
                    message = await messages.__anext__()
                else:
                    message = await asyncio.wait_for(messages.__anext__(), idle_seconds)
            except TimeoutError:
                break
            stats.messages += 1
            payload = message.payload
            body = payload if isinstance(payload, bytes) else str(payload).encode()
            try:
                rows = parse_message(message.topic.value, body)
                stats.received += len(rows)
                stats.stored += _store(rows, directory=directory, store=store, clock=clock)
            except errors.DomainError as error:
                stats.rejected += 1
                log.warning("rejected: %s", error.message)
    return stats
