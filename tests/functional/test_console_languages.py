"""
The agent's 360° page in Spanish and English: the timeline's calls, promises and case events in
the page's language, errors as sentences with their code, a bill's lines on the page, and the
case and contact forms answering in place (htmx) or with the whole page (no JavaScript).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.conftest import actor_with
from tests.integration.billing import helpers
from urbis import bootstrap
from urbis.adapters.db import tables
from urbis.application._support import Env
from urbis.application.accounts import queries as account_queries
from urbis.application.billing import operations as billing_ops
from urbis.application.billing import queries as billing_queries
from urbis.application.identity import operations as identity_ops
from urbis.domain import identity
from urbis.interfaces.api import create_app
from urbis.kernel import ids

PASSWORD = "a-long-enough-password-2026"


@pytest.fixture
def client(container: bootstrap.App) -> Iterator[TestClient]:
    with TestClient(create_app(container)) as test_client:
        yield test_client


def _agent(client: TestClient, container: bootstrap.App, tenant: identity.Tenant) -> None:
    identity_ops.create_user(
        env=container.env(actor_with(tenant, identity.Role.ADMIN)),
        hasher=container.hasher,
        username="ana",
        display_name="Ana",
        password=PASSWORD,
        roles=(identity.Role.AGENT,),
    )
    client.post("/login", data={"tenant": tenant.code, "username": "ana", "password": PASSWORD})


def _count(container: bootstrap.App, table: sa.Table, tenant: identity.Tenant) -> int:
    with container.engine.connect() as connection:
        return int(
            connection.execute(
                sa.select(sa.func.count()).select_from(table).where(table.c.tenant_id == tenant.id)
            ).scalar_one()
        )


def _timeline(html: str) -> str:
    start = html.index('<ol class="timeline"')
    return html[start : html.index("</ol>", start)]


class TestTimelineInThePagesLanguage:
    def test_calls_and_case_events_read_in_spanish_and_in_english_and_the_api_keeps_the_facts(
        self,
        client: TestClient,
        container: bootstrap.App,
        tenant: identity.Tenant,
        agent_env: Env,
    ) -> None:
        home = helpers.seed_homes(container, agent_env, tenant, count=1, tariffs=False)[0]
        _agent(client, container, tenant)
        page = f"/accounts/{home.account_id}"
        client.post(
            f"{page}/interactions", data={"channel": "PHONE", "summary": "Call ended, 42 s"}
        )
        client.post(f"{page}/interactions", data={"channel": "SMS", "summary": "Pide copia"})
        client.post(
            f"{page}/cases",
            data={"kind": "CLAIM", "subject": "Factura alta", "description": "No es real"},
        )

        spanish = _timeline(client.get(page).text)
        english = _timeline(client.get(page, params={"lang": "en"}).text)
        token = client.post(
            "/api/v1/auth/token",
            json={"tenant": tenant.code, "username": "ana", "password": PASSWORD},
        ).json()["access_token"]
        party = account_queries.account_view(
            env=agent_env, account_id=ids.AccountId(home.account_id)
        ).holder.id
        entries = client.get(
            f"/api/v1/parties/{party}/timeline", headers={"Authorization": f"Bearer {token}"}
        ).json()

        assert "Llamada terminada, 42 s" in spanish
        assert "entrante: Pide copia" in spanish
        assert "PQR-2026-000001 radicada: Reclamo · Factura alta" in spanish
        assert "Call" not in spanish
        assert "filed" not in spanish
        assert "Call ended, 42 s" in english
        assert "inbound: Pide copia" in english
        assert "PQR-2026-000001 filed: Claim · Factura alta" in english
        assert "radicada" not in english
        facts = {e["fact"]: e for e in entries}
        assert facts["CALL"]["call_event"] == "ended"
        assert facts["CALL"]["call_seconds"] == 42
        assert facts["MESSAGE"]["direction"] == "INBOUND"
        assert facts["MESSAGE"]["summary"] == "Pide copia"
        assert facts["CASE_EVENT"]["case_number"] == "PQR-2026-000001"
        assert facts["CASE_EVENT"]["case_kind"] == "CLAIM"
        assert facts["CASE_EVENT"]["case_action"] == "filed"


class TestErrorsInThePagesLanguage:
    def test_a_wrong_password_is_a_sentence_in_each_language_with_its_code(
        self, client: TestClient, tenant: identity.Tenant
    ) -> None:
        form = {"tenant": tenant.code, "username": "nadie", "password": "no-es-la-clave"}

        spanish = client.post("/login", data=form)
        english = client.post("/login?lang=en", data=form)

        assert spanish.status_code == 401
        assert "Usuario o contraseña incorrectos." in spanish.text
        assert "<code>wrong_credentials</code>" in spanish.text
        assert "Wrong username or password." in english.text
        assert "<code>wrong_credentials</code>" in english.text

    def test_an_unknown_account_shows_the_error_page_in_each_language(
        self, client: TestClient, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        _agent(client, container, tenant)

        spanish = client.get("/accounts/no-such-account")
        english = client.get("/accounts/no-such-account", params={"lang": "en"})

        assert spanish.status_code == 404
        assert "No existe o no es de esta empresa." in spanish.text
        assert "It does not exist or belongs to another utility." in english.text
        assert "<code>not_found</code>" in english.text


class TestBillLinesOnThePage:
    def test_the_agent_opens_a_bills_lines_as_a_fragment_or_a_page_in_both_languages(
        self,
        client: TestClient,
        container: bootstrap.App,
        tenant: identity.Tenant,
        agent_env: Env,
    ) -> None:
        home = helpers.seed_homes(container, agent_env, tenant, count=1)[0]
        helpers.add_register_reads(
            container,
            tenant,
            [
                (home.meter, datetime(2026, 9, 30, 15, tzinfo=UTC), 100.0, "ACTUAL"),
                (home.meter, datetime(2026, 10, 30, 15, tzinfo=UTC), 250.0, "ACTUAL"),
            ],
        )
        env = helpers.billing_env(container, tenant)
        billing_ops.start_run(env=env, cycle="C01", period="2026-10")
        bill = billing_queries.get_bill(
            env=env,
            bill_id=billing_queries.bills_of_account(env=env, account_id=home.account_id)[0]["id"],
        )
        _agent(client, container, tenant)
        lines_url = f"/accounts/{home.account_id}/bills/{bill['id']}/lines"

        page = client.get(f"/accounts/{home.account_id}").text
        fragment = client.get(lines_url, headers={"HX-Request": "true"})
        english = client.get(lines_url, params={"lang": "en"})
        elsewhere = client.get(f"/accounts/another-account/bills/{bill['id']}/lines")

        assert bill["lines"]
        assert f'hx-get="{lines_url}"' in page
        assert f'href="{lines_url}"' in page  # without JavaScript, a page of its own
        assert fragment.status_code == 200
        assert fragment.text.lstrip().startswith('<div class="bill-lines"')
        assert "<html" not in fragment.text
        assert "Concepto" in fragment.text
        for line in bill["lines"]:
            assert f"{line['amount']} COP" in fragment.text
        assert f"{bill['total']} COP" in fragment.text
        assert "<html" in english.text
        assert "Charge" in english.text
        assert "Concepto" not in english.text
        assert elsewhere.status_code == 404
        assert "<code>bill_not_found</code>" in elsewhere.text


class TestCaseAndContactForms:
    def test_htmx_gets_the_cases_and_the_timeline_back_in_place(
        self,
        client: TestClient,
        container: bootstrap.App,
        tenant: identity.Tenant,
        agent_env: Env,
    ) -> None:
        home = helpers.seed_homes(container, agent_env, tenant, count=1, tariffs=False)[0]
        _agent(client, container, tenant)
        page = f"/accounts/{home.account_id}"
        hx = {"HX-Request": "true"}

        case = client.post(
            f"{page}/cases",
            data={"kind": "PETITION", "subject": "Copia de factura", "description": "Por correo"},
            headers=hx,
        )
        contact = client.post(
            f"{page}/interactions",
            data={"channel": "WALK_IN", "summary": "Trae la copia firmada"},
            headers=hx,
        )

        assert case.status_code == 200, case.text
        assert case.text.lstrip().startswith('<div id="cases-panel">')
        assert "<html" not in case.text
        assert "PQR radicada." in case.text
        assert "Copia de factura" in case.text
        assert '<div id="timeline-panel" hx-swap-oob="true">' in case.text
        assert "radicada: Petición" in case.text
        assert contact.status_code == 200
        assert contact.text.lstrip().startswith('<div id="timeline-panel">')
        assert "Contacto registrado." in contact.text
        assert "entrante: Trae la copia firmada" in contact.text

    @pytest.mark.parametrize(
        ("path", "data", "code", "panel"),
        [
            (
                "cases",
                {"kind": "LAWSUIT", "subject": "Asunto", "description": "x"},
                "invalid_case",
                "cases",
            ),
            (
                "cases",
                {"kind": "CLAIM", "subject": "x", "description": "y"},
                "invalid_case",
                "cases",
            ),
            (
                "cases",
                {"kind": "CLAIM", "subject": "Asunto", "description": "y", "channel": "FAX"},
                "invalid_case",
                "cases",
            ),
            (
                "interactions",
                {"channel": "PHONE", "summary": "   "},
                "invalid_interaction",
                "timeline",
            ),
            (
                "interactions",
                {"channel": "PIGEON", "summary": "Hola"},
                "invalid_interaction",
                "timeline",
            ),
        ],
    )
    def test_bad_input_is_explained_in_place_or_on_the_page_and_nothing_is_written(
        self,
        client: TestClient,
        container: bootstrap.App,
        tenant: identity.Tenant,
        agent_env: Env,
        path: str,
        data: dict[str, str],
        code: str,
        panel: str,
    ) -> None:
        home = helpers.seed_homes(container, agent_env, tenant, count=1, tariffs=False)[0]
        _agent(client, container, tenant)
        url = f"/accounts/{home.account_id}/{path}"

        fragment = client.post(url, data=data, headers={"HX-Request": "true"})
        page = client.post(url, data=data, follow_redirects=False)
        english = client.post(url, params={"lang": "en"}, data=data, follow_redirects=False)

        assert fragment.status_code == 422
        assert fragment.text.lstrip().startswith(f'<div id="{panel}-panel">')
        assert f"<code>{code}</code>" in fragment.text
        assert "no es válid" in fragment.text
        assert page.status_code == 422
        assert "<html" in page.text
        assert f"<code>{code}</code>" in page.text
        assert "not valid" in english.text
        assert _count(container, tables.cases, tenant) == 0
        assert _count(container, tables.interactions, tenant) == 0

    def test_without_javascript_a_saved_form_goes_back_to_its_part_of_the_page(
        self,
        client: TestClient,
        container: bootstrap.App,
        tenant: identity.Tenant,
        agent_env: Env,
    ) -> None:
        home = helpers.seed_homes(container, agent_env, tenant, count=1, tariffs=False)[0]
        _agent(client, container, tenant)
        page = f"/accounts/{home.account_id}"

        case = client.post(
            f"{page}/cases",
            data={"kind": "COMPLAINT", "subject": "Mala atención", "description": "En oficina"},
            follow_redirects=False,
        )
        contact = client.post(
            f"{page}/interactions",
            data={"channel": "PHONE", "summary": "Llama a preguntar"},
            follow_redirects=False,
        )

        assert (case.status_code, case.headers["location"]) == (303, f"{page}#cases")
        assert (contact.status_code, contact.headers["location"]) == (303, f"{page}#timeline")
        assert _count(container, tables.cases, tenant) == 1
