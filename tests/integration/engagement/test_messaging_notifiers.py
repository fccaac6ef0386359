"""
SMS and WhatsApp notifications sent through a provider's REST API: a loopback HTTP server
stands in for Twilio's Messages resource and the WhatsApp Cloud API, records what it was sent
and answers as they do (or refuses, or fails).
"""

from __future__ import annotations

import base64
import json
import threading
import urllib.parse
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import attrs
import pytest
import sqlalchemy as sa

from tests.conftest import NOW
from tests.integration.db.test_foundation_on_both_databases import supplied_customer
from tests.integration.engagement.test_notifications_outbox import pay_by_card
from urbis import bootstrap
from urbis.adapters import system
from urbis.adapters.channels import messaging, smtp
from urbis.adapters.db import tables
from urbis.application._support import Env
from urbis.application.customers import operations as customer_ops
from urbis.bootstrap import engagement as engagement_wiring
from urbis.domain import customers, engagement
from urbis.kernel import ids


@attrs.define
class Provider:
    """What the stand-in provider received, and what it answers next."""

    url: str
    requests: list[tuple[str, dict[str, str], bytes]] = attrs.field(factory=list)
    answers: list[tuple[int, bytes]] = attrs.field(factory=list)


@pytest.fixture
def provider() -> Iterator[Provider]:
    holder: list[Provider] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            found = holder[0]
            found.requests.append((self.path, dict(self.headers.items()), body))
            status, answer = found.answers.pop(0) if found.answers else (201, b"{}")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder.append(Provider(url=f"http://127.0.0.1:{server.server_address[1]}"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield holder[0]
    server.shutdown()
    server.server_close()


def _message(channel: customers.Channel, to: str = "311 555 0101") -> engagement.OutboxMessage:
    return engagement.OutboxMessage(
        id="01OUTBOX",
        tenant_id=ids.TenantId("t"),
        party_id=ids.PartyId("p"),
        kind=engagement.NotificationKind.PAYMENT_RECEIVED,
        channel=channel,
        to=to,
        subject="",
        body="EPM: recibimos su pago de $ 42.500. Gracias.",
        language="es",
        created_at=NOW,
        next_attempt_at=NOW,
        dedupe_key="k",
    )


def _twilio(provider: Provider, *, whatsapp: bool = False) -> messaging.TwilioMessagesNotifier:
    return messaging.TwilioMessagesNotifier(
        base_url=provider.url,
        account_sid="AC0123",
        auth_token="secret-token",
        sender="+57 604 444 4115" if not whatsapp else "+14155238886",
        whatsapp=whatsapp,
        default_country="57",
    )


class TestPhoneNumbers:
    @pytest.mark.parametrize(
        ("written", "expected"),
        [
            ("+57 311 555 0101", "+573115550101"),
            ("311-555-0101", "+573115550101"),
            ("(604) 444 4115", "+576044444115"),
            ("0044 20 7946 0018", "+442079460018"),
            ("whatsapp:+14155238886", "+14155238886"),
        ],
    )
    def test_numbers_become_e164_with_the_default_country(
        self, written: str, expected: str
    ) -> None:
        assert messaging.e164(written, default_country="57") == expected

    def test_a_number_without_digits_or_country_is_a_permanent_failure(self) -> None:
        with pytest.raises(engagement.DeliveryFailed) as no_digits:
            messaging.e164("call me", default_country="57")
        with pytest.raises(engagement.DeliveryFailed) as no_country:
            messaging.e164("311 555 0101", default_country=None)
        assert no_digits.value.permanent
        assert no_country.value.permanent


class TestTwilioMessages:
    def test_an_sms_is_posted_as_the_messages_resource_expects(self, provider: Provider) -> None:
        provider.answers.append((201, json.dumps({"sid": "SM9f1c", "status": "queued"}).encode()))

        sid = _twilio(provider).send(_message(customers.Channel.SMS))

        ((path, headers, body),) = provider.requests
        form = dict(urllib.parse.parse_qsl(body.decode()))
        assert sid == "SM9f1c"
        assert path == "/2010-04-01/Accounts/AC0123/Messages.json"
        assert headers["Authorization"] == "Basic " + base64.b64encode(
            b"AC0123:secret-token"
        ).decode("ascii")
        assert form == {
            "To": "+573115550101",
            "From": "+576044444115",
            "Body": "EPM: recibimos su pago de $ 42.500. Gracias.",
        }

    def test_whatsapp_through_twilio_prefixes_both_numbers(self, provider: Provider) -> None:
        provider.answers.append((201, b'{"sid": "SMwa01"}'))

        _twilio(provider, whatsapp=True).send(_message(customers.Channel.WHATSAPP))

        form = dict(urllib.parse.parse_qsl(provider.requests[0][2].decode()))
        assert (form["To"], form["From"]) == ("whatsapp:+573115550101", "whatsapp:+14155238886")

    def test_a_refused_number_is_permanent_and_a_busy_provider_is_retried(
        self, provider: Provider
    ) -> None:
        provider.answers.append((400, b'{"code": 21211, "message": "Invalid To number"}'))
        provider.answers.append((503, b'{"message": "try later"}'))
        provider.answers.append((429, b'{"message": "too many"}'))
        notifier = _twilio(provider)
        failures = []
        for _ in range(3):
            with pytest.raises(engagement.DeliveryFailed) as failed:
                notifier.send(_message(customers.Channel.SMS))
            failures.append(failed.value)

        assert [f.permanent for f in failures] == [True, False, False]
        assert "21211" in str(failures[0])

    def test_an_unreachable_provider_is_retried(self) -> None:
        notifier = messaging.TwilioMessagesNotifier(
            base_url=f"http://127.0.0.1:{smtp.free_port()}",
            account_sid="AC0123",
            auth_token="t",
            sender="+576044444115",
            timeout=2.0,
        )
        with pytest.raises(engagement.DeliveryFailed) as failed:
            notifier.send(_message(customers.Channel.SMS, to="+573115550101"))
        assert not failed.value.permanent


class TestWhatsAppCloud:
    def test_a_text_message_is_posted_with_the_bearer_token(self, provider: Provider) -> None:
        answer = {
            "messaging_product": "whatsapp",
            "contacts": [{"input": "573115550101", "wa_id": "573115550101"}],
            "messages": [{"id": "wamid.HBgM"}],
        }
        provider.answers.append((200, json.dumps(answer).encode()))
        notifier = messaging.WhatsAppCloudNotifier(
            base_url=provider.url,
            phone_number_id="106540352242922",
            access_token="EAAG-token",
            default_country="57",
        )

        message_id = notifier.send(_message(customers.Channel.WHATSAPP))

        ((path, headers, body),) = provider.requests
        assert message_id == "wamid.HBgM"
        assert path == "/106540352242922/messages"
        assert headers["Authorization"] == "Bearer EAAG-token"
        assert json.loads(body) == {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "573115550101",
            "type": "text",
            "text": {"preview_url": False, "body": "EPM: recibimos su pago de $ 42.500. Gracias."},
        }

    def test_an_answer_without_a_message_id_is_a_failure(self, provider: Provider) -> None:
        provider.answers.append((200, b'{"messaging_product": "whatsapp", "messages": []}'))
        notifier = messaging.WhatsAppCloudNotifier(
            base_url=provider.url, phone_number_id="1", access_token="t", default_country="57"
        )
        with pytest.raises(engagement.DeliveryFailed, match="names no message"):
            notifier.send(_message(customers.Channel.WHATSAPP))


class TestSettings:
    def test_channels_are_configured_by_the_environment(self) -> None:
        email_only = engagement_wiring.notifiers_from_settings(environ={})
        twilio = engagement_wiring.notifiers_from_settings(
            environ={
                "URBIS_TWILIO_ACCOUNT_SID": "AC1",
                "URBIS_TWILIO_AUTH_TOKEN": "t",
                "URBIS_SMS_FROM": "+576044444115",
                "URBIS_WHATSAPP_FROM": "+14155238886",
            }
        )
        cloud = engagement_wiring.notifiers_from_settings(
            environ={"URBIS_WHATSAPP_PHONE_NUMBER_ID": "1065", "URBIS_WHATSAPP_TOKEN": "t"}
        )

        assert set(email_only) == {customers.Channel.EMAIL}
        assert set(twilio) == {
            customers.Channel.EMAIL,
            customers.Channel.SMS,
            customers.Channel.WHATSAPP,
        }
        assert isinstance(twilio[customers.Channel.WHATSAPP], messaging.TwilioMessagesNotifier)
        assert set(cloud) == {customers.Channel.EMAIL, customers.Channel.WHATSAPP}
        assert isinstance(cloud[customers.Channel.WHATSAPP], messaging.WhatsAppCloudNotifier)


class _Accepting:
    """A notifier that takes every message (to clear what is due)."""

    def __init__(self, channel: customers.Channel) -> None:
        self.channel = channel

    def send(self, message: engagement.OutboxMessage) -> str:
        return f"accepted-{message.id}"


class TestThroughTheOutbox:
    def test_a_customer_who_consented_to_sms_gets_the_payment_by_sms(
        self, container: bootstrap.App, agent_env: Env, provider: Provider
    ) -> None:
        # the worker drains every utility's outbox: send what other tests left first
        engagement_wiring.send_due_notifications(
            container=attrs.evolve(container, clock=system.FixedClock(NOW + timedelta(days=30))),
            notifiers={channel: _Accepting(channel) for channel in customers.Channel},
        )
        keys = supplied_customer(agent_env)
        customer_ops.record_consent(
            env=agent_env,
            party_id=ids.PartyId(keys["party"]),
            channel=customers.Channel.SMS,
            purpose=customers.ConsentPurpose.SERVICE,
            granted=True,
            source="call centre",
        )
        actor = pay_by_card(container, agent_env, keys, "notify-sms-0001")
        provider.answers.append((503, b"{}"))
        provider.answers.append((201, b'{"sid": "SMok"}'))
        notifiers = engagement_wiring.notifiers_from_settings(
            environ={
                "URBIS_TWILIO_URL": provider.url,
                "URBIS_TWILIO_ACCOUNT_SID": "AC1",
                "URBIS_TWILIO_AUTH_TOKEN": "t",
                "URBIS_SMS_FROM": "+576044444115",
            }
        )

        engagement_wiring.send_due_notifications(container=container, notifiers=notifiers)
        later = attrs.evolve(container, clock=system.FixedClock(NOW + timedelta(minutes=2)))
        engagement_wiring.send_due_notifications(container=later, notifiers=notifiers)

        with container.engine.connect() as connection:
            (sent,) = connection.execute(
                sa.select(tables.outbox_messages).where(
                    tables.outbox_messages.c.tenant_id == actor.tenant_id
                )
            ).all()
        forms = [dict(urllib.parse.parse_qsl(body.decode())) for _, _, body in provider.requests]
        assert (sent.channel, sent.status, sent.attempts) == ("SMS", "SENT", 2)
        assert sent.provider_id == "SMok"
        assert [f["To"] for f in forms] == ["+573115550101", "+573115550101"]
        assert "42.500" in forms[1]["Body"]
