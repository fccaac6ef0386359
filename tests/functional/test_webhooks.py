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
