"""
Cases' clocks at work (escalation, cases at risk, the console's cases page), appeals from the
API and the portal, "payment received" for office, API and bank-file payments, and planned
outage notices; on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.conftest import NOW
from tests.integration.engagement.test_run_notices import _reachable
from urbis import bootstrap
from urbis.adapters import system
from urbis.adapters.db import portal as db_portal
from urbis.adapters.db import tables
from urbis.adapters.formats import payment_files
from urbis.application._support import Env
from urbis.application.accounts import operations as account_ops
from urbis.application.customers import operations as customer_ops
from urbis.application.engagement import operations as engagement_ops
from urbis.application.identity import operations as identity_ops
from urbis.application.premises import operations as premise_ops
from urbis.bootstrap import engagement as engagement_wiring
from urbis.domain import customers, engagement, identity, premises
from urbis.interfaces.api import create_app
from urbis.interfaces.cli.main import app as cli
from urbis.kernel import ids

PASSWORD = "clave-de-prueba-1"
BOGOTA = engagement.colombia_calendar(years=range(2025, 2028))


@attrs.frozen
class Utility:
    tenant: identity.Tenant
    env: Env  # an agent's
    client: TestClient


def _user(
    container: bootstrap.App,
    tenant: identity.Tenant,
    username: str,
    role: identity.Role,
    party_id: str | None = None,
) -> None:
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


@pytest.fixture
def utility(container: bootstrap.App, tenant: identity.Tenant) -> Iterator[Utility]:
    _user(container, tenant, "ana", identity.Role.AGENT)
    _user(container, tenant, "caja", identity.Role.COLLECTIONS)
    agent = identity.Actor(
        user_id=ids.UserId("ana"),
        tenant_id=tenant.id,
        roles=frozenset({identity.Role.AGENT, identity.Role.FIELD}),
    )
    with TestClient(create_app(container)) as client:
        yield Utility(tenant=tenant, env=container.env(agent), client=client)


def _token(utility: Utility, username: str = "ana") -> dict[str, str]:
    answer = utility.client.post(
        "/api/v1/auth/token",
        json={"tenant": utility.tenant.code, "username": username, "password": PASSWORD},
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _sign_in(utility: Utility, username: str) -> TestClient:
    browser = TestClient(utility.client.app)
    signed = browser.post(
        "/login",
        data={"tenant": utility.tenant.code, "username": username, "password": PASSWORD},
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text
    return browser


def _home(
    env: Env, name: str, document: str, city: str = "Medellín", service: str = "ELECTRICITY"
) -> dict[str, str]:
    """A customer with an account supplied with ``service`` at a premise in ``city``."""
    party = customer_ops.register_party(
        env=env,
        kind=customers.PartyKind.PERSON,
        name=name,
        document_type=customers.DocumentType.CC,
        document_number=document,
    )
    premise = premise_ops.register_premise(
        env=env,
        address=f"Calle {document[-2:]} # 10-20",
        city=city,
        department="Antioquia",
        country="CO",
        use_class=premises.UseClass.RESIDENTIAL,
        stratum=3,
        latitude=Decimal("6.2"),
        longitude=Decimal("-75.5"),
        altitude_m=1500,
    )
    point = premise_ops.add_service_point(
        env=env, premise_id=premise.id, service=premises.Service(service)
    )
    account = account_ops.open_account(env=env, holder_id=party.id, billing_cycle="C05")
    account_ops.start_agreement(
        env=env,
        account_id=account.id,
        service_point_id=point.id,
        tariff_code="CO-RES-E-NT1",
        active_from=date(2024, 1, 1),
    )
    return {
        "party": party.id,
        "account": account.id,
        "number": account.number,
        "premise": premise.id,
        "point": point.id,
    }


def _outbox(container: bootstrap.App, tenant_id: str, kind: str) -> list[Any]:
    o = tables.outbox_messages
    with container.engine.connect() as connection:
        return list(
            connection.execute(
                sa.select(o)
                .where(o.c.tenant_id == tenant_id, o.c.kind == kind)
                .order_by(o.c.to_address)
            )
        )


def _file_case(
    container: bootstrap.App,
    utility: Utility,
    *,
    filed_at: datetime,
    subject: str,
    party_id: str | None = None,
    account_id: str | None = None,
) -> engagement.Case:
    with container.engine.begin() as connection:
        env = engagement_wiring.database_env(
            container=container, actor=utility.env.actor, connection=connection
        )
        return engagement_ops.open_case(
            env=env,
            kind=engagement.CaseKind.CLAIM,
            subject=subject,
            description="Cobro que no corresponde",
            party_id=None if party_id is None else ids.PartyId(party_id),
            account_id=None if account_id is None else ids.AccountId(account_id),
            filed_at=filed_at,
        )


def _answer(
    container: bootstrap.App, utility: Utility, case: engagement.Case, at: datetime
) -> engagement.Case:
    with container.engine.begin() as connection:
        env = engagement_wiring.database_env(
            container=container, actor=utility.env.actor, connection=connection
        )
        return engagement_ops.answer_case(
            env=attrs.evolve(env, clock=system.FixedClock(at)),
            case_id=case.id,
            answer="Revisamos la lectura y el cobro es correcto.",
        )


def _stored(container: bootstrap.App, case_id: str) -> Any:
    with container.engine.connect() as connection:
        return connection.execute(sa.select(tables.cases).where(tables.cases.c.id == case_id)).one()


def _bogota(day: date, hour: int = 9) -> datetime:
    return BOGOTA.start_of(day) + timedelta(hours=hour)


# NOW is Monday 2 March 2026, 10:30 in Bogotá; no holidays in February or early March
OVERDUE_FILED = _bogota(date(2026, 2, 6))  # last day Friday 27 February
DUE_SOON_FILED = _bogota(date(2026, 2, 11))  # last day Wednesday 4 March: 2 days after today
ON_TIME_FILED = _bogota(date(2026, 2, 27))  # last day Friday 20 March


class TestEscalation:
    def test_due_soon_and_overdue_cases_are_escalated_and_the_rounds_converge(
        self, container: bootstrap.App, utility: Utility
    ) -> None:
        overdue = _file_case(container, utility, filed_at=OVERDUE_FILED, subject="Vencido")
        soon = _file_case(container, utility, filed_at=DUE_SOON_FILED, subject="Por vencer")
        fine = _file_case(container, utility, filed_at=ON_TIME_FILED, subject="A tiempo")

        rounds = [
            engagement_wiring.escalate_cases(container=container, tenant_code=utility.tenant.code)
            for _ in range(3)
        ]

        assert [[c.number for c in r[0].escalated] for r in rounds] == [
            [overdue.number, soon.number],
            [overdue.number],  # overdue is escalated once more, up to its level
            [],
        ]
        assert all(r[0].at_risk == 2 for r in rounds)
        assert _stored(container, overdue.id).escalation_level == 2
        assert _stored(container, soon.id).escalation_level == 1
        assert _stored(container, fine.id).escalation_level == 0
        events = _stored(container, soon.id).events
        assert [e["action"] for e in events][-1] == "escalated"
        assert "DUE_SOON" in events[-1]["note"]

    def test_the_api_escalates_and_lists_the_cases_at_risk(
        self, container: bootstrap.App, utility: Utility
    ) -> None:
        overdue = _file_case(container, utility, filed_at=OVERDUE_FILED, subject="Vencido")
        soon = _file_case(container, utility, filed_at=DUE_SOON_FILED, subject="Por vencer")
        _file_case(container, utility, filed_at=ON_TIME_FILED, subject="A tiempo")
        auth = _token(utility)

        answer = utility.client.post("/api/v1/cases/escalations", headers=auth)
        at_risk = utility.client.get("/api/v1/cases/at-risk", headers=auth)
        refused = utility.client.post("/api/v1/cases/escalations")

        assert answer.status_code == 200, answer.text
        assert [c["number"] for c in answer.json()["escalated"]] == [overdue.number, soon.number]
        assert [(c["number"], c["sla"]["state"]) for c in at_risk.json()] == [
            (overdue.number, "OVERDUE"),
            (soon.number, "DUE_SOON"),
        ]
        assert at_risk.json()[1]["sla"]["business_days_left"] == 2
        assert refused.status_code == 401

    def test_the_command_escalates_once_and_an_unknown_utility_is_refused(
        self, container: bootstrap.App, utility: Utility, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # the command runs on the real clock, long after this case's deadline
        overdue = _file_case(container, utility, filed_at=OVERDUE_FILED, subject="Vencido")
        monkeypatch.setenv(
            "URBIS_DATABASE_URL", container.engine.url.render_as_string(hide_password=False)
        )
        runner = CliRunner()

        ran = runner.invoke(cli, ["cases", "escalate", "--tenant", utility.tenant.code, "--once"])
        unknown = runner.invoke(cli, ["cases", "escalate", "--tenant", "nadie", "--once"])

        assert ran.exit_code == 0, ran.output
        assert f'"escalated": ["{overdue.number}"]' in ran.output
        assert _stored(container, overdue.id).escalation_level == 1
        assert unknown.exit_code == 1
        assert "not_found" in unknown.output


class TestCasesPage:
    def test_agents_see_open_cases_by_urgency_with_their_state_in_both_languages(
        self, container: bootstrap.App, utility: Utility
    ) -> None:
        fine = _file_case(container, utility, filed_at=ON_TIME_FILED, subject="A tiempo")
        overdue = _file_case(container, utility, filed_at=OVERDUE_FILED, subject="Vencido")
        soon = _file_case(container, utility, filed_at=DUE_SOON_FILED, subject="Por vencer")
        browser = _sign_in(utility, "ana")

        spanish = browser.get("/cases?lang=es")
        english = browser.get("/cases?lang=en")

        assert spanish.status_code == 200
        text = spanish.text
        positions = [text.index(f'id="case-{c.number}"') for c in (overdue, soon, fine)]
        assert positions == sorted(positions)  # the most urgent first
        assert 'href="/cases"' in text
        assert "Vencido" in text
        assert "Por vencer" in text
        assert "A tiempo" in text
        assert "En riesgo: 2" in text
        assert "<td>2026-03-04</td>" in text
        assert "<td>2</td>" in text
        assert "Due soon" in english.text
        assert "Overdue" in english.text
        assert "Cases awaiting an answer" in english.text

    def test_customers_and_strangers_are_kept_out(
        self, container: bootstrap.App, utility: Utility
    ) -> None:
        home = _home(utility.env, "Rosa Ortiz", "1020304050")
        _user(container, utility.tenant, "rosa", identity.Role.CUSTOMER, party_id=home["party"])

        stranger = TestClient(utility.client.app).get("/cases", follow_redirects=False)
        customer = _sign_in(utility, "rosa").get("/cases")

        assert stranger.status_code == 303
        assert customer.status_code == 403


class TestAppeals:
    def test_an_agent_files_a_recurso_within_five_business_days_and_the_customer_hears(
        self, container: bootstrap.App, utility: Utility
    ) -> None:
        home = _home(utility.env, "Rosa Ortiz", "1020304050")
        _reachable(utility.env, ids.PartyId(home["party"]), customers.Channel.SMS, "+573001112233")
        case = _file_case(
            container,
            utility,
            filed_at=_bogota(date(2026, 2, 16)),
            subject="Cobro",
            party_id=home["party"],
        )
        _answer(container, utility, case, _bogota(date(2026, 2, 25), 16))  # 3 business days ago

        appealed = utility.client.post(
            f"/api/v1/cases/{case.id}/appeal",
            headers=_token(utility),
            json={"kind": "RECONSIDERATION", "reason": "La lectura está mal tomada"},
        )

        assert appealed.status_code == 200, appealed.text
        body = appealed.json()
        assert (body["status"], body["kind"], body["parent_kind"]) == (
            "OPEN",
            "RECONSIDERATION",
            "CLAIM",
        )
        assert body["sla"]["state"] == "ON_TIME"
        messages = _outbox(container, utility.tenant.id, "CASE_UPDATED")
        assert len(messages) == 1  # the agent's answer was recorded without a notice here
        assert f"{case.number}: radicada" in messages[0].body

    def test_a_reopened_case_is_told_again_when_filed_and_answered(
        self, container: bootstrap.App, utility: Utility
    ) -> None:
        home = _home(utility.env, "Rosa Ortiz", "1020304050")
        _reachable(utility.env, ids.PartyId(home["party"]), customers.Channel.SMS, "+573001112233")
        auth = _token(utility)
        case = utility.client.post(
            "/api/v1/cases",
            headers=auth,
            json={
                "kind": "CLAIM",
                "subject": "Cobro doble",
                "description": "Dos veces",
                "account_id": home["account"],
            },
        ).json()

        steps = [
            utility.client.post(
                f"/api/v1/cases/{case['id']}/answer", headers=auth, json={"answer": "Correcto"}
            ),
            utility.client.post(
                f"/api/v1/cases/{case['id']}/appeal",
                headers=auth,
                json={"kind": "RECONSIDERATION", "reason": "No estoy de acuerdo"},
            ),
            utility.client.post(
                f"/api/v1/cases/{case['id']}/answer", headers=auth, json={"answer": "Confirmado"}
            ),
        ]

        assert [r.status_code for r in steps] == [200, 200, 200]
        bodies = [
            m.body
            for m in sorted(
                _outbox(container, utility.tenant.id, "CASE_UPDATED"), key=lambda m: m.dedupe_key
            )
        ]
        assert len(bodies) == 4  # filed, answered, filed again by the recurso, answered again
        assert sum(f"{case['number']}: radicada" in b for b in bodies) == 2
        assert sum(f"{case['number']}: respondida" in b for b in bodies) == 2

    @pytest.mark.parametrize(
        ("answered_on", "code"),
        [
            (date(2026, 2, 20), "appeal_out_of_time"),  # six business days before today
            (None, "case_transition_not_allowed"),
        ],
    )
    def test_a_late_recurso_or_one_without_an_answer_is_refused_and_nothing_changes(
        self,
        container: bootstrap.App,
        utility: Utility,
        answered_on: date | None,
        code: str,
    ) -> None:
        case = _file_case(container, utility, filed_at=OVERDUE_FILED, subject="Cobro")
        if answered_on is not None:
            case = _answer(container, utility, case, _bogota(answered_on, 16))
        before = _stored(container, case.id)

        refused = utility.client.post(
            f"/api/v1/cases/{case.id}/appeal",
            headers=_token(utility),
            json={"kind": "APPEAL", "reason": "No estoy de acuerdo"},
        )

        assert (refused.status_code, refused.json()["code"]) == (409, code)
        assert _stored(container, case.id) == before

    def test_a_customer_appeals_an_answered_case_from_the_portal(
        self, container: bootstrap.App, utility: Utility
    ) -> None:
        home = _home(utility.env, "Rosa Ortiz", "1020304050")
        _user(container, utility.tenant, "rosa", identity.Role.CUSTOMER, party_id=home["party"])
        case = _file_case(
            container,
            utility,
            filed_at=ON_TIME_FILED,
            subject="Cobro doble",
            party_id=home["party"],
            account_id=home["account"],
        )
        _answer(container, utility, case, _bogota(date(2026, 2, 27), 16))
        browser = _sign_in(utility, "rosa")

        page = browser.get(f"/portal/accounts/{home['account']}?lang=en")
        sent = browser.post(
            f"/portal/accounts/{home['account']}/cases/{case.id}/appeal",
            data={"kind": "APPEAL", "reason": "The meter was misread"},
            follow_redirects=False,
        )
        after = browser.get(sent.headers["location"] + "&lang=es")

        assert f'/cases/{case.id}/appeal"' in page.text
        assert "File the appeal" in page.text
        assert sent.status_code == 303, sent.text
        assert "Radicamos su recurso sobre la solicitud" in after.text
        assert "Recurso de apelación" in after.text
        stored = _stored(container, case.id)
        assert (stored.status, stored.kind) == ("OPEN", "APPEAL")
        # reopened: no more appeal form until it is answered again
        assert f'/cases/{case.id}/appeal"' not in after.text

    def test_the_portal_refuses_another_customers_case_and_a_late_recurso(
        self, container: bootstrap.App, utility: Utility
    ) -> None:
        rosa = _home(utility.env, "Rosa Ortiz", "1020304050")
        luis = _home(utility.env, "Luis Mejía", "7080901020")
        _user(container, utility.tenant, "rosa", identity.Role.CUSTOMER, party_id=rosa["party"])
        theirs = _file_case(
            container, utility, filed_at=ON_TIME_FILED, subject="Ajeno", party_id=luis["party"]
        )
        _answer(container, utility, theirs, _bogota(date(2026, 2, 27), 16))
        late = _file_case(
            container, utility, filed_at=OVERDUE_FILED, subject="Tarde", party_id=rosa["party"]
        )
        _answer(container, utility, late, _bogota(date(2026, 2, 20), 16))
        browser = _sign_in(utility, "rosa")
        before = (_stored(container, theirs.id), _stored(container, late.id))

        other = browser.post(
            f"/portal/accounts/{rosa['account']}/cases/{theirs.id}/appeal",
            data={"kind": "RECONSIDERATION", "reason": "No"},
        )
        too_late = browser.post(
            f"/portal/accounts/{rosa['account']}/cases/{late.id}/appeal",
            data={"kind": "RECONSIDERATION", "reason": "No"},
        )

        assert other.status_code == 404
        assert "case_not_found" in other.text
        assert too_late.status_code == 409
        assert "appeal_out_of_time" in too_late.text
        assert (_stored(container, theirs.id), _stored(container, late.id)) == before


class TestPaymentReceived:
    def test_an_office_payment_through_the_api_is_announced_once_to_a_consenting_customer(
        self, container: bootstrap.App, utility: Utility
    ) -> None:
        rosa = _home(utility.env, "Rosa Ortiz", "1020304050")
        luis = _home(utility.env, "Luis Mejía", "7080901020")
        _reachable(utility.env, ids.PartyId(rosa["party"]), customers.Channel.EMAIL, "r@x.co")
        auth = {**_token(utility, "caja")}

        def pay(home: dict[str, str], key: str) -> Any:
            return utility.client.post(
                "/api/v1/payments",
                headers={**auth, "Idempotency-Key": key},
                json={
                    "account_number": home["number"],
                    "amount": "25000.00",
                    "currency": "COP",
                    "received_at": "2026-03-02T10:00:00-05:00",
                    "channel": "OFFICE",
                    "reference": "caja 1",
                },
            )

        first, retried, silent = pay(rosa, "k-rosa-1"), pay(rosa, "k-rosa-1"), pay(luis, "k-luis")

        assert [r.status_code for r in (first, retried, silent)] == [201, 201, 201]
        messages = _outbox(container, utility.tenant.id, "PAYMENT_RECEIVED")
        assert [(m.channel, m.to_address, m.party_id) for m in messages] == [
            ("EMAIL", "r@x.co", rosa["party"])
        ]
        assert "25.000" in messages[0].body
        assert rosa["number"] in messages[0].body
        assert messages[0].dedupe_key == f"PAYMENT_RECEIVED:payment:{first.json()['id']}"

    def test_a_bank_file_queues_one_notice_per_consenting_customer(
        self, container: bootstrap.App, utility: Utility
    ) -> None:
        homes = [
            _home(utility.env, name, doc)
            for name, doc in (("Rosa Ortiz", "1020304050"), ("Luis Mejía", "7080901020"))
        ]
        silent = _home(utility.env, "Sin Canal", "5566778899")
        _reachable(utility.env, ids.PartyId(homes[0]["party"]), customers.Channel.EMAIL, "r@x.co")
        _reachable(
            utility.env, ids.PartyId(homes[1]["party"]), customers.Channel.SMS, "+573154445566"
        )
        with container.engine.begin() as connection:  # Luis reads in English
            db_portal.PreferenceRepository(connection).save(
                utility.tenant.id,
                ids.PartyId(homes[1]["party"]),
                engagement.Preferences(language="en"),
                NOW,
            )
        rows = [
            {
                "bank_code": "051",
                "agreement": "88001",
                "payment_reference": home["number"],
                "amount": amount,
                "paid_at": "2026-03-01T16:20:00-05:00",
                "channel": "BANK",
                "transaction_id": f"{n:04d}",
            }
            for n, (home, amount) in enumerate(
                [
                    (homes[0], "15000.00"),
                    (homes[0], "1000.00"),
                    (homes[1], "2000.00"),
                    (silent, "9"),
                ],
                start=1,
            )
        ]

        imported = utility.client.post(
            "/api/v1/payment-files",
            params={"name": "b051.csv"},
            headers=_token(utility, "caja"),
            content=payment_files.write(rows),
        )

        assert imported.status_code == 201, imported.text
        messages = _outbox(container, utility.tenant.id, "PAYMENT_RECEIVED")
        # one message per payment of each consenting customer; the silent one's is suppressed
        assert sorted((m.channel, m.to_address) for m in messages) == [
            ("EMAIL", "r@x.co"),
            ("EMAIL", "r@x.co"),
            ("SMS", "+573154445566"),
        ]
        assert len({m.dedupe_key for m in messages}) == 3
        english = next(m for m in messages if m.channel == "SMS")
        assert english.language == "en"
        assert english.body.startswith("We received")

    def test_the_import_command_queues_notices_and_notify_queues_nothing_twice(
        self,
        container: bootstrap.App,
        utility: Utility,
        monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path,
    ) -> None:
        rosa = _home(utility.env, "Rosa Ortiz", "1020304050")
        _reachable(utility.env, ids.PartyId(rosa["party"]), customers.Channel.EMAIL, "r@x.co")
        path = tmp_path / "b007.csv"
        path.write_bytes(
            payment_files.write(
                [
                    {
                        "bank_code": "007",
                        "agreement": "15234",
                        "payment_reference": rosa["number"],
                        "amount": "42000.00",
                        "paid_at": "2026-03-01T16:20:00-05:00",
                        "channel": "BANK",
                        "transaction_id": "T1",
                    }
                ]
            )
        )
        monkeypatch.setenv(
            "URBIS_DATABASE_URL", container.engine.url.render_as_string(hide_password=False)
        )
        runner = CliRunner()

        imported = runner.invoke(
            cli, ["payments", "import", str(path), "--tenant", utility.tenant.code]
        )
        with container.engine.connect() as connection:
            file_id = connection.execute(
                sa.select(tables.payments.c.file_id).where(
                    tables.payments.c.tenant_id == utility.tenant.id
                )
            ).scalar_one()
        again = runner.invoke(cli, ["payments", "notify", file_id, "--tenant", utility.tenant.code])

        assert imported.exit_code == 0, imported.output
        assert "1 payment notice(s) queued, 0 suppressed" in imported.output
        assert again.exit_code == 0, again.output
        assert "1 payment notice(s) queued" in again.output
        messages = _outbox(container, utility.tenant.id, "PAYMENT_RECEIVED")
        assert [m.to_address for m in messages] == ["r@x.co"]
        assert "42.000" in messages[0].body


class TestOutages:
    def test_an_outage_is_announced_once_to_each_consenting_customer_of_the_area(
        self, container: bootstrap.App, utility: Utility
    ) -> None:
        rosa = _home(utility.env, "Rosa Ortiz", "1020304050")
        luis = _home(utility.env, "Luis Mejía", "7080901020")
        elsewhere = _home(utility.env, "Ana Gil", "3344556677", city="Envigado")
        water = _home(utility.env, "Eva Ruiz", "9988776655", service="WATER")
        silent = _home(utility.env, "Sin Canal", "5566778899")
        for home, phone in (
            (rosa, "+573001112233"),
            (luis, "+573002223344"),
            (elsewhere, "+573003334455"),
        ):
            _reachable(utility.env, ids.PartyId(home["party"]), customers.Channel.SMS, phone)
        _reachable(utility.env, ids.PartyId(water["party"]), customers.Channel.SMS, "+573009990000")
        outage = {
            "reference": "CORTE-2026-041",
            "service": "ELECTRICITY",
            "starts_at": "2026-03-10T08:00:00-05:00",
            "ends_at": "2026-03-10T14:00:00-05:00",
            "reason": "mantenimiento de la red",
            "cities": ["medellín"],
        }
        auth = _token(utility)

        first = utility.client.post("/api/v1/outages", headers=auth, json=outage)
        again = utility.client.post("/api/v1/outages", headers=auth, json=outage)
        by_point = utility.client.post(
            "/api/v1/outages",
            headers=auth,
            json={
                **outage,
                "reference": "CORTE-2026-042",
                "cities": [],
                "service_point_ids": [elsewhere["point"]],
                "area": "Barrio Zúñiga",
            },
        )

        assert first.status_code == 201, first.text
        assert first.json() == {
            "reference": "CORTE-2026-041",
            "customers": 3,
            "queued": 2,
            "suppressed": 1,
        }
        assert again.json()["queued"] == 2  # the same two messages, no new ones
        assert by_point.json()["customers"] == 1
        messages = _outbox(container, utility.tenant.id, "OUTAGE")
        assert sorted(m.to_address for m in messages) == [
            "+573001112233",
            "+573002223344",
            "+573003334455",
        ]
        assert {m.party_id for m in messages} == {rosa["party"], luis["party"], elsewhere["party"]}
        assert silent["party"] not in {m.party_id for m in messages}
        assert any("Barrio Zúñiga" in m.body for m in messages)
        assert all("mantenimiento de la red" in m.body for m in messages)

    @pytest.mark.parametrize(
        "change",
        [
            {"ends_at": "2026-03-10T07:00:00-05:00"},
            {"cities": []},
            {"reason": " "},
            {"starts_at": "2026-03-10T08:00:00"},
        ],
    )
    def test_an_outage_that_cannot_be_announced_is_refused_and_queues_nothing(
        self, container: bootstrap.App, utility: Utility, change: dict[str, Any]
    ) -> None:
        rosa = _home(utility.env, "Rosa Ortiz", "1020304050")
        _reachable(utility.env, ids.PartyId(rosa["party"]), customers.Channel.SMS, "+573001112233")
        outage = {
            "reference": "CORTE-1",
            "service": "ELECTRICITY",
            "starts_at": "2026-03-10T08:00:00-05:00",
            "ends_at": "2026-03-10T14:00:00-05:00",
            "reason": "mantenimiento",
            "cities": ["Medellín"],
            **change,
        }

        refused = utility.client.post("/api/v1/outages", headers=_token(utility), json=outage)

        assert (refused.status_code, refused.json()["code"]) == (422, "invalid_outage")
        assert _outbox(container, utility.tenant.id, "OUTAGE") == []

    def test_the_command_announces_an_outage(
        self, container: bootstrap.App, utility: Utility, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        rosa = _home(utility.env, "Rosa Ortiz", "1020304050")
        _reachable(utility.env, ids.PartyId(rosa["party"]), customers.Channel.SMS, "+573001112233")
        monkeypatch.setenv(
            "URBIS_DATABASE_URL", container.engine.url.render_as_string(hide_password=False)
        )

        ran = CliRunner().invoke(
            cli,
            [
                "outages",
                "announce",
                "CORTE-7",
                "--tenant",
                utility.tenant.code,
                "--service",
                "electricity",
                "--starts-at",
                "2026-03-10T08:00:00-05:00",
                "--ends-at",
                "2026-03-10T14:00:00-05:00",
                "--reason",
                "mantenimiento",
                "--premise",
                rosa["premise"],
                "--area",
                "Laureles",
            ],
        )

        assert ran.exit_code == 0, ran.output
        assert '"queued": 1' in ran.output
        assert len(_outbox(container, utility.tenant.id, "OUTAGE")) == 1


class TestConsoleCaseNotice:
    def test_a_case_filed_from_the_agent_console_tells_the_customer(
        self, container: bootstrap.App, utility: Utility
    ) -> None:
        rosa = _home(utility.env, "Rosa Ortiz", "1020304050")
        _reachable(utility.env, ids.PartyId(rosa["party"]), customers.Channel.SMS, "+573001112233")
        browser = _sign_in(utility, "ana")

        filed = browser.post(
            f"/accounts/{rosa['account']}/cases",
            data={"kind": "CLAIM", "subject": "Cobro doble", "description": "Dos veces"},
            follow_redirects=False,
        )

        assert filed.status_code == 303, filed.text
        messages = _outbox(container, utility.tenant.id, "CASE_UPDATED")
        assert [(m.channel, m.to_address) for m in messages] == [("SMS", "+573001112233")]
        assert "radicada" in messages[0].body
