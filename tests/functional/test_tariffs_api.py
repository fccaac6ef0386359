"""
Tariffs and simulation through the HTTP API, on SQLite and PostgreSQL: an analyst loads a tariff
and its versions, checks documents without storing them, and simulates bills.
"""

from __future__ import annotations

import copy
import json
import secrets
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.unit.rating.test_use_cases import document, february
from urbis import bootstrap
from urbis.adapters.db import tables
from urbis.application.identity import operations as identity_ops
from urbis.domain import identity
from urbis.interfaces.api import create_app
from urbis.kernel import ids

PASSWORD = "clave-de-prueba-1"
BOGOTA = timezone(timedelta(hours=-5))
URDB = Path(__file__).resolve().parents[3] / "shared" / "data" / "tariffs" / "urdb"


@pytest.fixture
def world(container: bootstrap.App) -> Iterator[tuple[TestClient, bootstrap.App, str]]:
    code = f"t-{secrets.token_hex(6)}"
    tenant = identity_ops.create_tenant(
        uow_factory=container.uow,
        clock=container.clock,
        id_generator=container.ids,
        code=code,
        name=f"Empresa {code}",
        nit="890904996-1",
    )
    admin = container.env(
        identity.Actor(
            user_id=ids.UserId("setup"), tenant_id=tenant.id, roles=frozenset({identity.Role.ADMIN})
        )
    )
    for username, role in (
        ("tarifas", identity.Role.TARIFF_ADMIN),
        ("ana", identity.Role.AGENT),
    ):
        identity_ops.create_user(
            env=admin,
            hasher=container.hasher,
            username=username,
            display_name=username,
            password=PASSWORD,
            roles=[role],
        )
    with TestClient(create_app(container)) as client:
        yield client, container, code


def auth(world: tuple[TestClient, bootstrap.App, str], username: str) -> dict[str, str]:
    client, _, tenant = world
    response = client.post(
        "/api/v1/auth/token", json={"tenant": tenant, "username": username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def tariff_rows(container: bootstrap.App) -> tuple[int, int, int]:
    with container.engine.connect() as connection:
        return tuple(  # type: ignore[return-value]
            connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in (tables.tariffs, tables.tariff_versions, tables.audit_log)
        )


class TestCreateTariff:
    def test_creates_a_tariff_lists_it_and_gives_back_its_document(
        self, world: tuple[TestClient, bootstrap.App, str]
    ) -> None:
        client, _, _ = world
        analyst = auth(world, "tarifas")

        created = client.post("/api/v1/tariffs", json=document(), headers=analyst)
        listed = client.get("/api/v1/tariffs", headers=auth(world, "ana"))
        one = client.get("/api/v1/tariffs/FLAT", headers=analyst)

        assert created.status_code == 201, created.text
        assert created.json()["versions"][0]["version"] == "2024-01"
        assert [t["code"] for t in listed.json()] == ["FLAT"]
        tiers = one.json()["document"]["versions"][0]["energy"]["periods"][0]["tiers"]
        assert tiers == [{"price": "0.1"}]

    def test_keeps_every_digit_of_a_price_sent_as_a_json_number(
        self, world: tuple[TestClient, bootstrap.App, str]
    ) -> None:
        client, _, _ = world
        analyst = auth(world, "tarifas")
        text = json.dumps(document()).replace('"price": "0.1"', '"price": 437.902712345678901')

        client.post(
            "/api/v1/tariffs",
            content=text,
            headers={**analyst, "content-type": "application/json"},
        )
        one = client.get("/api/v1/tariffs/FLAT", headers=analyst).json()

        price = one["document"]["versions"][0]["energy"]["periods"][0]["tiers"][0]["price"]
        assert price == "437.902712345678901"

    def test_imports_a_urdb_record_given_with_its_format(
        self, world: tuple[TestClient, bootstrap.App, str]
    ) -> None:
        path = URDB / "REopt.jl__tiered_tou_demand.json"
        if not path.exists():
            pytest.skip("../shared/data is absent")
        client, _, _ = world
        record = json.loads(path.read_text(encoding="utf-8"))

        created = client.post(
            "/api/v1/tariffs",
            json={"format": "urdb", "document": record},
            headers=auth(world, "tarifas"),
        )

        assert created.status_code == 201, created.text
        assert created.json()["service"] == "electricity"
        assert created.json()["versions"][0]["currency"] == "USD"

    def test_a_malformed_urdb_record_is_a_422_naming_the_problem_and_nothing_is_stored(
        self, world: tuple[TestClient, bootstrap.App, str]
    ) -> None:
        client, container, _ = world
        before = tariff_rows(container)

        response = client.post(
            "/api/v1/tariffs",
            json={"format": "urdb", "document": {"label": "x", "energyratestructure": "oops"}},
            headers=auth(world, "tarifas"),
        )

        assert response.status_code == 422
        assert response.json()["code"] == "malformed_urdb_record"
        assert tariff_rows(container) == before

    @pytest.mark.parametrize(
        ("change", "code"),
        [
            (lambda d: d.update(colour="blue"), "invalid_tariff_file"),
            (
                lambda d: d["versions"][0]["energy"]["periods"][0]["tiers"][0].update(price="-1"),
                "invalid_tariff",
            ),
            (
                lambda d: d["versions"].append({**february(), "active_from": "2024-01-15"}),
                "tariff_versions_overlap",
            ),
            (
                lambda d: d["versions"][0]["energy"].update(schedule={"weekday": 3}),
                "invalid_tariff",
            ),
        ],
    )
    def test_bad_documents_are_4xx_with_a_stable_code_and_nothing_is_stored(
        self, world: tuple[TestClient, bootstrap.App, str], change: Any, code: str
    ) -> None:
        client, container, _ = world
        bad = copy.deepcopy(document())
        change(bad)
        before = tariff_rows(container)

        response = client.post("/api/v1/tariffs", json=bad, headers=auth(world, "tarifas"))

        assert response.status_code == 422, response.text
        assert response.json()["code"] == code
        assert tariff_rows(container) == before

    def test_an_agent_may_read_but_not_create(
        self, world: tuple[TestClient, bootstrap.App, str]
    ) -> None:
        client, container, _ = world
        before = tariff_rows(container)

        response = client.post("/api/v1/tariffs", json=document(), headers=auth(world, "ana"))

        assert (response.status_code, response.json()["code"]) == (403, "role_required")
        assert tariff_rows(container) == before

    def test_a_second_tariff_with_the_same_code_is_a_409(
        self, world: tuple[TestClient, bootstrap.App, str]
    ) -> None:
        client, _, _ = world
        analyst = auth(world, "tarifas")
        client.post("/api/v1/tariffs", json=document(), headers=analyst)

        again = client.post("/api/v1/tariffs", json=document(), headers=analyst)

        assert (again.status_code, again.json()["code"]) == (409, "tariff_exists")

    def test_an_unknown_code_is_a_404(self, world: tuple[TestClient, bootstrap.App, str]) -> None:
        client, _, _ = world

        response = client.get("/api/v1/tariffs/NONE", headers=auth(world, "ana"))

        assert (response.status_code, response.json()["code"]) == (404, "tariff_not_found")

    def test_a_body_that_is_not_json_is_a_422(
        self, world: tuple[TestClient, bootstrap.App, str]
    ) -> None:
        client, _, _ = world

        response = client.post(
            "/api/v1/tariffs",
            content=b"{not json",
            headers={**auth(world, "tarifas"), "content-type": "application/json"},
        )

        assert (response.status_code, response.json()["code"]) == (422, "invalid_json")


class TestAddVersion:
    def test_adds_a_version_and_leaves_the_first_as_it_was(
        self, world: tuple[TestClient, bootstrap.App, str]
    ) -> None:
        client, _, _ = world
        analyst = auth(world, "tarifas")
        client.post("/api/v1/tariffs", json=document(), headers=analyst)
        first = client.get("/api/v1/tariffs/FLAT", headers=analyst).json()["document"]

        added = client.post("/api/v1/tariffs/FLAT/versions", json=february(), headers=analyst)
        after = client.get("/api/v1/tariffs/FLAT", headers=analyst).json()["document"]

        assert added.status_code == 201, added.text
        assert [v["version"] for v in added.json()["versions"]] == ["2024-01", "2024-02"]
        assert after["versions"][0] == first["versions"][0]

    def test_an_overlapping_version_is_a_422_with_its_code_and_nothing_is_stored(
        self, world: tuple[TestClient, bootstrap.App, str]
    ) -> None:
        client, container, _ = world
        analyst = auth(world, "tarifas")
        client.post("/api/v1/tariffs", json=document(), headers=analyst)
        before = tariff_rows(container)

        response = client.post(
            "/api/v1/tariffs/FLAT/versions",
            json={**february(), "active_from": "2024-01-15"},
            headers=analyst,
        )

        assert (response.status_code, response.json()["code"]) == (422, "tariff_versions_overlap")
        assert tariff_rows(container) == before

    def test_a_version_of_an_unknown_tariff_is_a_404(
        self, world: tuple[TestClient, bootstrap.App, str]
    ) -> None:
        client, _, _ = world

        response = client.post(
            "/api/v1/tariffs/NONE/versions", json=february(), headers=auth(world, "tarifas")
        )

        assert (response.status_code, response.json()["code"]) == (404, "tariff_not_found")


class TestValidateTariff:
    def test_answers_valid_or_the_problem_and_never_stores(
        self, world: tuple[TestClient, bootstrap.App, str]
    ) -> None:
        client, container, _ = world
        before = tariff_rows(container)

        good = client.post("/api/v1/tariffs/validate", json=document(), headers=auth(world, "ana"))
        bad = client.post(
            "/api/v1/tariffs/validate",
            json={**document(), "colour": "blue"},
            headers=auth(world, "ana"),
        )

        assert good.json()["valid"] is True
        assert bad.json()["valid"] is False
        assert bad.json()["error"]["code"] == "invalid_tariff_file"
        assert "colour" in bad.json()["error"]["message"]
        assert tariff_rows(container) == before


class TestSimulate:
    def test_prices_a_month_under_a_stored_tariffs_version_in_force(
        self, world: tuple[TestClient, bootstrap.App, str]
    ) -> None:
        client, _, _ = world
        analyst = auth(world, "tarifas")
        client.post("/api/v1/tariffs", json=document(), headers=analyst)
        client.post("/api/v1/tariffs/FLAT/versions", json=february(), headers=analyst)

        response = client.post(
            "/api/v1/rating/simulate",
            json={"tariff_code": "FLAT", "quantity": "100", "on": "2024-02-10"},
            headers=auth(world, "ana"),
        )

        result = response.json()
        assert response.status_code == 200, response.text
        # 100 kWh × 0.2 + 10 fixed, under version 2024-02
        assert result["total"] == "30.00"
        assert {line["tariff"] for line in result["lines"]} == {"FLAT 2024-02"}
        assert all(line["rule"] for line in result["lines"])

    def test_prices_interval_usage_under_an_inline_tariff_with_subsidy_lines(
        self, world: tuple[TestClient, bootstrap.App, str]
    ) -> None:
        client, container, _ = world
        tariff = copy.deepcopy(document())
        tariff["versions"][0].update(currency="COP", active_to=None, fixed=[])
        tariff["versions"][0]["energy"]["periods"][0]["tiers"][0]["price"] = "800"
        tariff["versions"][0]["solidarity"] = {
            "basic": [
                {"from_altitude_m": 0, "quantity": 173},
                {"from_altitude_m": 1000, "quantity": 130},
            ],
            "classes": {"2": {"subsidy": "0.5"}},
        }
        march = [datetime(2024, 3, 1, tzinfo=BOGOTA) + timedelta(hours=h) for h in range(31 * 24)]
        usage = [{"start": start.isoformat(), "kwh": "0.25"} for start in march]
        before = tariff_rows(container)

        response = client.post(
            "/api/v1/rating/simulate",
            json={"tariff": tariff, "usage": usage, "stratum": 2, "altitude_m": 1495},
            headers=auth(world, "ana"),
        )

        result = response.json()
        assert response.status_code == 200, response.text
        kinds = [line["kind"] for line in result["lines"]]
        assert "SUBSIDY" in kinds
        # the whole of March: 186 kWh × 800 = 148,800; half off the first 130 kWh = −52,000
        assert [m["month"] for m in result["months"]] == ["2024-03"]
        assert Decimal(result["total"]) == Decimal("96800.00")
        assert tariff_rows(container) == before

    def test_usage_with_a_gap_is_a_422_naming_the_row(
        self, world: tuple[TestClient, bootstrap.App, str]
    ) -> None:
        client, _, _ = world
        usage = [
            {"start": "2024-01-01T00:00:00+00:00", "kwh": "1"},
            {"start": "2024-01-01T01:00:00+00:00", "kwh": "1"},
            {"start": "2024-01-01T03:00:00+00:00", "kwh": "1"},
        ]

        response = client.post(
            "/api/v1/rating/simulate",
            json={"tariff": document(), "usage": usage},
            headers=auth(world, "ana"),
        )

        assert (response.status_code, response.json()["code"]) == (422, "invalid_usage")
        assert "Row 3" in response.json()["message"]

    def test_a_day_before_every_version_is_a_404_with_its_code(
        self, world: tuple[TestClient, bootstrap.App, str]
    ) -> None:
        client, _, _ = world

        response = client.post(
            "/api/v1/rating/simulate",
            json={"tariff": document(), "quantity": "10", "on": "2023-12-15"},
            headers=auth(world, "ana"),
        )

        assert (response.status_code, response.json()["code"]) == (404, "no_tariff_in_force")

    def test_a_code_and_a_document_together_are_refused(
        self, world: tuple[TestClient, bootstrap.App, str]
    ) -> None:
        client, _, _ = world

        response = client.post(
            "/api/v1/rating/simulate",
            json={"tariff": document(), "tariff_code": "FLAT", "quantity": "1", "on": "2024-01-02"},
            headers=auth(world, "ana"),
        )

        assert (response.status_code, response.json()["code"]) == (422, "invalid_usage")

    def test_an_unknown_field_is_a_422_naming_it(
        self, world: tuple[TestClient, bootstrap.App, str]
    ) -> None:
        client, _, _ = world

        response = client.post(
            "/api/v1/rating/simulate",
            json={"tariff_code": "FLAT", "kwh": "1"},
            headers=auth(world, "ana"),
        )

        assert (response.status_code, response.json()["code"]) == (422, "invalid_request")
        assert "kwh" in json.dumps(response.json()["details"])
