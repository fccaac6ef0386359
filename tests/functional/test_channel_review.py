"""
Channels over HTTP on the running server: the WhatsApp Cloud API's verification handshake, a
signed WhatsApp message, malformed WhatsApp and Twilio posts kept for review, and agents
reviewing what was kept through the API and the console's page.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
import requests

from tests import servers
from urbis import bootstrap

WHATSAPP_SECRET = "whatsapp-app-secret-for-tests"
VERIFY_TOKEN = "whatsapp-verify-token-for-tests"
TWILIO_TOKEN = "twilio-auth-token-for-tests"
KNOWN_MOBILE = "573105550142"  # the showcase customer's mobile, without the plus


class Server:
    def __init__(self, container: bootstrap.App, url: str) -> None:
        self.container = container
        self.url = url

    def count(self, table: str) -> int:
        with self.container.engine.connect() as connection:
            value: int = connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()
            return value

    def bearer(self, username: str, password: str) -> dict[str, str]:
        response = requests.post(
            f"{self.url}/api/v1/auth/token",
            json={"tenant": "demo", "username": username, "password": password},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    def whatsapp(self, body: bytes, signature: str | None = None) -> requests.Response:
        digest = hmac.new(WHATSAPP_SECRET.encode(), body, hashlib.sha256).hexdigest()
        return requests.post(
            f"{self.url}/webhooks/demo/whatsapp",
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-Hub-Signature-256": signature or f"sha256={digest}",
            },
            timeout=10,
        )

    def twilio(self, fields: dict[str, str]) -> requests.Response:
        url = f"{self.url}/webhooks/demo/twilio"
        data = url + "".join(f"{k}{fields[k]}" for k in sorted(fields))
        signature = base64.b64encode(
            hmac.new(TWILIO_TOKEN.encode(), data.encode(), hashlib.sha1).digest()
        ).decode()
        return requests.post(
            url,
            data=urlencode(fields),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": signature,
            },
            timeout=10,
        )

    def verify(self, **params: str) -> requests.Response:
        return requests.get(f"{self.url}/webhooks/demo/whatsapp", params=params, timeout=10)


@pytest.fixture
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("URBIS_WHATSAPP_APP_SECRET", WHATSAPP_SECRET)
        patch.setenv("URBIS_WHATSAPP_VERIFY_TOKEN", VERIFY_TOKEN)
        patch.setenv("URBIS_TWILIO_AUTH_TOKEN", TWILIO_TOKEN)
        container = servers.demo_container(tmp_path_factory.mktemp("channels"))
        with servers.serving(container) as url:
            yield Server(container, url)


def whatsapp_text(sender: str, text: str, message_id: str = "wamid.test-1") -> bytes:
    """A WhatsApp Cloud API notification with one text message, as Meta documents it."""
    document: dict[str, Any] = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "576045550000",
                                "phone_number_id": "106540352242922",
                            },
                            "contacts": [{"profile": {"name": "Cliente"}, "wa_id": sender}],
                            "messages": [
                                {
                                    "from": sender,
                                    "id": message_id,
                                    "timestamp": "1764320000",
                                    "type": "text",
                                    "text": {"body": text},
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }
    return json.dumps(document).encode()


class TestWhatsAppVerification:
    def test_the_challenge_is_answered_when_the_token_matches(self, server: Server) -> None:
        response = server.verify(
            **{
                "hub.mode": "subscribe",
                "hub.verify_token": VERIFY_TOKEN,
                "hub.challenge": "1158201444",
            }
        )

        assert response.status_code == 200
        assert response.text == "1158201444"

    @pytest.mark.parametrize(
        ("mode", "token"), [("subscribe", "a-wrong-token"), ("unsubscribe", VERIFY_TOKEN)]
    )
    def test_a_wrong_token_or_mode_is_403(self, server: Server, mode: str, token: str) -> None:
        response = server.verify(
            **{"hub.mode": mode, "hub.verify_token": token, "hub.challenge": "1158201444"}
        )

        assert response.status_code == 403
        assert response.json()["code"] == "webhook_verification_refused"
        assert "1158201444" not in response.text

    def test_without_a_configured_token_everything_is_403(
        self, server: Server, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv("URBIS_WHATSAPP_VERIFY_TOKEN")

        response = server.verify(
            **{"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}
        )

        assert response.status_code == 403
        assert response.json()["code"] == "webhook_not_configured"


class TestSignedPosts:
    def test_a_signed_whatsapp_message_lands_on_the_customers_timeline(
        self, server: Server
    ) -> None:
        response = server.whatsapp(whatsapp_text(KNOWN_MOBILE, "¿Cuándo llega la factura?"))

        assert response.status_code == 202, response.text
        (logged,) = response.json()
        assert logged["matched"] is True
        assert server.count("interactions") == 1
        assert server.count("rejected_payloads") == 0

    def test_a_forged_whatsapp_signature_is_refused_and_nothing_is_kept(
        self, server: Server
    ) -> None:
        response = server.whatsapp(whatsapp_text(KNOWN_MOBILE, "hola"), signature="sha256=00")

        assert response.status_code == 403
        assert (server.count("interactions"), server.count("rejected_payloads")) == (0, 0)

    def test_a_malformed_whatsapp_post_is_422_and_kept_for_review(self, server: Server) -> None:
        response = server.whatsapp(b'{"object": "page", "entry": []}')

        assert (response.status_code, response.json()["code"]) == (422, "malformed_payload")
        assert server.count("rejected_payloads") == 1
        assert server.count("interactions") == 0

    def test_a_malformed_twilio_post_is_422_and_kept_for_review(self, server: Server) -> None:
        response = server.twilio({"Body": "sin remitente", "To": "+576045550000"})

        assert (response.status_code, response.json()["code"]) == (422, "malformed_payload")
        assert server.count("rejected_payloads") == 1
        assert server.count("interactions") == 0


class TestReviewingKeptPayloads:
    def test_agents_list_kept_payloads_newest_first_and_mark_them_reviewed(
        self, server: Server
    ) -> None:
        server.twilio({"Body": "primero", "To": "+576045550000"})
        server.whatsapp(b"not json at all")
        agent = server.bearer("agente", "demo-agente-2026")

        kept = requests.get(f"{server.url}/api/v1/rejected-payloads", headers=agent, timeout=10)
        assert kept.status_code == 200, kept.text
        rows = kept.json()
        assert [r["channel"] for r in rows] == ["WHATSAPP", "SMS"]
        assert rows[0]["body"] == "not json at all"
        assert rows[1]["error_code"] == "malformed_payload"
        assert "primero" in rows[1]["body"]

        done = requests.post(
            f"{server.url}/api/v1/rejected-payloads/{rows[0]['id']}/reviewed",
            headers=agent,
            timeout=10,
        )
        again = requests.post(
            f"{server.url}/api/v1/rejected-payloads/{rows[0]['id']}/reviewed",
            headers=agent,
            timeout=10,
        )
        pending = requests.get(
            f"{server.url}/api/v1/rejected-payloads", headers=agent, timeout=10
        ).json()
        everything = requests.get(
            f"{server.url}/api/v1/rejected-payloads",
            params={"include_reviewed": "true"},
            headers=agent,
            timeout=10,
        ).json()

        assert done.status_code == 200
        assert done.json()["reviewed_by"]
        assert done.json()["reviewed_at"]
        assert (again.status_code, again.json()["code"]) == (409, "payload_already_reviewed")
        assert [r["id"] for r in pending] == [rows[1]["id"]]
        assert {r["id"] for r in everything} == {rows[0]["id"], rows[1]["id"]}

    @pytest.mark.parametrize(("user", "password"), [("campo", "demo-campo-2026")])
    def test_other_staff_may_not_read_them(self, server: Server, user: str, password: str) -> None:
        response = requests.get(
            f"{server.url}/api/v1/rejected-payloads",
            headers=server.bearer(user, password),
            timeout=10,
        )
        anonymous = requests.get(f"{server.url}/api/v1/rejected-payloads", timeout=10)

        assert response.status_code == 403
        assert anonymous.status_code == 401

    def test_an_unknown_payload_is_404(self, server: Server) -> None:
        response = requests.post(
            f"{server.url}/api/v1/rejected-payloads/NOPE/reviewed",
            headers=server.bearer("admin", "demo-admin-2026"),
            timeout=10,
        )

        assert response.status_code == 404

    def test_the_console_page_shows_them_escaped_in_both_languages_and_marks_reviewed(
        self, server: Server
    ) -> None:
        server.whatsapp(b"<script>alert('x')</script>")
        browser = requests.Session()
        signed = browser.post(
            f"{server.url}/login",
            data={"tenant": "demo", "username": "agente", "password": "demo-agente-2026"},
            timeout=10,
        )
        assert signed.status_code == 200, signed.text

        spanish = browser.get(f"{server.url}/rejected?lang=es", timeout=10)
        english = browser.get(f"{server.url}/rejected?lang=en", timeout=10)

        assert spanish.status_code == 200
        assert "Mensajes rechazados" in spanish.text
        assert 'href="/rejected">Rechazados</a>' in spanish.text
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in spanish.text
        assert "<script>alert(" not in spanish.text
        assert "malformed_payload" in spanish.text
        assert "Marcar como revisado" in spanish.text
        assert "Rejected messages" in english.text
        assert "Mark as reviewed" in english.text
        ((payload_id,),) = _ids(server)

        reviewed = browser.post(f"{server.url}/rejected/{payload_id}/reviewed", timeout=10)
        after = browser.get(f"{server.url}/rejected?lang=es", timeout=10)
        history = browser.get(f"{server.url}/rejected?all=true&lang=en", timeout=10)

        assert reviewed.status_code == 200
        assert 'data-testid="reviewed"' in reviewed.text
        assert "No hay mensajes rechazados por revisar." in after.text
        assert f'data-testid="rejected-{payload_id}"' in history.text
        assert "Reviewed" in history.text

    def test_the_page_is_for_agents_only(self, server: Server) -> None:
        browser = requests.Session()
        browser.post(
            f"{server.url}/login",
            data={"tenant": "demo", "username": "campo", "password": "demo-campo-2026"},
            timeout=10,
        )

        response = browser.get(f"{server.url}/rejected", timeout=10)

        assert response.status_code == 403


def _ids(server: Server) -> list[tuple[str]]:
    with server.container.engine.connect() as connection:
        return [tuple(r) for r in connection.exec_driver_sql("SELECT id FROM rejected_payloads")]
