"""
Bill runs price subsidies and contributions with the tenant's published ``subsidy_factor`` pack
(SQLite and PostgreSQL), and with the tariff's classes only when none is in force.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa

from tests import rule_packs
from tests.integration.billing import helpers
from urbis import bootstrap
from urbis.adapters.db import tables
from urbis.application._support import Env
from urbis.application.billing import operations as billing_ops
from urbis.application.billing import ports
from urbis.application.billing import queries as billing_queries
from urbis.domain import identity

SEPT = datetime(2026, 9, 30, 15, tzinfo=UTC)
OCT = datetime(2026, 10, 30, 15, tzinfo=UTC)
PACK = "co_solidarity_factors"
KWH = 200  # each home's October
LIMIT = 130  # subsistence consumption at Medellín's 1,500 m
WATER_SHOP = {  # a case none of the new versions below changes
    "name": "A shop contributes 50 % on water",
    "given": {"service": "WATER", "use_class": "COMMERCIAL", "altitude_m": 1500},
    "expected": {"kind": "CONTRIBUTION", "factor": 0.5, "limit": 0},
}


def _six_homes(
    container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
) -> tuple[ports.BillingEnv, list[helpers.Home]]:
    """Homes in estratos 1-6 at 1,500 m, each using 200 kWh in October."""
    homes = helpers.seed_homes(container, agent_env, tenant, count=6)
    helpers.add_register_reads(
        container,
        tenant,
        [
            (home.meter, at, value, "ACTUAL")
            for home in homes
            for at, value in ((SEPT, 1000.0), (OCT, 1000.0 + KWH))
        ],
    )
    return helpers.billing_env(container, tenant, batch_size=4), homes


def _price(env: ports.BillingEnv) -> Decimal:
    """The demo's electricity tariff's price per kWh in October 2026."""
    tariff = env.tariffs.get("MDE-E-RES")
    assert tariff is not None
    energy = tariff.in_force(on=date(2026, 10, 1)).energy
    assert energy is not None
    return energy.periods[0].tiers[0].price


def _cents(value: Decimal) -> int:
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _subsidy(env: ports.BillingEnv, share: str) -> int:
    """Ley 142: the share of the cost of the subsistence consumption (a negative line)."""
    return -_cents(Decimal(share) * LIMIT * _price(env))


def _contribution(env: ports.BillingEnv, share: str) -> int:
    """Ley 142: the share of the cost of all the consumption."""
    return _cents(Decimal(share) * KWH * _price(env))


def _solidarity_by_stratum(
    env: ports.BillingEnv, run: dict[str, Any], homes: list[helpers.Home]
) -> dict[int, list[tuple[str, int]]]:
    found: dict[int, list[tuple[str, int]]] = {}
    for home in homes:
        for bill in _bills(env, run, home):
            found[home.stratum] = [
                (line["kind"], _cents(Decimal(line["amount"])))
                for line in bill["lines"]
                if line["kind"] in ("SUBSIDY", "CONTRIBUTION")
            ]
    return found


def _bills(env: ports.BillingEnv, run: dict[str, Any], home: helpers.Home) -> list[dict[str, Any]]:
    return [
        billing_queries.get_bill(env=env, bill_id=b["id"])
        for b in billing_queries.bills_of_account(env=env, account_id=home.account_id)
        if b["run_id"] == run["id"]
    ]


def _by_law(env: ports.BillingEnv, *, first: str, top: str) -> dict[int, list[tuple[str, int]]]:
    """Each estrato's solidarity line: ``first`` for estrato 1, 50 % and 15 % for 2 and 3,
    none for 4, ``top`` for 5 and 6."""
    subsidy = {1: first, 2: "0.50", 3: "0.15"}
    return {
        **{s: [("SUBSIDY", _subsidy(env, share))] for s, share in subsidy.items()},
        4: [],
        **{s: [("CONTRIBUTION", _contribution(env, top))] for s in (5, 6)},
    }


def _exceptions(env: ports.BillingEnv, run: dict[str, Any]) -> list[dict[str, Any]]:
    return list(billing_queries.run_exceptions(env=env, run_id=str(run["id"])))


def _electricity_table(content: dict[str, Any]) -> list[dict[str, Any]]:
    table = next(n for n in content["nodes"] if n["name"] == "Electricity factor")
    rows: list[dict[str, Any]] = table["content"]["rules"]
    return rows


def _stratum_row(content: dict[str, Any], stratum: str) -> dict[str, Any]:
    return next(
        r
        for r in _electricity_table(content)
        if r["in-use_class"] == "'RESIDENTIAL'" and r["in-stratum"] == stratum
    )


def _publish_v2(container: bootstrap.App, tenant: identity.Tenant, content: dict[str, Any]) -> None:
    rule_packs.publish_next(
        container,
        tenant,
        PACK,
        content=content,
        cases=[WATER_SHOP],
        effective_from=date(2026, 10, 1),
    )


class TestRunsAskThePublishedSolidarityPack:
    def test_without_a_pack_the_tariffs_classes_price_the_run_and_it_says_so(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        env, homes = _six_homes(container, tenant, agent_env)

        run = billing_ops.start_run(env=env, cycle="C01", period="2026-10")

        assert run["solidarity_by"] == billing_ops.TARIFF_CLASSES
        assert _solidarity_by_stratum(env, run, homes) == _by_law(env, first="0.60", top="0.20")

    def test_the_shipped_pack_prices_the_run_and_the_run_names_its_version(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        rule_packs.install(container, tenant)
        env, homes = _six_homes(container, tenant, agent_env)

        run = billing_ops.start_run(env=env, cycle="C01", period="2026-10")

        assert run["solidarity_by"] == f"{PACK} v1"
        assert billing_queries.run_status(env=env, run_id=str(run["id"]))["solidarity_by"] == (
            f"{PACK} v1"
        )
        assert run["bills"] == 6
        assert _solidarity_by_stratum(env, run, homes)[1] == [("SUBSIDY", _subsidy(env, "0.60"))]

    def test_publishing_a_new_factor_changes_the_next_runs_bills_and_nothing_else(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        rule_packs.install(container, tenant)
        env, homes = _six_homes(container, tenant, agent_env)
        content = rule_packs.graph(container, tenant, PACK)
        _stratum_row(content, "1")["out-factor"] = "-0.45"
        _stratum_row(content, "[5..6]")["out-factor"] = "0.25"
        _publish_v2(container, tenant, content)

        run = billing_ops.start_run(env=env, cycle="C01", period="2026-10")

        assert run["solidarity_by"] == f"{PACK} v2"
        assert _solidarity_by_stratum(env, run, homes) == _by_law(env, first="0.45", top="0.25")

    def test_a_home_the_pack_cannot_answer_for_is_an_exception_naming_it_never_a_tariff_bill(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        rule_packs.install(container, tenant)
        env, homes = _six_homes(container, tenant, agent_env)
        content = rule_packs.graph(container, tenant, PACK)
        _electricity_table(content).remove(_stratum_row(content, "4"))
        _publish_v2(container, tenant, content)

        run = billing_ops.start_run(env=env, cycle="C01", period="2026-10")

        assert run["bills"] == 5
        (problem,) = _exceptions(env, run)
        assert problem["agreement_id"] == homes[3].agreement_id
        assert problem["reason"] == "SOLIDARITY_NOT_ANSWERED"
        assert problem["detail"].startswith("rule_evaluation_failed: ")
        assert f"{PACK} v2" in problem["detail"]
        assert "Electricity factor" in problem["detail"]
        assert 4 not in _solidarity_by_stratum(env, run, homes)

    def test_an_answer_whose_kind_contradicts_its_factor_is_an_exception(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        rule_packs.install(container, tenant)
        env, homes = _six_homes(container, tenant, agent_env)
        content = rule_packs.graph(container, tenant, PACK)
        _stratum_row(content, "2")["out-factor"] = "0.50"  # a "subsidy" that charges more
        _publish_v2(container, tenant, content)

        run = billing_ops.start_run(env=env, cycle="C01", period="2026-10")

        (problem,) = _exceptions(env, run)
        assert problem["agreement_id"] == homes[1].agreement_id
        assert problem["detail"].startswith("solidarity_answer_inconsistent: ")
        assert run["bills"] == 5

    def test_a_rebill_asks_the_pack_in_force_for_the_bills_period(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        rule_packs.install(container, tenant)
        env, homes = _six_homes(container, tenant, agent_env)
        run = billing_ops.start_run(env=env, cycle="C01", period="2026-10")
        (first,) = _bills(env, run, homes[0])
        content = rule_packs.graph(container, tenant, PACK)
        _stratum_row(content, "1")["out-factor"] = "-0.40"
        _publish_v2(container, tenant, content)

        again = billing_ops.rebill(env=env, bill_id=first["id"], reason="new subsidy factor")

        subsidy = [
            _cents(Decimal(line["amount"])) for line in again["lines"] if line["kind"] == "SUBSIDY"
        ]
        assert subsidy == [_subsidy(env, "0.40")]


def _forget_altitude(container: bootstrap.App, home: helpers.Home) -> None:
    """The home's premise as if registered without its altitude."""
    premise = (
        sa.select(tables.service_points.c.premise_id)
        .join(tables.agreements, tables.agreements.c.service_point_id == tables.service_points.c.id)
        .where(tables.agreements.c.id == home.agreement_id)
        .scalar_subquery()
    )
    with container.engine.begin() as connection:
        connection.execute(
            tables.premises.update().where(tables.premises.c.id == premise).values(altitude_m=None)
        )


class TestARunKeepsWhatItStartedWith:
    def test_a_run_resumed_after_a_new_version_is_published_keeps_the_version_it_started_with(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        rule_packs.install(container, tenant)
        env, homes = _six_homes(container, tenant, agent_env)
        planned = billing_ops.create_run(env=env, cycle="C01", period="2026-10")
        content = rule_packs.graph(container, tenant, PACK)
        _stratum_row(content, "1")["out-factor"] = "-0.45"
        _publish_v2(container, tenant, content)  # in force from the same day as v1's successor

        run = billing_ops.resume_run(env=env, run_id=str(planned["id"]))

        assert planned["solidarity_by"] == run["solidarity_by"] == f"{PACK} v1"
        assert run["validated_by"] == "bill_validation_default v1"
        assert _solidarity_by_stratum(env, run, homes)[1] == [("SUBSIDY", _subsidy(env, "0.60"))]
        later = billing_ops.start_run(env=env, cycle="C01", period="2026-10", trial=True)
        assert later["solidarity_by"] == f"{PACK} v2"


class TestWhatTheRunCannotKnow:
    def test_a_premise_without_altitude_is_an_exception_with_the_tariffs_classes(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        env, homes = _six_homes(container, tenant, agent_env)
        _forget_altitude(container, homes[0])

        run = billing_ops.start_run(env=env, cycle="C01", period="2026-10")

        (problem,) = _exceptions(env, run)
        assert (problem["agreement_id"], problem["reason"]) == (
            homes[0].agreement_id,
            "NO_ALTITUDE",
        )
        assert run["bills"] == 5

    def test_a_premise_without_altitude_is_an_exception_naming_the_pack(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        rule_packs.install(container, tenant)
        env, homes = _six_homes(container, tenant, agent_env)
        _forget_altitude(container, homes[0])

        run = billing_ops.start_run(env=env, cycle="C01", period="2026-10")

        (problem,) = _exceptions(env, run)
        assert problem["agreement_id"] == homes[0].agreement_id
        assert problem["reason"] == "SOLIDARITY_NOT_ANSWERED"
        assert "invalid_rule_input" in problem["detail"]
        assert f"{PACK} v1" in problem["detail"]
        assert "altitude_m" in problem["detail"]


class TestSmartMeters:
    def test_a_new_factor_reprices_a_home_billed_on_interval_data(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        rule_packs.install(container, tenant)
        homes = helpers.seed_homes(container, agent_env, tenant, count=1, interval_every=1)
        helpers.add_interval_month(container, tenant, homes[0].meter, date(2026, 10, 1), kwh=0.25)
        env = helpers.billing_env(container, tenant)
        content = rule_packs.graph(container, tenant, PACK)
        _stratum_row(content, "1")["out-factor"] = "-0.45"
        _publish_v2(container, tenant, content)

        run = billing_ops.start_run(env=env, cycle="C01", period="2026-10")

        (bill,) = _bills(env, run, homes[0])
        subsidy = [_cents(Decimal(x["amount"])) for x in bill["lines"] if x["kind"] == "SUBSIDY"]
        assert Decimal(bill["consumption"]) == Decimal("186")  # 744 hours of 0.25 kWh
        assert subsidy == [_subsidy(env, "0.45")]
        assert run["solidarity_by"] == f"{PACK} v2"
