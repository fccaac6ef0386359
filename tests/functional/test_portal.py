"""Journeys through the customer portal, as a customer uses it in the browser (forms, no JS)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.conftest import NOW
from tests.functional.test_api_and_web import PASSWORD, add_user, make_tenant, rows, supply, token
from urbis import bootstrap
from urbis.adapters import system
from urbis.adapters.db import tables
from urbis.domain import identity
from urbis.interfaces.api import create_app

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@pytest.fixture
def container(tmp_path: Path) -> bootstrap.App:
    return bootstrap.build(
        url=f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        clock=system.FixedClock(NOW),
        secret="a-test-signing-secret-of-enough-length-0123456789",
    )


@pytest.fixture
def client(container: bootstrap.App) -> Iterator[TestClient]:
    make_tenant(container, "epm")
    with TestClient(create_app(container)) as test_client:
        yield test_client


@pytest.fixture
def marta(client: TestClient, container: bootstrap.App) -> dict[str, Any]:
    """A supplied customer, signed in to the portal (the client carries her session)."""
    made = supply(client, token(client))
    add_user(container, "marta", identity.Role.CUSTOMER, party_id=made["party"]["id"])
    signed = client.post(
        "/login",
        data={"tenant": "epm", "username": "marta", "password": PASSWORD},
        follow_redirects=False,
    )
    assert signed.status_code == 303
    return made


def _neighbour_account(client: TestClient) -> str:
    auth = token(client)
    neighbour = client.post(
        "/api/v1/parties",
        headers=auth,
        json={
            "kind": "PERSON",
            "name": "Vecino Pérez",
            "document_type": "CC",
            "document_number": "9988776",
        },
    ).json()
    account: str = client.post(
        "/api/v1/accounts",
        headers=auth,
        json={"holder_id": neighbour["id"], "billing_cycle": "C05"},
    ).json()["id"]
    return account


def _interval_reads(client: TestClient, days: int = 3) -> None:
    start = (NOW - timedelta(days=days)).replace(hour=5, minute=0)
    reads = [
        {
            "meter": "MDE-778899",
            "start": (start + timedelta(hours=h)).isoformat(),
            "minutes": 60,
            "quantity": 0.5 + (h % 24) / 100,
        }
        for h in range(24 * days)
    ]
    posted = client.post(
        "/api/v1/meter-reads",
        headers=token(client, "campo"),
        json={"source": "ami", "reads": reads},
    )
    assert posted.status_code == 201, posted.text


class TestSignIn:
    def test_a_customer_lands_on_their_accounts(
        self, client: TestClient, marta: dict[str, Any]
    ) -> None:
        home = client.get("/")

        assert home.url.path == "/portal/"
        assert "Mis cuentas" in home.text
        assert marta["account"]["number"] in home.text

    def test_another_customers_account_answers_404_and_shows_nothing_of_it(
        self, client: TestClient, marta: dict[str, Any]
    ) -> None:
        theirs = _neighbour_account(client)

        page = client.get(f"/portal/accounts/{theirs}")
        pay = client.get(f"/portal/accounts/{theirs}/pay")
        reading = client.post(
            f"/portal/accounts/{theirs}/readings",
            data={"meter": "MDE-778899", "value": "10", "read_at": "2026-03-02T09:00"},
        )

        assert (page.status_code, pay.status_code, reading.status_code) == (404, 404, 404)
        assert "Vecino" not in page.text

    def test_staff_are_sent_to_the_console_and_strangers_to_sign_in(
        self, client: TestClient
    ) -> None:
        anonymous = client.get("/portal/", follow_redirects=False)
        client.post("/login", data={"tenant": "epm", "username": "ana", "password": PASSWORD})
        staff = client.get("/portal/")

        assert (anonymous.status_code, anonymous.headers["location"]) == (303, "/login")
        assert staff.status_code == 403
        assert "portal_customers_only" in staff.text

    def test_pages_speak_english_when_asked(
        self, client: TestClient, marta: dict[str, Any]
    ) -> None:
        page = client.get(f"/portal/accounts/{marta['account']['id']}", params={"lang": "en"})

        assert "Send a reading" in page.text
        assert "Report a problem" in page.text


class TestSendReading:
    def test_a_reading_with_a_photo_is_stored_as_a_customer_read(
        self, client: TestClient, container: bootstrap.App, marta: dict[str, Any]
    ) -> None:
        account = marta["account"]["id"]

        sent = client.post(
            f"/portal/accounts/{account}/readings",
            data={"meter": "mde-778899", "value": "1234,5", "read_at": "2026-03-02T09:00"},
            files={"photo": ("dial.png", PNG, "image/png")},
            follow_redirects=False,
        )
        page = client.get(sent.headers["location"])

        assert sent.status_code == 303
        assert "Recibimos su lectura" in page.text
        assert "1234.5" in page.text
        assert "Cliente" in page.text  # read type CUSTOMER, in Spanish
        with container.engine.connect() as connection:
            photo = connection.execute(sa.select(tables.reading_photos)).one()
            logged = connection.execute(
                sa.select(tables.interactions.c.summary).where(
                    tables.interactions.c.channel == "PORTAL"
                )
            ).scalar_one()
        assert (photo.meter, photo.content_type, photo.size) == ("MDE-778899", "image/png", 72)
        assert "MDE-778899" in logged

    @pytest.mark.parametrize(
        ("photo", "code"),
        [
            (("dial.gif", b"GIF89a" + b"\x00" * 10, "image/gif"), "photo_type_not_allowed"),
            (("dial.png", JPEG, "image/png"), "photo_type_not_allowed"),
            (
                ("dial.jpg", b"\xff\xd8\xff" + b"\x00" * (5 * 1024 * 1024), "image/jpeg"),
                "photo_too_large",
            ),
        ],
    )
    def test_a_bad_photo_is_refused_with_its_code_and_nothing_is_written(
        self,
        client: TestClient,
        container: bootstrap.App,
        marta: dict[str, Any],
        photo: tuple[str, bytes, str],
        code: str,
    ) -> None:
        before = rows(container)

        sent = client.post(
            f"/portal/accounts/{marta['account']['id']}/readings",
            data={"meter": "MDE-778899", "value": "10", "read_at": "2026-03-02T09:00"},
            files={"photo": photo},
        )

        assert sent.status_code == 422
        assert code in sent.text
        assert rows(container) == before

    @pytest.mark.parametrize(
        ("value", "read_at", "meter", "status", "code"),
        [
            ("-1", "2026-03-02T09:00", "MDE-778899", 422, "invalid_customer_reading"),
            ("10", "2026-03-09T09:00", "MDE-778899", 422, "invalid_customer_reading"),
            ("diez", "2026-03-02T09:00", "MDE-778899", 422, "invalid_customer_reading"),
            ("10", "2026-03-02T09:00", "OTRO-1", 404, "meter_not_on_account"),
        ],
    )
    def test_an_impossible_reading_is_refused(
        self,
        client: TestClient,
        container: bootstrap.App,
        marta: dict[str, Any],
        value: str,
        read_at: str,
        meter: str,
        status: int,
        code: str,
    ) -> None:
        before = rows(container)

        sent = client.post(
            f"/portal/accounts/{marta['account']['id']}/readings",
            data={"meter": meter, "value": value, "read_at": read_at},
        )

        assert (sent.status_code, code in sent.text) == (status, True)
        assert rows(container) == before


class TestReportProblem:
    def test_a_problem_becomes_a_case_the_agent_sees(
        self, client: TestClient, container: bootstrap.App, marta: dict[str, Any]
    ) -> None:
        account = marta["account"]["id"]

        filed = client.post(
            f"/portal/accounts/{account}/problems",
            data={
                "kind": "CLAIM",
                "subject": "Cobro doble",
                "description": "Me cobraron dos veces",
            },
        )
        with container.engine.connect() as connection:
            case = connection.execute(sa.select(tables.cases)).one()

        assert "PQR-2026-000001" in filed.text
        assert (case.kind, case.channel, case.account_id) == ("CLAIM", "PORTAL", account)

    def test_a_recurso_or_an_empty_story_is_refused(
        self, client: TestClient, container: bootstrap.App, marta: dict[str, Any]
    ) -> None:
        account = marta["account"]["id"]

        appeal = client.post(
            f"/portal/accounts/{account}/problems",
            data={"kind": "APPEAL", "subject": "x", "description": "y"},
        )
        empty = client.post(
            f"/portal/accounts/{account}/problems",
            data={"kind": "CLAIM", "subject": "Cobro", "description": "   "},
        )

        assert (appeal.status_code, empty.status_code) == (422, 422)
        assert "invalid_problem_report" in appeal.text
        assert rows(container)["cases"] == 0


class TestPay:
    def _pay(self, client: TestClient, account: str, card: str, key: str) -> Any:
        return client.post(
            f"/portal/accounts/{account}/pay",
            data={"amount": "85000.50", "card_number": card, "idempotency_key": key},
            follow_redirects=False,
        )

    def test_an_approved_charge_is_handed_on_once_however_often_it_is_sent(
        self, client: TestClient, container: bootstrap.App, marta: dict[str, Any]
    ) -> None:
        account = marta["account"]["id"]
        form = client.get(f"/portal/accounts/{account}/pay")

        first = self._pay(client, account, "4242 4242 4242 4242", "pago-0001-abcdef")
        again = self._pay(client, account, "4242 4242 4242 4242", "pago-0001-abcdef")
        page = client.get(first.headers["location"])

        assert form.status_code == 200
        assert 'name="idempotency_key"' in form.text
        assert (first.status_code, again.status_code) == (303, 303)
        assert first.headers["location"] == again.headers["location"]
        assert "Pago aprobado" in page.text
        assert "•••• 4242" in page.text
        with container.engine.connect() as connection:
            charges = connection.execute(sa.select(tables.card_charges)).all()
            handed = connection.execute(sa.select(tables.payments)).all()
            audited = connection.execute(
                sa.select(sa.func.count()).where(tables.audit_log.c.entity == "card_charge")
            ).scalar_one()
        assert [(c.amount_minor, c.currency, c.card_last4) for c in charges] == [
            (8500050, "COP", "4242")
        ]
        assert [(h.account_id, h.amount_minor, h.channel) for h in handed] == [
            (account, 8500050, "CARD")
        ]
        assert audited == 1
        assert "4242424242424242" not in str(charges)

    def test_a_declined_card_says_so_and_hands_on_nothing(
        self, client: TestClient, container: bootstrap.App, marta: dict[str, Any]
    ) -> None:
        declined = self._pay(client, marta["account"]["id"], "4000000000000002", "pago-0002-abcdef")

        assert declined.status_code == 402
        assert "card_declined" in declined.text
        assert rows(container)["payments"] == 0
        assert rows(container)["card_charges"] == 1

    @pytest.mark.parametrize(
        ("amount", "card", "code"),
        [
            ("0", "4242424242424242", "invalid_payment_amount"),
            ("mucho", "4242424242424242", "invalid_payment_amount"),
            ("10.001", "4242424242424242", "amount_not_in_minor_units"),
            ("1000", "4242424242424241", "invalid_card"),
        ],
    )
    def test_bad_amounts_and_mistyped_cards_charge_nothing(
        self,
        client: TestClient,
        container: bootstrap.App,
        marta: dict[str, Any],
        amount: str,
        card: str,
        code: str,
    ) -> None:
        sent = client.post(
            f"/portal/accounts/{marta['account']['id']}/pay",
            data={"amount": amount, "card_number": card, "idempotency_key": "pago-0003-abcdef"},
        )

        assert sent.status_code == 422
        assert code in sent.text
        assert rows(container)["card_charges"] == 0


class TestConsumptionAndDownload:
    def test_daily_use_is_charted_and_downloads_as_green_button(
        self, client: TestClient, marta: dict[str, Any]
    ) -> None:
        _interval_reads(client)
        account = marta["account"]["id"]

        page = client.get(f"/portal/accounts/{account}")
        xml = client.get(
            f"/portal/accounts/{account}/greenbutton",
            params={"meter": "MDE-778899", "start": "2026-02-20", "end": "2026-03-03"},
        )

        assert "<svg" in page.text
        assert "2026-02-27" in page.text
        assert xml.status_code == 200
        assert xml.headers["content-disposition"].startswith("attachment")
        assert xml.text.count("IntervalReading>") == 2 * 72

    def test_no_reads_or_another_customers_meter_is_a_clear_error(
        self, client: TestClient, marta: dict[str, Any]
    ) -> None:
        account = marta["account"]["id"]

        empty = client.get(
            f"/portal/accounts/{account}/greenbutton", params={"meter": "MDE-778899"}
        )
        other = client.get(f"/portal/accounts/{account}/greenbutton", params={"meter": "X-1"})

        assert (empty.status_code, "no_interval_reads" in empty.text) == (404, True)
        assert (other.status_code, "meter_not_on_account" in other.text) == (404, True)


class TestPreferencesAndConsents:
    def test_preferences_and_consents_are_kept_and_audited(
        self, client: TestClient, container: bootstrap.App, marta: dict[str, Any]
    ) -> None:
        saved = client.post(
            "/portal/preferences",
            data={
                "language": "en",
                "channel_1": "WHATSAPP",
                "channel_2": "EMAIL",
                "muted": ["OUTAGE"],
                "consent_WHATSAPP_SERVICE": "on",
            },
        )
        view = client.get(f"/api/v1/parties/{marta['party']['id']}", headers=token(client)).json()

        assert saved.status_code == 200
        assert "Guardamos sus preferencias" in saved.text
        with container.engine.connect() as connection:
            prefs = connection.execute(sa.select(tables.notification_preferences)).one()
        assert (prefs.language, prefs.channels, prefs.muted) == ("en", "WHATSAPP,EMAIL", "OUTAGE")
        assert [
            (c["channel"], c["purpose"], c["granted"], c["source"]) for c in view["consents"]
        ] == [("WHATSAPP", "SERVICE", True, "portal")]

    def test_no_channel_at_all_is_refused(
        self, client: TestClient, container: bootstrap.App, marta: dict[str, Any]
    ) -> None:
        sent = client.post("/portal/preferences", data={"language": "es"})

        assert sent.status_code == 422
        assert "invalid_notification" in sent.text
        assert rows(container)["notification_preferences"] == 0


class TestWebChat:
    def test_a_customer_chats_and_an_agent_answers_from_the_account_page(
        self, client: TestClient, marta: dict[str, Any]
    ) -> None:
        agent = TestClient(client.app)
        agent.post("/login", data={"tenant": "epm", "username": "ana", "password": PASSWORD})
        account_page = f"/accounts/{marta['account']['id']}"

        with client.websocket_connect("/portal/chat/ws") as chat:
            chat.send_text("Hola, ¿cuándo llega mi factura?")
            mine = chat.receive_json()
            seen_by_agent = agent.get(account_page).text
            replied = agent.post(
                f"{account_page}/chat",
                data={"text": "Llega el 5 de cada mes."},
                follow_redirects=False,
            )
            answer = chat.receive_json()
            chat.send_text(" ")
            refused = chat.receive_json()

        assert (mine["from"], mine["text"]) == ("customer", "Hola, ¿cuándo llega mi factura?")
        assert "Hola, ¿cuándo llega mi factura?" in seen_by_agent
        assert replied.status_code == 303
        assert (answer["from"], answer["text"]) == ("agent", "Llega el 5 de cada mes.")
        assert refused["error"] == "invalid_interaction"

    def test_only_a_signed_in_customer_may_open_the_chat(self, client: TestClient) -> None:
        with (
            pytest.raises(WebSocketDisconnect) as anonymous,
            client.websocket_connect("/portal/chat/ws"),
        ):
            pass

        assert anonymous.value.code == 4401


class TestCaseNotifications:
    def test_the_customer_hears_when_a_case_is_filed_and_when_it_is_answered(
        self, client: TestClient, container: bootstrap.App, marta: dict[str, Any]
    ) -> None:
        client.post(
            "/portal/preferences",
            data={"language": "es", "channel_1": "SMS", "consent_SMS_SERVICE": "on"},
        )
        client.post(
            f"/portal/accounts/{marta['account']['id']}/problems",
            data={"kind": "CLAIM", "subject": "Cobro doble", "description": "Dos veces"},
        )
        with container.engine.connect() as connection:
            case_id = connection.execute(sa.select(tables.cases.c.id)).scalar_one()

        answered = client.post(
            f"/api/v1/cases/{case_id}/answer",
            headers=token(client),
            json={"answer": "Revisamos y devolvemos el cobro."},
        )
        with container.engine.connect() as connection:
            sent = connection.execute(
                sa.select(
                    tables.outbox_messages.c.channel,
                    tables.outbox_messages.c.to_address,
                    tables.outbox_messages.c.body,
                ).order_by(tables.outbox_messages.c.created_at, tables.outbox_messages.c.id)
            ).all()

        assert answered.status_code == 200, answered.text
        assert [(channel, to) for channel, to, _ in sent] == [("SMS", "+573124445566")] * 2
        assert "PQR-2026-000001: radicada" in sent[0][2]
        assert "PQR-2026-000001: respondida" in sent[1][2]


class TestAgentSeesReadingPhotos:
    def test_the_photo_is_linked_from_the_account_page_and_served_as_sent(
        self, client: TestClient, container: bootstrap.App, marta: dict[str, Any]
    ) -> None:
        client.post(
            f"/portal/accounts/{marta['account']['id']}/readings",
            data={"meter": "MDE-778899", "value": "77", "read_at": "2026-03-02T09:00"},
            files={"photo": ("dial.png", PNG, "image/png")},
        )
        with container.engine.connect() as connection:
            photo_id = connection.execute(sa.select(tables.reading_photos.c.id)).scalar_one()
        agent = TestClient(client.app)
        agent.post("/login", data={"tenant": "epm", "username": "ana", "password": PASSWORD})

        page = agent.get(f"/accounts/{marta['account']['id']}")
        served = agent.get(f"/reading-photos/{photo_id}")
        unknown = agent.get("/reading-photos/01JNOSUCHPHOTO000000000000")

        assert f'href="/reading-photos/{photo_id}"' in page.text
        assert (served.status_code, served.content) == (200, PNG)
        assert served.headers["content-type"] == "image/png"
        assert served.headers["x-content-type-options"] == "nosniff"
        assert unknown.status_code == 404
