"""Journeys through the HTTP API and the web pages, as staff and customers use them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.conftest import NOW, publish_shipped_packs
from urbis import bootstrap
from urbis.adapters import system
from urbis.adapters.db import tables
from urbis.application.identity import operations as identity_ops
from urbis.bootstrap import ledger as ledger_wiring
from urbis.domain import identity, ledger
from urbis.interfaces.api import create_app
from urbis.kernel import ids

PASSWORD = "clave-de-prueba-1"


@pytest.fixture
def container(tmp_path: Path) -> bootstrap.App:
    return bootstrap.build(
        url=f"sqlite:///{tmp_path / 'api.sqlite3'}",
        clock=system.FixedClock(NOW),
        secret="a-test-signing-secret-of-enough-length-0123456789",
    )


def make_tenant(container: bootstrap.App, code: str) -> identity.Tenant:
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
            user_id=ids.UserId("setup"),
            tenant_id=tenant.id,
            roles=frozenset({identity.Role.ADMIN}),
        )
    )
    for username, role in (("ana", identity.Role.AGENT), ("campo", identity.Role.FIELD)):
        identity_ops.create_user(
            env=admin,
            hasher=container.hasher,
            username=username,
            display_name=username,
            password=PASSWORD,
            roles=[role],
        )
    return tenant


@pytest.fixture
def client(container: bootstrap.App) -> Iterator[TestClient]:
    make_tenant(container, "epm")
    with TestClient(create_app(container)) as test_client:
        yield test_client


def add_user(
    container: bootstrap.App, username: str, role: identity.Role, party_id: str | None = None
) -> None:
    """Create a user of the test utility 'epm' as its administrator would."""
    with container.uow() as uow:
        tenant = uow.tenants.by_code("epm")
    assert tenant is not None
    admin = identity.Actor(
        user_id=ids.UserId("setup"), tenant_id=tenant.id, roles=frozenset({identity.Role.ADMIN})
    )
    identity_ops.create_user(
        env=container.env(admin),
        hasher=container.hasher,
        username=username,
        display_name=username.title(),
        password=PASSWORD,
        roles=[role],
        party_id=None if party_id is None else ids.PartyId(party_id),
    )


def token(client: TestClient, username: str = "ana", tenant: str = "epm") -> dict[str, str]:
    response = client.post(
        "/api/v1/auth/token", json={"tenant": tenant, "username": username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def rows(container: bootstrap.App) -> dict[str, int]:
    with container.engine.connect() as connection:
        return {
            name: connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for name, table in tables.metadata.tables.items()
        }


def supply(client: TestClient, auth: dict[str, str]) -> dict[str, Any]:
    party = client.post(
        "/api/v1/parties",
        headers=auth,
        json={
            "kind": "PERSON",
            "name": "Marta Lucía Ospina",
            "document_type": "CC",
            "document_number": "32.456.789",
            "contacts": [{"kind": "MOBILE", "value": "+57 312 444 5566"}],
        },
    ).json()
    premise = client.post(
        "/api/v1/premises",
        headers=auth,
        json={
            "address": "Calle 33 # 65-10",
            "city": "Medellín",
            "department": "Antioquia",
            "use_class": "RESIDENTIAL",
            "stratum": 4,
            "latitude": "6.2431",
            "longitude": "-75.5890",
            "altitude_m": 1500,
        },
    ).json()
    point = client.post(
        f"/api/v1/premises/{premise['id']}/service-points",
        headers=auth,
        json={"service": "ELECTRICITY"},
    ).json()
    meter = client.post(
        "/api/v1/meters",
        headers=auth,
        json={"serial": "mde-778899", "service": "ELECTRICITY", "kind": "REGISTER"},
    ).json()
    installed = client.post(
        f"/api/v1/meters/{meter['id']}/installations",
        headers=auth,
        json={"service_point_id": point["id"], "on": "2024-02-01"},
    )
    assert installed.status_code == 201, installed.text
    account = client.post(
        "/api/v1/accounts", headers=auth, json={"holder_id": party["id"], "billing_cycle": "C05"}
    ).json()
    agreement = client.post(
        "/api/v1/agreements",
        headers=auth,
        json={
            "account_id": account["id"],
            "service_point_id": point["id"],
            "tariff_code": "MDE-E-RES",
            "active_from": "2024-02-01",
        },
    )
    assert agreement.status_code == 201, agreement.text
    return {"party": party, "premise": premise, "point": point, "meter": meter, "account": account}


class TestStaffJourney:
    def test_an_agent_supplies_a_customer_and_finds_them_by_any_key(
        self, client: TestClient
    ) -> None:
        auth = token(client)
        made = supply(client, auth)

        found = {
            key: client.get("/api/v1/search", params={"q": key}, headers=auth).json()
            for key in (
                "ospina",
                "32456789",
                made["account"]["number"],
                "MDE-778899",
                "calle 33",
                "3124445566",
            )
        }
        view = client.get(f"/api/v1/accounts/{made['account']['id']}/view", headers=auth).json()

        for key, result in found.items():
            assert [i["account_number"] for i in result["items"]] == [made["account"]["number"]], (
                key
            )
        assert view["holder"]["document"]["number"] == "32456789"
        assert view["services"][0]["premise"]["stratum"] == 4
        assert view["services"][0]["meters"][0]["meter"]["serial"] == "MDE-778899"
        assert view["services"][0]["agreement"]["tariff_code"] == "MDE-E-RES"

    def test_the_audit_trail_is_readable(self, client: TestClient) -> None:
        auth = token(client)
        made = supply(client, auth)

        trail = client.get(f"/api/v1/audit/meter/{made['meter']['id']}", headers=auth).json()

        assert [e["action"] for e in trail] == ["create", "install"]

    def test_openapi_and_docs_are_served(self, client: TestClient) -> None:
        spec = client.get("/openapi.json").json()

        assert "/api/v1/accounts/{account_id}/view" in spec["paths"]
        assert client.get("/docs").status_code == 200


class TestUsers:
    def test_an_admin_creates_a_user_whose_password_never_leaves_the_server(
        self, client: TestClient, container: bootstrap.App
    ) -> None:
        add_user(container, "jefe", identity.Role.ADMIN)

        created = client.post(
            "/api/v1/users",
            headers=token(client, "jefe"),
            json={
                "username": "nuevo",
                "display_name": "Nuevo",
                "password": PASSWORD,
                "roles": ["collections"],
            },
        )
        refused = client.post(
            "/api/v1/users",
            headers=token(client),
            json={
                "username": "otro",
                "display_name": "Otro",
                "password": PASSWORD,
                "roles": ["admin"],
            },
        )
        trail = client.get(
            f"/api/v1/audit/user/{created.json()['id']}", headers=token(client)
        ).json()

        assert created.status_code == 201
        assert "password_hash" not in created.json()
        assert created.json()["roles"] == ["collections"]
        assert token(client, "nuevo")["Authorization"].startswith("Bearer ")
        assert (refused.status_code, refused.json()["code"]) == (403, "role_required")
        assert "password_hash" not in trail[0]["after"]


class TestBadInput:
    @pytest.mark.parametrize(
        ("path", "payload", "code"),
        [
            (
                "/api/v1/parties",
                {
                    "kind": "ORGANISATION",
                    "name": "Tienda",
                    "document_type": "NIT",
                    "document_number": "890904996-2",
                },
                "invalid_nit_check_digit",
            ),
            (
                "/api/v1/premises",
                {
                    "address": "Calle 1 # 1-1",
                    "city": "Cali",
                    "department": "Valle",
                    "use_class": "RESIDENTIAL",
                    "stratum": 7,
                },
                "invalid_stratum",
            ),
            ("/api/v1/premises", {"address": "Calle 1"}, "invalid_request"),
        ],
    )
    def test_is_refused_with_a_stable_code_and_changes_nothing(
        self,
        client: TestClient,
        container: bootstrap.App,
        path: str,
        payload: dict[str, Any],
        code: str,
    ) -> None:
        auth = token(client)
        before = rows(container)

        response = client.post(path, json=payload, headers=auth)

        assert response.status_code == 422
        assert response.json()["code"] == code
        assert response.json()["message"]
        assert rows(container) == before

    def test_overlapping_agreement_and_meter_elsewhere_are_conflicts(
        self, client: TestClient, container: bootstrap.App
    ) -> None:
        auth = token(client)
        made = supply(client, auth)
        other = client.post(
            "/api/v1/premises",
            headers=auth,
            json={
                "address": "Carrera 70 # 1-2",
                "city": "Medellín",
                "department": "Antioquia",
                "use_class": "COMMERCIAL",
            },
        ).json()
        other_point = client.post(
            f"/api/v1/premises/{other['id']}/service-points",
            headers=auth,
            json={"service": "ELECTRICITY"},
        ).json()
        before = rows(container)

        overlap = client.post(
            "/api/v1/agreements",
            headers=auth,
            json={
                "account_id": made["account"]["id"],
                "service_point_id": made["point"]["id"],
                "tariff_code": "X",
                "active_from": "2025-01-01",
            },
        )
        elsewhere = client.post(
            f"/api/v1/meters/{made['meter']['id']}/installations",
            headers=auth,
            json={"service_point_id": other_point["id"], "on": "2025-01-01"},
        )

        assert (overlap.status_code, overlap.json()["code"]) == (409, "overlapping_agreement")
        assert (elsewhere.status_code, elsewhere.json()["code"]) == (409, "meter_already_installed")
        assert rows(container) == before

    def test_signing_in_to_an_unknown_utility(self, client: TestClient) -> None:
        response = client.post(
            "/api/v1/auth/token", json={"tenant": "nope", "username": "ana", "password": PASSWORD}
        )

        assert (response.status_code, response.json()["code"]) == (404, "unknown_tenant")

    def test_a_wrong_password_is_401(self, client: TestClient) -> None:
        response = client.post(
            "/api/v1/auth/token", json={"tenant": "epm", "username": "ana", "password": "nope"}
        )

        assert (response.status_code, response.json()["code"]) == (401, "wrong_credentials")

    def test_no_token_is_401_and_a_forged_one_too(self, client: TestClient) -> None:
        missing = client.get("/api/v1/search", params={"q": "x"})
        forged = client.get(
            "/api/v1/search", params={"q": "x"}, headers={"Authorization": "Bearer abc.def.ghi"}
        )

        assert (missing.status_code, missing.json()["code"]) == (401, "not_authenticated")
        assert (forged.status_code, forged.json()["code"]) == (401, "invalid_token")

    def test_a_field_worker_cannot_register_customers(
        self, client: TestClient, container: bootstrap.App
    ) -> None:
        before = rows(container)

        response = client.post(
            "/api/v1/parties",
            headers=token(client, "campo"),
            json={
                "kind": "PERSON",
                "name": "Nadie",
                "document_type": "CC",
                "document_number": "1234567",
            },
        )

        assert (response.status_code, response.json()["code"]) == (403, "role_required")
        assert rows(container) == before


class TestTenancyAndCustomers:
    def test_another_utility_sees_nothing(
        self, client: TestClient, container: bootstrap.App
    ) -> None:
        made = supply(client, token(client))
        make_tenant(container, "emcali")
        theirs = token(client, tenant="emcali")

        view = client.get(f"/api/v1/accounts/{made['account']['id']}/view", headers=theirs)
        found = client.get("/api/v1/search", params={"q": "ospina"}, headers=theirs).json()

        assert (view.status_code, view.json()["code"]) == (404, "not_found")
        assert found["total"] == 0

    def test_a_customer_reads_only_their_own_accounts(
        self, client: TestClient, container: bootstrap.App
    ) -> None:
        auth = token(client)
        mine = supply(client, auth)
        neighbour = client.post(
            "/api/v1/parties",
            headers=auth,
            json={
                "kind": "PERSON",
                "name": "Vecino",
                "document_type": "CC",
                "document_number": "9988776",
            },
        ).json()
        theirs = client.post(
            "/api/v1/accounts",
            headers=auth,
            json={"holder_id": neighbour["id"], "billing_cycle": "C05"},
        ).json()
        add_user(container, "marta", identity.Role.CUSTOMER, party_id=mine["party"]["id"])
        me = token(client, "marta")

        own = client.get("/api/v1/me/accounts", headers=me).json()
        other = client.get(f"/api/v1/accounts/{theirs['id']}/view", headers=me)
        search = client.get("/api/v1/search", params={"q": "vecino"}, headers=me)

        assert [a["id"] for a in own] == [mine["account"]["id"]]
        assert other.status_code == 404
        assert search.status_code == 403


class TestWebPages:
    def test_an_agent_signs_in_searches_and_opens_the_account(self, client: TestClient) -> None:
        made = supply(client, token(client))

        login = client.post(
            "/login",
            data={"tenant": "epm", "username": "ana", "password": PASSWORD},
            follow_redirects=False,
        )
        results = client.get("/search", params={"q": "MDE-778899"})
        page = client.get(f"/accounts/{made['account']['id']}")

        assert login.status_code == 303
        assert made["account"]["number"] in results.text
        assert "Marta Lucía Ospina" in page.text
        assert "MDE-778899" in page.text
        assert "Estrato" in page.text
        assert "Calle 33 # 65-10" in page.text

    def test_pages_speak_english_when_asked(self, client: TestClient) -> None:
        client.post("/login", data={"tenant": "epm", "username": "ana", "password": PASSWORD})

        page = client.get("/", params={"lang": "en"})

        assert "Search by name, document, account, address, meter or phone" in page.text

    def test_a_wrong_password_shows_the_reason_on_the_form(self, client: TestClient) -> None:
        page = client.post("/login", data={"tenant": "epm", "username": "ana", "password": "mal"})

        assert page.status_code == 401
        assert "wrong_credentials" in page.text

    def test_pages_need_a_session(self, client: TestClient) -> None:
        response = client.get("/", follow_redirects=False)

        assert (response.status_code, response.headers["location"]) == (303, "/login")

    def test_htmx_gets_only_the_results_fragment(self, client: TestClient) -> None:
        made = supply(client, token(client))
        client.post("/login", data={"tenant": "epm", "username": "ana", "password": PASSWORD})

        fragment = client.get("/search", params={"q": "ospina"}, headers={"HX-Request": "true"})
        full = client.get("/search", params={"q": "ospina"})

        assert made["account"]["number"] in fragment.text
        assert "<html" not in fragment.text
        assert "<html" in full.text


class TestMeterReadsOverHttp:
    def test_interval_reads_are_stored_once_and_read_back_as_of_an_instant(
        self, client: TestClient, container: bootstrap.App
    ) -> None:
        made = supply(client, token(client))
        field = token(client, "campo")
        reads = [
            {
                "meter": "MDE-778899",
                "start": "2026-03-01T00:00:00-05:00",
                "minutes": 15,
                "quantity": 0.41,
            },
            {
                "meter": "MDE-778899",
                "start": "2026-03-01T00:15:00-05:00",
                "minutes": 15,
                "quantity": 0.39,
            },
        ]

        first = client.post("/api/v1/meter-reads", json={"reads": reads}, headers=field)
        again = client.post("/api/v1/meter-reads", json={"reads": reads}, headers=field)
        stored = client.get(
            "/api/v1/meter-reads",
            params={
                "meter": "mde-778899",
                "start": "2026-03-01T05:00:00Z",
                "end": "2026-03-02T05:00:00Z",
            },
            headers=field,
        ).json()

        trail = client.get("/api/v1/audit/interval_reads/api", headers=token(client)).json()
        assert first.json() == {"received": 2, "stored": 2, "duplicates": 0}
        assert [e["after"]["stored"] for e in trail] == [2, 0]
        assert again.json() == {"received": 2, "stored": 0, "duplicates": 2}
        assert [r["quantity"] for r in stored] == [0.41, 0.39]
        assert stored[0]["start"].startswith("2026-03-01T05:00:00")
        assert made["meter"]["serial"] == "MDE-778899"

    def test_reads_for_an_unknown_meter_or_another_utility_are_refused(
        self, client: TestClient, container: bootstrap.App
    ) -> None:
        supply(client, token(client))
        make_tenant(container, "emcali")
        read = {
            "meter": "MDE-778899",
            "start": "2026-03-01T00:00:00-05:00",
            "minutes": 15,
            "quantity": 1,
        }

        unknown = client.post(
            "/api/v1/meter-reads",
            json={"reads": [{**read, "meter": "NOPE-1"}]},
            headers=token(client, "campo"),
        )
        elsewhere = client.post(
            "/api/v1/meter-reads", json={"reads": [read]}, headers=token(client, "campo", "emcali")
        )
        naive = client.post(
            "/api/v1/meter-reads",
            json={"reads": [{**read, "start": "2026-03-01T00:00:00"}]},
            headers=token(client, "campo"),
        )

        assert (unknown.status_code, unknown.json()["code"]) == (404, "unknown_meter")
        assert (elsewhere.status_code, elsewhere.json()["code"]) == (404, "unknown_meter")
        assert (naive.status_code, naive.json()["code"]) == (422, "invalid_request")

    def test_a_register_read_from_the_office_is_stored(self, client: TestClient) -> None:
        supply(client, token(client))

        response = client.post(
            "/api/v1/register-reads",
            json={
                "source": "oficina",
                "reads": [
                    {
                        "meter": "MDE-778899",
                        "register": "1",
                        "read_at": "2026-03-31T10:00:00-05:00",
                        "value": 4512,
                        "read_type": "CUSTOMER",
                    }
                ],
            },
            headers=token(client),
        )

        assert (response.status_code, response.json()["stored"]) == (201, 1)


class TestCasesAndTimeline:
    def test_a_claim_gets_its_legal_deadline_and_shows_on_the_timeline(
        self, client: TestClient, container: bootstrap.App
    ) -> None:
        auth = token(client)
        made = supply(client, auth)

        filed = client.post(
            "/api/v1/cases",
            headers=auth,
            json={
                "kind": "CLAIM",
                "subject": "Cobro de energía no reconocido",
                "description": "La factura de febrero trae un consumo que no corresponde.",
                "account_id": made["account"]["id"],
                "channel": "PHONE",
            },
        )
        call = client.post(
            "/api/v1/interactions",
            headers=auth,
            json={
                "channel": "PHONE",
                "summary": "Llama a reclamar la factura",
                "party_id": made["party"]["id"],
            },
        )
        waiting = client.get("/api/v1/cases/open", headers=auth).json()
        answered = client.post(
            f"/api/v1/cases/{filed.json()['id']}/answer",
            headers=auth,
            json={"answer": "Se revisó la lectura y se ajusta la factura."},
        )
        timeline = client.get(
            f"/api/v1/parties/{made['party']['id']}/timeline", headers=auth
        ).json()

        # Filed Monday 2 March 2026: 15 business days from Tuesday 3 March, skipping the
        # San José holiday on Monday 23 March, end on Tuesday 24 March (Bogotá).
        assert filed.status_code == 201, filed.text
        assert datetime.fromisoformat(filed.json()["deadline"]) == datetime(
            2026, 3, 25, 5, tzinfo=UTC
        )
        assert filed.json()["number"] == "PQR-2026-000001"
        assert filed.json()["party_id"] == made["party"]["id"]
        assert filed.json()["sla"]["state"] == "ON_TIME"
        assert call.status_code == 201
        assert [c["number"] for c in waiting] == ["PQR-2026-000001"]
        assert answered.json()["status"] == "ANSWERED"
        assert {e["kind"] for e in timeline} == {"INTERACTION", "CASE"}
        assert any("answered" in e["title"].lower() for e in timeline)

    def test_a_case_on_another_utilitys_account_is_refused_and_nothing_is_written(
        self, client: TestClient, container: bootstrap.App
    ) -> None:
        made = supply(client, token(client))
        make_tenant(container, "emcali")
        before = rows(container)

        response = client.post(
            "/api/v1/cases",
            headers=token(client, tenant="emcali"),
            json={
                "kind": "COMPLAINT",
                "subject": "x",
                "description": "y",
                "account_id": made["account"]["id"],
            },
        )

        assert (response.status_code, response.json()["code"]) == (404, "not_found")
        assert rows(container) == before

    def test_an_agent_files_a_case_and_logs_a_call_from_the_account_page(
        self, client: TestClient
    ) -> None:
        made = supply(client, token(client))
        client.post("/login", data={"tenant": "epm", "username": "ana", "password": PASSWORD})
        page = f"/accounts/{made['account']['id']}"

        filed = client.post(
            f"{page}/cases",
            data={
                "kind": "CLAIM",
                "subject": "Factura alta",
                "description": "Consumo no real",
                "channel": "PHONE",
            },
            follow_redirects=False,
        )
        logged = client.post(
            f"{page}/interactions",
            data={"channel": "PHONE", "summary": "Pregunta por el reclamo"},
            follow_redirects=False,
        )
        shown = client.get(page).text

        assert (filed.status_code, logged.status_code) == (303, 303)
        assert "PQR-2026-000001" in shown
        assert "Reclamo" in shown
        assert "2026-03-24" in shown  # last day to answer: 15 business days, San José skipped
        assert "Pregunta por el reclamo" in shown

    def test_a_customer_signs_in_and_sees_only_their_accounts(
        self, client: TestClient, container: bootstrap.App
    ) -> None:
        auth = token(client)
        mine = supply(client, auth)
        add_user(container, "marta", identity.Role.CUSTOMER, party_id=mine["party"]["id"])
        client.post("/login", data={"tenant": "epm", "username": "marta", "password": PASSWORD})

        home = client.get("/")
        search = client.get("/search", params={"q": "ospina"})

        page = client.get(f"/accounts/{mine['account']['id']}")

        assert "Mis cuentas" in home.text
        assert mine["account"]["number"] in home.text
        assert search.status_code == 403
        assert "MDE-778899" in page.text
        assert "Radicar PQR" not in page.text


class TestAccountStatement:
    def test_staff_and_the_customer_see_what_is_owed_and_its_aging(
        self, client: TestClient, container: bootstrap.App
    ) -> None:
        auth = token(client)
        made = supply(client, auth)
        account_id = ids.AccountId(made["account"]["id"])
        with container.uow() as uow:
            tenant = uow.tenants.by_code("epm")
        assert tenant is not None
        with container.engine.begin() as connection:
            ledger_wiring.repository(connection).add(
                ledger.bill_entry(
                    id=ledger.EntryId(container.ids.new_id()),
                    tenant_id=tenant.id,
                    account_id=account_id,
                    source="bill:JAN",
                    booked_at=NOW,
                    accounting_date=NOW.date(),
                    due_date=date(2026, 1, 20),
                    item="JAN",
                    currency="COP",
                    revenue={"ELECTRICITY": Decimal("95000.00")},
                    subsidy={"ELECTRICITY": Decimal("47500.00")},
                )
            )
        add_user(container, "marta", identity.Role.CUSTOMER, party_id=made["party"]["id"])

        as_agent = client.get(f"/api/v1/accounts/{account_id}/statement", headers=auth)
        as_customer = client.get(
            f"/api/v1/accounts/{account_id}/statement", headers=token(client, "marta")
        )
        client.post("/login", data={"tenant": "epm", "username": "ana", "password": PASSWORD})
        page = client.get(f"/accounts/{account_id}")

        assert as_agent.status_code == 200
        body = as_agent.json()
        assert body["owed"] == "47500.00"
        assert body["aging"]["31-60"] == "47500.00"  # due 20 January, 41 days before 2 March
        assert body["open_items"][0]["days_overdue"] == 41
        assert as_customer.json()["owed"] == "47500.00"
        assert "Cartera" in page.text
        assert "47500.00" in page.text

    def test_another_customer_cannot_read_it(
        self, client: TestClient, container: bootstrap.App
    ) -> None:
        auth = token(client)
        made = supply(client, auth)
        stranger = client.post(
            "/api/v1/parties",
            headers=auth,
            json={
                "kind": "PERSON",
                "name": "Otro",
                "document_type": "CC",
                "document_number": "5544",
            },
        ).json()
        add_user(container, "otro", identity.Role.CUSTOMER, party_id=stranger["id"])

        response = client.get(
            f"/api/v1/accounts/{made['account']['id']}/statement", headers=token(client, "otro")
        )

        assert response.status_code == 404


class TestRulePacksAskedOverHttp:
    def test_an_account_opened_with_its_facts_shows_the_deposit_its_pack_asks(
        self, client: TestClient, container: bootstrap.App
    ) -> None:
        auth = token(client)
        made = supply(client, auth)
        facts = {
            "use_class": "RESIDENTIAL",
            "tenancy": "LESSEE",
            "expected_monthly_amount": "85000.50",
            "stratum": 4,
        }
        body = {"holder_id": made["party"]["id"], "billing_cycle": "C05", "deposit_facts": facts}

        unasked = client.post("/api/v1/accounts", headers=auth, json=body).json()
        with container.uow() as uow:
            tenant = uow.tenants.by_code("epm")
        assert tenant is not None
        publish_shipped_packs(container, tenant.id)
        asked = client.post("/api/v1/accounts", headers=auth, json=body)
        refused = client.post(
            "/api/v1/accounts",
            headers=auth,
            json={**body, "deposit_facts": {**facts, "tenancy": "SQUATTER"}},
        )

        assert (unasked["deposit_amount"], unasked["deposit_decided_by"]) == (
            "0.00",
            "no deposit_required pack in force",
        )
        assert asked.status_code == 201, asked.text
        assert asked.json()["deposit_amount"] == "170001.00"
        assert asked.json()["deposit_reason"] == "LESSEE_GUARANTEE"
        assert asked.json()["deposit_decided_by"] == "deposit_default v1"
        assert (refused.status_code, refused.json()["code"]) == (422, "invalid_rule_input")

    def test_a_case_filed_over_http_answers_with_its_queue_and_priority(
        self, client: TestClient, container: bootstrap.App
    ) -> None:
        auth = token(client)
        with container.uow() as uow:
            tenant = uow.tenants.by_code("epm")
        assert tenant is not None
        publish_shipped_packs(container, tenant.id)

        filed = client.post(
            "/api/v1/cases",
            headers=auth,
            json={
                "kind": "PETITION",
                "subject": "Fuga de agua frente a la casa",
                "description": "Sale agua de la acera desde anoche.",
                "channel": "WHATSAPP",
            },
        )

        assert filed.status_code == 201, filed.text
        assert (filed.json()["queue"], filed.json()["priority"]) == ("WATER_NETWORK", 2)
        assert filed.json()["routed_by"] == "case_routing_default v1"
