from __future__ import annotations

import smtplib
from email.message import EmailMessage

import pytest

from tests.integration.engagement.test_smtp import env
from tests.unit.engagement import fakes
from urbis.adapters.channels import smtp
from urbis.application.engagement import operations
from urbis.bootstrap import engagement as wiring
from urbis.domain import engagement
from urbis.kernel import ids


class TestEmailReceiverWiring:
    def test_logs_inbound_email_and_keeps_unreadable_mail_for_review(self) -> None:
        world = env()
        port = smtp.free_port()
        good = EmailMessage()
        good["From"] = "ana@example.co"
        good["To"] = "pqr@utility.example"
        good["Subject"] = "Factura"
        good.set_content("Revisen mi factura")

        with wiring.email_receiver(env=world, port=port), smtplib.SMTP("127.0.0.1", port) as client:
            client.send_message(good)
            with pytest.raises(smtplib.SMTPDataError) as caught:
                client.sendmail(
                    "x@example.co", ["pqr@utility.example"], b"Subject: no sender\r\n\r\nhi"
                )

        assert len(world.interactions.for_party(fakes.TENANT, ids.PartyId("p-ana"))) == 1
        assert caught.value.smtp_code == 550
        (kept,) = world.rejected.list(fakes.TENANT)
        assert kept.error_code == "malformed_payload"


class TestWebhookParsers:
    def test_routes_a_twilio_post_to_the_timeline(self) -> None:
        world = env()
        channel, parse = wiring.webhook_parsers(env=world)["twilio"]

        (interaction,) = operations.accept_payload(
            env=world,
            channel=channel,
            content_type="application/x-www-form-urlencoded",
            body=b"MessageSid=SM1&From=%2B573001234567&To=%2B576045551234&Body=Hola",
            parse=parse,
        )

        assert interaction.party_id == "p-ana"
        assert interaction.channel is engagement.InteractionChannel.SMS
