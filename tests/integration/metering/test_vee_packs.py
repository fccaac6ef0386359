"""VEE asks the tenant's published ``vee_thresholds`` pack (SQLite and PostgreSQL), ADR 0036."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from tests import rule_packs
from tests.unit.metering.fakes import FakeExceptionQueue, Ids
from urbis import bootstrap
from urbis.application.metering import limits, operations
from urbis.bootstrap import metering as metering_wiring
from urbis.domain import identity, metering, rules

PACK = "vee_thresholds_default"
T0 = datetime(2026, 10, 5, tzinfo=UTC)
AS_AT = datetime(2030, 1, 1, tzinfo=UTC)
SEPTEMBER = date(2026, 9, 5)
OCTOBER = date(2026, 10, 5)


def _next_version(
    container: bootstrap.App,
    tenant: identity.Tenant,
    *,
    content: dict[str, Any],
    cases: list[dict[str, Any]] | None = None,
) -> None:
    rule_packs.publish_next(
        container, tenant, PACK, content=content, cases=cases, effective_from=date(2026, 10, 1)
    )


def _meter(serial: str, meter_class: str) -> metering.Meter:
    return metering.Meter(
        serial=serial,
        meter_class=meter_class,
        kind=metering.MeterKind.INTERVAL,
        multiplier=Decimal(1),
    )


def _adapters(
    container: bootstrap.App, tenant: identity.Tenant, root: Path
) -> metering_wiring.MeteringAdapters:
    # the configured file: what VEE used before, and still uses when no pack is in force
    (root / "thresholds.json").write_text(json.dumps({"C&I": {"spike_factor": 4}}))
    return metering_wiring.embedded(
        root=root, engine=container.engine, tenant_code=tenant.code, interval_store="parquet"
    )


def _spikes(adapters: metering_wiring.MeteringAdapters, day: date) -> tuple[str, int]:
    """Validate one C&I meter whose 6x-typical half hour is a spike only under a factor below 6."""
    meter = _meter("CI-1", "C&I")
    values = [10.0] * 47 + [60.0]
    frame = metering.conform(
        frame=pl.DataFrame(
            {
                "meter": ["CI-1"] * len(values),
                "channel": ["E1"] * len(values),
                "start": [T0 + timedelta(minutes=30 * i) for i in range(len(values))],
                "minutes": [30] * len(values),
                "quantity": values,
                "unit": ["kWh"] * len(values),
                "quality": ["ACTUAL"] * len(values),
            }
        ),
        schema=metering.INTERVAL_SCHEMA,
    )
    adapters.intervals.append(metering.stamp(frame=frame, recorded_at=AS_AT, first_sequence=0))
    chosen = adapters.limits(meters=(meter,), as_of=day)
    queue = FakeExceptionQueue()
    operations.run_vee(
        meters=(meter,),
        start=T0,
        end=T0 + timedelta(days=1),
        store=adapters.intervals,
        queue=queue,
        thresholds=chosen.thresholds,
        as_at=AS_AT,
        new_id=Ids(),
    )
    return chosen.validated_by, sum(1 for f in queue.list() if f.check == "SPIKE")


class TestVeeAsksThePublishedPack:
    def test_without_a_pack_the_configured_file_answers_and_the_run_says_so(
        self, container: bootstrap.App, tenant: identity.Tenant, tmp_path: Path
    ) -> None:
        adapters = _adapters(container, tenant, tmp_path)

        validated_by, spikes = _spikes(adapters, OCTOBER)

        assert validated_by == limits.CONFIGURED
        assert spikes == 1  # the file's factor 4 makes 60 against 10 a spike

    def test_the_shipped_pack_answers_per_meter_class_and_the_run_names_it(
        self, container: bootstrap.App, tenant: identity.Tenant, tmp_path: Path
    ) -> None:
        rule_packs.install(container, tenant)
        adapters = _adapters(container, tenant, tmp_path)

        chosen = adapters.limits(
            meters=(_meter("A", "RES"), _meter("B", "C&I"), _meter("C", "RES")), as_of=OCTOBER
        )
        validated_by, spikes = _spikes(adapters, OCTOBER)

        assert chosen.validated_by == f"{PACK} v1"
        assert set(chosen.thresholds) == {"RES", "C&I"}
        assert chosen.thresholds["C&I"].spike_factor == 8.0
        assert chosen.thresholds["C&I"].zero_days == 2
        assert chosen.thresholds["RES"].spike_factor == 10.0
        assert (validated_by, spikes) == (f"{PACK} v1", 0)  # 8 x typical: no spike

    def test_publishing_a_new_version_changes_the_findings_from_its_effective_date(
        self, container: bootstrap.App, tenant: identity.Tenant, tmp_path: Path
    ) -> None:
        rule_packs.install(container, tenant)
        graph = rule_packs.graph(container, tenant, PACK)
        rule_packs.rule(graph, "rule-1")["out-spike_factor"] = "5"
        cases = [
            {
                "name": "C&I meters call a spike at five times typical",
                "given": {"meter_class": "C&I", "service": "ELECTRICITY"},
                "expected": {"spike_factor": 5, "zero_days": 2},
            }
        ]
        _next_version(container, tenant, content=graph, cases=cases)
        adapters = _adapters(container, tenant, tmp_path)

        before = adapters.limits(meters=(_meter("B", "C&I"),), as_of=SEPTEMBER)
        validated_by, spikes = _spikes(adapters, OCTOBER)

        assert (before.validated_by, before.thresholds["C&I"].spike_factor) == (f"{PACK} v1", 8.0)
        assert (validated_by, spikes) == (f"{PACK} v2", 1)

    def test_a_class_the_pack_does_not_answer_fails_naming_pack_version_and_node(
        self, container: bootstrap.App, tenant: identity.Tenant, tmp_path: Path
    ) -> None:
        rule_packs.install(container, tenant)
        graph = rule_packs.graph(container, tenant, PACK)
        rule_packs.rule(graph, "rule-2")["in-meter_class"] = "'RES'"  # no catch-all any more
        _next_version(container, tenant, content=graph)
        adapters = _adapters(container, tenant, tmp_path)

        with pytest.raises(rules.RuleEvaluationFailed) as failed:
            adapters.limits(meters=(_meter("A", "RES"), _meter("W", "WATER")), as_of=OCTOBER)

        assert failed.value.details["pack_key"] == PACK
        assert failed.value.details["version"] == 2
        assert failed.value.details["node"] == "Limits"
        assert failed.value.details["input"]["meter_class"] == "WATER"
