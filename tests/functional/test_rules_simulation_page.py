"""
An analyst simulates a draft rule pack on a screen, over histories read from the database: the
last final bill run's bills (bill validation, subsidy factors), the accounts in arrears
(collections policy), the cases open today (case routing) and the utility's meters (VEE limits).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import actor_with
from tests.functional import test_api_and_web as api_suite
from tests.functional.test_api_and_web import add_user, make_tenant
from tests.integration.billing import helpers
from urbis import bootstrap
from urbis.adapters import system
from urbis.application.billing import operations as billing_ops
from urbis.application.billing import queries as billing_queries
from urbis.application.engagement import operations as engagement_ops
from urbis.bootstrap import engagement as engagement_wiring
from urbis.bootstrap import rules as wiring
from urbis.domain import engagement, identity
from urbis.interfaces.api import create_app
from urbis.kernel import ids

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # October's bills fell due on 20 November
AUG = datetime(2026, 8, 30, 15, tzinfo=UTC)
SEPT = datetime(2026, 9, 30, 15, tzinfo=UTC)
OCT = datetime(2026, 10, 30, 15, tzinfo=UTC)


@pytest.fixture(scope="module")
def utility(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A utility whose shipped packs are published, with September and October billed."""
    folder: Path = tmp_path_factory.mktemp("rules-simulation")
    container = bootstrap.build(
        url=f"sqlite:///{folder / 'simulation.sqlite3'}",
        clock=system.FixedClock(NOW),
        secret="a-test-signing-secret-of-enough-length-0123456789",
    )
    tenant = make_tenant(container, "epm")
    add_user(container, "sofia", identity.Role.RULES_AUTHOR)
    wiring.install_shipped_packs(
        container=container,
        actor=identity.Actor(
            user_id=ids.UserId("setup"), tenant_id=tenant.id, roles=frozenset({identity.Role.ADMIN})
        ),
    )
    agent = container.env(
        identity.Actor(
            user_id=ids.UserId("tester"),
            tenant_id=tenant.id,
            roles=frozenset({identity.Role.AGENT, identity.Role.FIELD}),
        )
    )
    homes = helpers.seed_homes(container, agent, tenant, count=3)
    helpers.add_register_reads(
        container,
        tenant,
        [
            (home.meter, at, value, "ACTUAL")
            for home, october in zip(homes, (800.0, 700.0, 710.0), strict=True)
            for at, value in ((AUG, 500.0), (SEPT, 600.0), (OCT, october))
        ],
    )
    env = helpers.billing_env(container, tenant)
    billing_ops.start_run(env=env, cycle="C01", period="2026-09")
    october = billing_ops.start_run(env=env, cycle="C01", period="2026-10")
    assert october["held"] == 1  # the first home used about twice its history
    held = billing_queries.held_bills(env=env, run_id=str(october["id"]))[0]
    with TestClient(create_app(container)) as client:
        yield {
            "container": container,
            "client": client,
            "homes": homes,
            "held": held,
            "tenant": tenant,
        }


def _draft(client: TestClient, key: str, spoil: Any = None) -> dict[str, Any]:
    sofia = api_suite.token(client, "sofia")
    published = client.get(f"/api/v1/rules/packs/{key}/versions/1", headers=sofia).json()
    draft: dict[str, Any] = client.post(
        f"/api/v1/rules/versions/{published['id']}/drafts", headers=sofia
    ).json()
    if spoil is not None:
        graph = draft["content"]
        spoil(graph)
        saved = client.put(
            f"/api/v1/rules/versions/{draft['id']}/content",
            headers=sofia,
            content=json.dumps(graph),
        )
        assert saved.status_code == 200, saved.text
    return draft


def _signed_in(container: bootstrap.App) -> TestClient:
    browser = TestClient(create_app(container))
    response = browser.post(
        "/login",
        data={"tenant": "epm", "username": "sofia", "password": api_suite.PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return browser


def _figure(page: str, name: str) -> str:
    found = re.search(rf'data-testid="{name}">([^<]*)<', page)
    assert found is not None, page
    return found.group(1).strip()


def _cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _price(utility: dict[str, Any]) -> Decimal:
    """The demo electricity tariff's price per kWh in October 2026."""
    tariff = helpers.billing_env(utility["container"], utility["tenant"]).tariffs.get("MDE-E-RES")
    assert tariff is not None
    energy = tariff.in_force(on=date(2026, 10, 1)).energy
    assert energy is not None
    return energy.periods[0].tiers[0].price


def _higher_threshold(graph: dict[str, Any]) -> None:
    table = next(n for n in graph["nodes"] if n["type"] == "decisionTableNode")
    rule = next(r for r in table["content"]["rules"] if r["_id"] == "rule-5")
    rule["in-ratio"] = "> 3.0"


class TestSimulationPage:
    def test_the_version_page_leads_to_its_simulation_with_the_histories_of_its_question(
        self, utility: dict[str, Any]
    ) -> None:
        browser = _signed_in(utility["container"])

        version = browser.get("/rules/bill_validation_default/1")
        form = browser.get("/rules/bill_validation_default/1/simulation")
        english = browser.get("/rules/co_collections_policy/1/simulation?lang=en")

        assert 'href="/rules/bill_validation_default/1/simulation"' in version.text
        assert "Simular contra la versión vigente" in version.text
        assert form.status_code == 200
        assert 'value="last_bill_run"' in form.text
        assert "Las facturas de la última facturación definitiva" in form.text
        assert 'value="arrears"' in english.text
        assert "The accounts in arrears today" in english.text

    def test_a_draft_with_a_higher_threshold_over_the_last_bill_run_releases_the_held_bill(
        self, utility: dict[str, Any]
    ) -> None:
        client, homes = utility["client"], utility["homes"]
        draft = _draft(client, "bill_validation_default", _higher_threshold)
        browser = _signed_in(utility["container"])

        page = browser.get(
            f"/rules/bill_validation_default/{draft['version']}/simulation",
            params={"history": "last_bill_run"},
        )

        assert page.status_code == 200, page.text
        assert "Facturación 2026-10 (ciclo C01)" in page.text
        assert _figure(page.text, "rows") == "3"
        assert _figure(page.text, "changed") == "1"
        money = _figure(page.text, "money")  # what the changed decisions put at stake
        assert money.startswith(f"{utility['held']['total']} COP")
        samples = page.text[page.text.index('data-testid="samples"') :]
        assert homes[0].agreement_id in samples
        assert "HOLD" in samples
        assert "HIGH_AGAINST_HISTORY" in samples
        assert homes[1].agreement_id not in samples

    def test_the_accounts_in_arrears_are_the_history_of_a_collections_policy_draft(
        self, utility: dict[str, Any]
    ) -> None:
        draft = _draft(utility["client"], "co_collections_policy")
        browser = _signed_in(utility["container"])

        page = browser.get(
            f"/rules/co_collections_policy/{draft['version']}/simulation",
            params={"history": "arrears", "lang": "en"},
        )

        assert page.status_code == 200, page.text
        assert "Decisions compared" in page.text
        assert int(_figure(page.text, "rows")) == 3  # every home owes September's bill
        assert _figure(page.text, "changed") == "0"  # an unchanged copy decides alike

    def test_a_smaller_subsidy_over_the_last_bill_run_is_priced_on_the_subsidised_quantity(
        self, utility: dict[str, Any]
    ) -> None:
        client, homes = utility["client"], utility["homes"]

        def smaller_subsidy(graph: dict[str, Any]) -> None:
            table = next(n for n in graph["nodes"] if n["name"] == "Electricity factor")
            row = next(r for r in table["content"]["rules"] if r["in-stratum"] == "1")
            row["out-factor"] = "-0.45"

        draft = _draft(client, "co_solidarity_factors", smaller_subsidy)
        browser = _signed_in(utility["container"])

        page = browser.get(
            f"/rules/co_solidarity_factors/{draft['version']}/simulation",
            params={"history": "last_bill_run"},
        )

        assert page.status_code == 200, page.text
        assert _figure(page.text, "rows") == "3"
        assert _figure(page.text, "changed") == "1"
        # estrato 1 used 200 kWh; the subsidy covers 130 at 1,500 m: 15 points less of their cost
        price = _price(utility)
        more = _cents(Decimal("0.60") * 130 * price) - _cents(Decimal("0.45") * 130 * price)
        assert _figure(page.text, "money").startswith(f"{more} COP")
        samples = page.text[page.text.index('data-testid="samples"') :]
        assert homes[0].agreement_id in samples
        assert homes[1].agreement_id not in samples

    def test_a_higher_subsistence_limit_is_priced_on_the_homes_that_used_more_than_it(
        self, utility: dict[str, Any]
    ) -> None:
        client, homes = utility["client"], utility["homes"]

        def higher_limit(graph: dict[str, Any]) -> None:
            node = next(n for n in graph["nodes"] if n["name"] == "Subsistence consumption (kWh)")
            expression = node["content"]["expressions"][0]
            expression["value"] = expression["value"].replace("? 130", "? 150")

        draft = _draft(client, "co_solidarity_factors", higher_limit)
        browser = _signed_in(utility["container"])
        price = _price(utility)

        page = browser.get(
            f"/rules/co_solidarity_factors/{draft['version']}/simulation",
            params={"history": "last_bill_run"},
        )

        assert page.status_code == 200, page.text
        assert _figure(page.text, "changed") == "3"  # every home in estratos 1-3 gets 150 kWh
        # only estrato 1 used more than 130 kWh (200); estratos 2 and 3 used 100 and 110
        less = _cents(Decimal("0.60") * 130 * price) - _cents(Decimal("0.60") * 150 * price)
        assert _figure(page.text, "money").startswith(f"{less} COP")
        samples = page.text[page.text.index('data-testid="samples"') :]
        assert samples.index(homes[0].agreement_id) < samples.index(homes[1].agreement_id)

    def test_a_routing_draft_over_the_open_cases_shows_the_cases_it_would_move(
        self, utility: dict[str, Any]
    ) -> None:
        container, tenant = utility["container"], utility["tenant"]
        filed = []
        with container.engine.begin() as connection:
            env = engagement_wiring.database_env(
                container=container,
                actor=actor_with(tenant, identity.Role.AGENT),
                connection=connection,
            )
            for kind, subject in (
                (engagement.CaseKind.CLAIM, "Cobro de más en la factura de octubre"),
                (engagement.CaseKind.COMPLAINT, "Mala atención en la oficina"),
            ):
                filed.append(
                    engagement_ops.open_case(
                        env=env, kind=kind, subject=subject, description=subject
                    )
                )

        def billing_disputes(graph: dict[str, Any]) -> None:
            table = next(n for n in graph["nodes"] if n["type"] == "decisionTableNode")
            rule = next(r for r in table["content"]["rules"] if r["_id"] == "rule-5")
            rule["out-queue"] = "'BILLING_DISPUTES'"

        draft = _draft(utility["client"], "case_routing_default", billing_disputes)
        page = _signed_in(container).get(
            f"/rules/case_routing_default/{draft['version']}/simulation",
            params={"history": "open_cases", "lang": "en"},
        )

        assert page.status_code == 200, page.text
        assert "The cases open today" in page.text
        assert _figure(page.text, "rows") == "2"
        assert _figure(page.text, "changed") == "1"
        samples = page.text[page.text.index('data-testid="samples"') :]
        assert str(filed[0].number) in samples
        assert "BILLING_DISPUTES" in samples
        assert str(filed[1].number) not in samples

    def test_a_limits_draft_over_the_utilitys_meters_shows_the_meters_whose_limits_change(
        self, utility: dict[str, Any]
    ) -> None:
        def fewer_spikes(graph: dict[str, Any]) -> None:
            table = next(n for n in graph["nodes"] if n["type"] == "decisionTableNode")
            rule = next(r for r in table["content"]["rules"] if r["_id"] == "rule-2")
            rule["out-spike_factor"] = "12"

        draft = _draft(utility["client"], "vee_thresholds_default", fewer_spikes)
        page = _signed_in(utility["container"]).get(
            f"/rules/vee_thresholds_default/{draft['version']}/simulation",
            params={"history": "meters"},
        )

        assert page.status_code == 200, page.text
        assert "Los medidores de la empresa" in page.text
        assert _figure(page.text, "rows") == "3"  # the three homes' meters, none of class C&I
        assert _figure(page.text, "changed") == "3"
        samples = page.text[page.text.index('data-testid="samples"') :]
        assert all(home.meter in samples for home in utility["homes"])

    def test_a_question_without_a_history_on_screen_says_so(self, utility: dict[str, Any]) -> None:
        browser = _signed_in(utility["container"])

        page = browser.get("/rules/deposit_default/1/simulation", params={"history": "x"})

        assert page.status_code == 200
        assert "aún no tiene una historia en pantalla" in page.text
