from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from email.message import EmailMessage
from urllib.parse import urlencode

import pytest

from urbis.adapters.channels import mail, webhooks
from urbis.domain import engagement

RECEIVED = datetime(2026, 4, 14, 15, 0, tzinfo=UTC)


def twilio(**fields: str) -> bytes:
    base = {
        "MessageSid": "SM0123456789abcdef0123456789abcdef",
        "AccountSid": "AC0123",
        "From": "+573001234567",
        "To": "+576045551234",
        "Body": "Hola, mi cuenta 1002003 no tiene luz",
        "NumMedia": "0",
    }
    base.update(fields)
    return urlencode({k: v for k, v in base.items() if v != "<drop>"}).encode()


class TestTwilioWebhook:
    def test_reads_an_sms(self) -> None:
        message = webhooks.parse_twilio_form(body=twilio(), received_at=RECEIVED)

        assert message.channel is engagement.InteractionChannel.SMS
        assert message.sender == "+573001234567"
        assert message.text == "Hola, mi cuenta 1002003 no tiene luz"
        assert message.provider_id == "SM0123456789abcdef0123456789abcdef"
        assert message.at == RECEIVED

    def test_a_whatsapp_sender_makes_a_whatsapp_message(self) -> None:
        body = twilio(**{"From": "whatsapp:+573001234567", "To": "whatsapp:+14155238886"})

        message = webhooks.parse_twilio_form(body=body, received_at=RECEIVED)

        assert message.channel is engagement.InteractionChannel.WHATSAPP
        assert message.sender == "+573001234567"

    def test_keeps_media_references(self) -> None:
        body = twilio(
            NumMedia="1",
            MediaUrl0="https://api.example/Media/ME1",
            MediaContentType0="image/jpeg",
        )

        message = webhooks.parse_twilio_form(body=body, received_at=RECEIVED)

        assert [a.content_type for a in message.attachments] == ["image/jpeg"]

    def test_a_payload_without_a_sender_is_malformed(self) -> None:
        with pytest.raises(engagement.MalformedPayload) as caught:
            webhooks.parse_twilio_form(body=twilio(From="<drop>"), received_at=RECEIVED)

        assert caught.value.code == "malformed_payload"
        assert caught.value.details["missing"] == ["From"]

    def test_a_sender_that_is_not_a_phone_is_malformed(self) -> None:
        with pytest.raises(engagement.MalformedPayload):
            webhooks.parse_twilio_form(body=twilio(From="nobody"), received_at=RECEIVED)


def meta(messages: list[dict[str, object]]) -> bytes:
    return json.dumps(
        {
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
                                    "display_phone_number": "15550783881",
                                    "phone_number_id": "106540352242922",
                                },
                                "contacts": [
                                    {"profile": {"name": "Ana María"}, "wa_id": "573001234567"}
                                ],
                                "messages": messages,
                            },
                        }
                    ],
                }
            ],
        }
    ).encode()


class TestMetaWhatsAppWebhook:
    def test_reads_a_text_message_with_its_sender_and_instant(self) -> None:
        body = meta(
            [
                {
                    "from": "573001234567",
                    "id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
                    "timestamp": "1776000000",
                    "type": "text",
                    "text": {"body": "¿Cuándo vuelve el agua?"},
                }
            ]
        )

        (message,) = webhooks.parse_meta_whatsapp(body=body)

        assert message.sender == "+573001234567"
        assert message.sender_name == "Ana María"
        assert message.text == "¿Cuándo vuelve el agua?"
        assert message.at == datetime(2026, 4, 12, 13, 20, tzinfo=UTC)

    def test_a_status_update_carries_no_message(self) -> None:
        assert webhooks.parse_meta_whatsapp(body=meta([])) == ()

    def test_a_message_without_a_timestamp_is_malformed(self) -> None:
        body = meta([{"from": "573001234567", "id": "x", "type": "text", "text": {"body": "a"}}])

        with pytest.raises(engagement.MalformedPayload, match="timestamp"):
            webhooks.parse_meta_whatsapp(body=body)

    @pytest.mark.parametrize("body", [b"{not json", b'{"object": "page", "entry": []}', b"[]"])
    def test_other_documents_are_malformed(self, body: bytes) -> None:
        with pytest.raises(engagement.MalformedPayload):
            webhooks.parse_meta_whatsapp(body=body)


class TestCtiEvent:
    def test_reads_an_ended_call_with_its_duration(self) -> None:
        body = json.dumps(
            {
                "call_id": "c-77",
                "event": "ended",
                "from": "3001234567",
                "to": "6045551234",
                "at": "2026-04-14T09:30:00-05:00",
                "duration_seconds": 312,
            }
        ).encode()

        message = webhooks.parse_cti_event(body=body)

        assert message.channel is engagement.InteractionChannel.PHONE
        assert message.sender == "+573001234567"
        assert message.at == datetime(2026, 4, 14, 14, 30, tzinfo=UTC)
        assert message.text == "Call ended, 312 s"

    @pytest.mark.parametrize(
        ("change", "problem"),
        [
            ({"event": "exploded"}, "unknown event"),
            ({"at": "2026-04-14T09:30:00"}, "offset"),
            ({"call_id": None}, None),
        ],
    )
    def test_bad_events_are_malformed(self, change: dict[str, object], problem: str | None) -> None:
        doc: dict[str, object] = {
            "call_id": "c",
            "event": "ringing",
            "from": "+573001234567",
            "at": "2026-04-14T09:30:00-05:00",
        }
        doc.update(change)
        doc = {k: v for k, v in doc.items() if v is not None}

        with pytest.raises(engagement.MalformedPayload, match=problem or "call_id"):
            webhooks.parse_cti_event(body=json.dumps(doc).encode())


def an_email(*, attachment: bytes | None = None, sender: str = "Ana <Ana@Example.co>") -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "pqr@utility.example"
    msg["Subject"] = "Reclamo factura cuenta 1002003"
    msg["Date"] = "Tue, 14 Apr 2026 09:15:00 -0500"
    msg["Message-ID"] = "<abc@example.co>"
    msg.set_content("El valor facturado no corresponde.")
    if attachment is not None:
        msg.add_attachment(attachment, maintype="image", subtype="jpeg", filename="medidor.jpg")
    return msg.as_bytes()


class TestEmail:
    def test_reads_sender_subject_date_and_body(self) -> None:
        message = mail.parse_email(data=an_email(), received_at=RECEIVED)

        assert message.sender == "ana@example.co"
        assert message.sender_name == "Ana"
        assert message.subject == "Reclamo factura cuenta 1002003"
        assert message.text == "El valor facturado no corresponde."
        assert message.at == datetime(2026, 4, 14, 14, 15, tzinfo=UTC)
        assert message.provider_id == "<abc@example.co>"

    def test_lists_attachments_with_their_sizes(self) -> None:
        message = mail.parse_email(data=an_email(attachment=b"\xff" * 1000), received_at=RECEIVED)

        assert [(a.filename, a.size) for a in message.attachments] == [("medidor.jpg", 1000)]

    def test_refuses_an_oversized_attachment(self) -> None:
        with pytest.raises(mail.AttachmentTooLarge) as caught:
            mail.parse_email(
                data=an_email(attachment=b"\xff" * 2000),
                received_at=RECEIVED,
                max_attachment_bytes=1000,
            )

        assert caught.value.code == "attachment_too_large"
        assert caught.value.status == 413

    def test_a_message_without_a_sender_is_malformed(self) -> None:
        with pytest.raises(engagement.MalformedPayload, match="From"):
            mail.parse_email(data=b"Subject: hi\r\n\r\nbody", received_at=RECEIVED)


class TestWebhookSignatures:
    URL = "https://urbis.example/webhooks/twilio?tenant=demo"

    def twilio_signature(self, token: str, params: dict[str, str]) -> str:
        # as Twilio documents it: URL, then each name and value sorted by name, HMAC-SHA1
        text = self.URL + "".join(k + params[k] for k in sorted(params))
        return base64.b64encode(
            hmac.new(token.encode(), text.encode(), hashlib.sha1).digest()
        ).decode()

    def test_accepts_a_genuine_twilio_post(self) -> None:
        params = {
            "From": "+573001234567",
            "To": "+576045551234",
            "Body": "Hola",
            "MessageSid": "SM1",
        }
        body = urlencode(params).encode()

        webhooks.verify_twilio_signature(
            auth_token="secret",
            url=self.URL,
            body=body,
            signature=self.twilio_signature("secret", params),
        )

    @pytest.mark.parametrize("token", ["other", ""])
    def test_refuses_a_twilio_post_signed_with_another_token_or_unsigned(self, token: str) -> None:
        params = {"From": "+573001234567", "Body": "Hola"}
        signature = self.twilio_signature(token, params) if token else None

        with pytest.raises(webhooks.InvalidWebhookSignature) as caught:
            webhooks.verify_twilio_signature(
                auth_token="secret",
                url=self.URL,
                body=urlencode(params).encode(),
                signature=signature,
            )

        assert caught.value.status == 403

    def test_refuses_a_tampered_whatsapp_body(self) -> None:
        body = meta([])
        signature = "sha256=" + hmac.new(b"app-secret", body, hashlib.sha256).hexdigest()

        webhooks.verify_meta_signature(app_secret="app-secret", body=body, signature=signature)
        with pytest.raises(webhooks.InvalidWebhookSignature):
            webhooks.verify_meta_signature(
                app_secret="app-secret", body=body + b" ", signature=signature
            )


class TestNormalisePhone:
    @pytest.mark.parametrize(
        ("typed", "e164"),
        [
            ("300 123 4567", "+573001234567"),
            ("(604) 555-1234", "+576045551234"),
            ("whatsapp:+14155238886", "+14155238886"),
            ("0057 300 123 4567", "+573001234567"),
        ],
    )
    def test_brings_numbers_to_e164(self, typed: str, e164: str) -> None:
        assert engagement.normalise_phone(typed) == e164

    def test_refuses_text_that_is_not_a_phone(self) -> None:
        with pytest.raises(engagement.InvalidInteraction):
            engagement.normalise_phone("12-34")
