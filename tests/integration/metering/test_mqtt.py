from __future__ import annotations

import asyncio
import json
import os
import socket
import uuid
from datetime import UTC, datetime
from pathlib import Path

import aiomqtt
import pytest

from tests.unit.metering.fakes import FakeMeterDirectory, meter
from urbis.adapters.intervals.parquet import ParquetIntervalStore
from urbis.adapters.mqtt import listener

HOST, PORT = "127.0.0.1", 1883
AS_AT = datetime(2026, 3, 2, tzinfo=UTC)


def broker_answers() -> bool:
    try:
        with socket.create_connection((HOST, PORT), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def broker() -> None:
    if broker_answers():
        return
    message = (
        f"no MQTT broker on {HOST}:{PORT}; start it with "
        "`mosquitto -d -c /etc/mosquitto/mosquitto.conf`"
    )
    if os.environ.get("URBIS_REQUIRE_SERVICES") == "1":
        pytest.fail(message)
    pytest.skip(message)


def payload(*reads: tuple[str, float]) -> bytes:
    return json.dumps(
        {
            "reads": [
                {
                    "channel": "E1",
                    "interval_start": start,
                    "interval_minutes": 15,
                    "quantity": quantity,
                    "unit": "kWh",
                    "quality": "A",
                }
                for start, quantity in reads
            ]
        }
    ).encode()


async def exchange(store: ParquetIntervalStore, serial: str) -> listener.ListenStats:
    ready = asyncio.Event()
    task = asyncio.create_task(
        listener.listen(
            url=f"mqtt://{HOST}:{PORT}",
            directory=FakeMeterDirectory([meter(serial)]),
            store=store,
            clock=lambda: AS_AT,
            max_messages=4,
            idle_seconds=10,
            ready=ready,
            client_id=f"urbis-test-{uuid.uuid4().hex[:8]}",
        )
    )
    await asyncio.wait_for(ready.wait(), 10)
    first = payload(("2026-03-01T00:00:00+00:00", 1.5), ("2026-03-01T00:15:00+00:00", 2.0))
    async with aiomqtt.Client(HOST, PORT) as client:
        await client.publish(listener.topic_for(serial), first, qos=1)
        await client.publish(listener.topic_for(serial), first, qos=1)  # redelivered
        await client.publish(
            listener.topic_for(serial), payload(("2026-03-01T00:30:00+10:00", 0.5)), qos=1
        )
        await client.publish(listener.topic_for("UNKNOWN"), first, qos=1)
    return await asyncio.wait_for(task, 20)


class TestMqttListener:
    @pytest.mark.usefixtures("broker")
    def test_stores_published_reads_once_and_rejects_unknown_meters(self, tmp_path: Path) -> None:
        store = ParquetIntervalStore(tmp_path)
        serial = f"MQ{uuid.uuid4().hex[:6]}"

        stats = asyncio.run(exchange(store, serial))

        stored = store.scan().collect().sort("start")
        assert (stats.messages, stats.stored, stats.rejected) == (4, 3, 1)
        assert stored.get_column("quantity").to_list() == [0.5, 1.5, 2.0]
        assert stored.get_column("meter").unique().to_list() == [serial]
