"""Inbound SMS, WhatsApp and calls arrive as signed webhooks and land on the customer's timeline."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

from tests import servers
from urbis import bootstrap
from urbis.bootstrap import demo
from urbis.interfaces.api import create_app

TWILIO_TOKEN = "twilio-auth-token-for-tests"
CTI_SECRET = "cti-shared-secret-for-tests"
URL = "http://testserver/webhooks/demo/twilio"


@pytest.fixture
def world(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[bootstrap.App, TestClient]]:
    monkeypatch.setenv("URBIS_TWILIO_AUTH_TOKEN", TWILIO_TOKEN)
    monkeypatch.setenv("URBIS_CTI_SECRET", CTI_SECRET)
    monkeypatch.delenv("URBIS_WHATSAPP_APP_SECRET", raising=False)
    container = servers.demo_container(tmp_path)
    with TestClient(create_app(container)) as client:
        yield container, client


def twilio_signature(url: str, fields: dict[str, str]) -> str:
    """Twilio's documented scheme: HMAC-SHA1 of the URL and the sorted name+value pairs."""
    data = url + "".join(f"{k}{fields[k]}" for k in sorted(fields))
    digest = hmac.new(TWILIO_TOKEN.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def count(container: bootstrap.App, table: str) -> int:
    with container.engine.connect() as connection:
        value: int = connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()
        return value


class TestInboundWebhooks:
    def test_an_sms_from_a_known_mobile_is_matched_to_the_customer(
        self, world: tuple[bootstrap.App, TestClient]
    ) -> None:
        _, client = world
        fields = {
            "From": "+573105550142",
            "To": "+576045550000",
            "Body": "Hola, no me llegó la factura de este mes",
            "MessageSid": "SM0123456789abcdef",
        }

        response = client.post(
            "/webhooks/demo/twilio",
            content=urlencode(fields),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": twilio_signature(URL, fields),
            },
        )
        again = client.post(
            "/webhooks/demo/twilio",
            content=urlencode(fields),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": twilio_signature(URL, fields),
            },
        )

        assert response.status_code == 202, response.text
        (logged,) = response.json()
        assert logged["matched"] is True
        assert again.json()[0]["interaction_id"] == logged["interaction_id"]

    def test_a_forged_signature_is_refused(self, world: tuple[bootstrap.App, TestClient]) -> None:
        container, client = world

        response = client.post(
            "/webhooks/demo/twilio",
            content="From=%2B573105550142&To=x&MessageSid=SM1&Body=hola",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": "forged",
            },
        )

        assert (response.status_code, response.json()["code"]) == (403, "invalid_webhook_signature")
        assert count(container, "interactions") == 0

    def test_an_unconfigured_channel_refuses_everything(
        self, world: tuple[bootstrap.App, TestClient]
    ) -> None:
        _, client = world

        response = client.post("/webhooks/demo/whatsapp", content=b"{}")

        assert (response.status_code, response.json()["code"]) == (403, "webhook_not_configured")

    def test_a_malformed_call_event_is_refused_and_kept_for_review(
        self, world: tuple[bootstrap.App, TestClient]
    ) -> None:
        container, client = world
        headers = {"Authorization": f"Bearer {CTI_SECRET}", "Content-Type": "application/json"}

        bad = client.post("/webhooks/demo/cti", content=b'{"call_id": "c1"}', headers=headers)
        good = client.post(
            "/webhooks/demo/cti",
            content=json.dumps(
                {
                    "call_id": "c2",
                    "event": "ringing",
                    "from": "+573105550142",
                    "at": "2026-11-22T09:00:00-05:00",
                }
            ).encode(),
            headers=headers,
        )

        assert (bad.status_code, bad.json()["code"]) == (422, "malformed_payload")
        assert count(container, "rejected_payloads") == 1
        assert good.status_code == 202
        assert good.json()[0]["matched"] is True
        assert count(container, "interactions") == 1


def _bearer(client: TestClient, username: str) -> dict[str, str]:
    user = next(u for u in demo.DEMO_USERS if u.username == username)
    response = client.post(
        "/api/v1/auth/token",
        json={"tenant": "demo", "username": user.username, "password": user.password},
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


class TestMatchingQueue:
    def test_an_agent_assigns_an_unknown_caller_by_what_the_customer_tells(
        self, world: tuple[bootstrap.App, TestClient]
    ) -> None:
        _, client = world
        agent = _bearer(client, "agente")
        call = client.post(
            "/webhooks/demo/cti",
            content=json.dumps(
                {
                    "call_id": "c-unknown",
                    "event": "ringing",
                    "from": "+573009998877",
                    "at": "2026-11-22T09:00:00-05:00",
                }
            ).encode(),
            headers={"Authorization": f"Bearer {CTI_SECRET}", "Content-Type": "application/json"},
        )
        (logged,) = call.json()

        waiting = client.get("/api/v1/interactions/unmatched", headers=agent)
        nobody = client.post(
            f"/api/v1/interactions/{logged['interaction_id']}/match",
            headers=agent,
            json={"key": "99999999"},
        )
        matched = client.post(
            f"/api/v1/interactions/{logged['interaction_id']}/match",
            headers=agent,
            json={"key": "0000000018"},
        )
        again = client.post(
            f"/api/v1/interactions/{logged['interaction_id']}/match",
            headers=agent,
            json={"key": "0000000018"},
        )
        after = client.get("/api/v1/interactions/unmatched", headers=agent)
        field = client.get("/api/v1/interactions/unmatched", headers=_bearer(client, "campo"))

        assert logged["matched"] is False
        assert [i["id"] for i in waiting.json()] == [logged["interaction_id"]]
        assert (nobody.status_code, nobody.json()["code"]) == (404, "no_customer_for_key")
        assert matched.status_code == 200, matched.text
        assert (matched.json()["matched_by"], matched.json()["account_id"] is not None) == (
            "AGENT",
            True,
        )
        assert (again.status_code, again.json()["code"]) == (409, "interaction_already_matched")
        assert after.json() == []
        assert field.status_code == 403
