from __future__ import annotations

import smtplib
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.unit.engagement import fakes
from urbis.adapters.channels import mail, smtp
from urbis.application.engagement import operations, ports
from urbis.domain import customers, engagement
from urbis.kernel import ids

NOW = datetime(2026, 4, 14, 15, 0, tzinfo=UTC)


class Mailbox:
    """A loopback SMTP server that keeps what it gets and refuses one address."""

    def __init__(self) -> None:
        self.received: list[Envelope] = []

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.startswith("gone@"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.received.append(envelope)
        return "250 OK"


@pytest.fixture
def relay() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = smtp.free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


def outbox_message(to: str) -> engagement.OutboxMessage:
    return engagement.OutboxMessage(
        id="01JS0000000000000000000001",
        tenant_id=fakes.TENANT,
        party_id=ids.PartyId("p-ana"),
        kind=engagement.NotificationKind.PAYMENT_RECEIVED,
        channel=customers.Channel.EMAIL,
        to=to,
        subject="Recibimos su pago",
        body="Hola Ana, recibimos su pago de $ 50.000,00.",
        language="es",
        created_at=NOW,
        next_attempt_at=NOW,
        dedupe_key="k",
    )


class TestSmtpNotifier:
    def test_delivers_a_message_to_a_loopback_relay(self, relay: tuple[Mailbox, int]) -> None:
        box, port = relay
        notifier = smtp.SmtpNotifier(
            host="127.0.0.1", port=port, sender="avisos@utility.example", domain="utility.example"
        )

        provider_id = notifier.send(outbox_message("ana@example.co"))

        (envelope,) = box.received
        assert envelope.rcpt_tos == ["ana@example.co"]
        assert envelope.mail_from == "avisos@utility.example"
        content = envelope.content
        assert isinstance(content, bytes)
        assert b"Subject: Recibimos su pago" in content
        assert provider_id == "<01JS0000000000000000000001@utility.example>"

    def test_a_refused_mailbox_is_a_permanent_failure(self, relay: tuple[Mailbox, int]) -> None:
        _, port = relay
        notifier = smtp.SmtpNotifier(
            host="127.0.0.1", port=port, sender="avisos@utility.example", domain="utility.example"
        )

        with pytest.raises(engagement.DeliveryFailed) as caught:
            notifier.send(outbox_message("gone@example.co"))

        assert caught.value.permanent

    def test_an_unreachable_relay_is_a_transient_failure(self) -> None:
        notifier = smtp.SmtpNotifier(
            host="127.0.0.1",
            port=smtp.free_port(),
            sender="avisos@utility.example",
            domain="utility.example",
            timeout=2,
        )

        with pytest.raises(engagement.DeliveryFailed) as caught:
            notifier.send(outbox_message("ana@example.co"))

        assert not caught.value.permanent

    def test_the_outbox_drains_through_the_relay(self, relay: tuple[Mailbox, int]) -> None:
        box, port = relay
        outbox = fakes.FakeOutbox()
        outbox.add(outbox_message("ana@example.co"))
        notifier = smtp.SmtpNotifier(
            host="127.0.0.1", port=port, sender="avisos@utility.example", domain="utility.example"
        )

        report = operations.drain_outbox(
            outbox=outbox, notifiers={customers.Channel.EMAIL: notifier}, as_at=NOW
        )

        assert report.sent == 1
        assert len(box.received) == 1


def env() -> ports.EngagementEnv:
    ana = fakes.person("p-ana")
    return ports.EngagementEnv(
        tenant_id=fakes.TENANT,
        actor_id="smtp",
        clock=fakes.FakeClock(NOW),
        ids=fakes.FakeIds(),
        directory=fakes.FakeDirectory(fakes.Customer(ana)),
        interactions=fakes.FakeInteractions(),
        cases=fakes.FakeCases(),
        rejected=fakes.FakeRejected(),
        calendar=engagement.colombia_calendar(years=(2026,)),
    )


@pytest.fixture
def receiver() -> Iterator[tuple[ports.EngagementEnv, int]]:
    world = env()
    port = smtp.free_port()

    def accept(data: bytes) -> object:
        return operations.accept_payload(
            env=world,
            channel=engagement.InteractionChannel.EMAIL,
            content_type="message/rfc822",
            body=data,
            parse=lambda b: (
                mail.parse_email(data=b, received_at=NOW, max_attachment_bytes=10_000),
            ),
        )

    with smtp.SmtpReceiver(accept=accept, host="127.0.0.1", port=port, data_size_limit=100_000):
        yield world, port


def email_from(sender: str, attachment: bytes | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "pqr@utility.example"
    msg["Subject"] = "No tengo agua"
    msg["Message-ID"] = "<m1@example.co>"
    msg.set_content("Desde ayer no hay agua en el barrio.")
    if attachment is not None:
        msg.add_attachment(attachment, maintype="image", subtype="jpeg", filename="foto.jpg")
    return msg


class TestSmtpReceiver:
    def test_logs_an_email_from_a_known_customer(
        self, receiver: tuple[ports.EngagementEnv, int]
    ) -> None:
        world, port = receiver

        with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
            client.send_message(email_from("Ana <ana@example.co>"))

        (interaction,) = world.interactions.for_party(fakes.TENANT, ids.PartyId("p-ana"))
        assert interaction.party_id == "p-ana"
        assert interaction.channel is engagement.InteractionChannel.EMAIL
        assert interaction.summary == "No tengo agua — Desde ayer no hay agua en el barrio."

    def test_refuses_an_oversized_attachment_and_keeps_it_for_review(
        self, receiver: tuple[ports.EngagementEnv, int]
    ) -> None:
        world, port = receiver

        with (
            smtplib.SMTP("127.0.0.1", port, timeout=5) as client,
            pytest.raises(smtplib.SMTPDataError) as caught,
        ):
            client.send_message(email_from("ana@example.co", attachment=b"\x00" * 20_000))

        assert caught.value.smtp_code == 552
        assert b"attachment_too_large" in caught.value.smtp_error
        (kept,) = world.rejected.list(fakes.TENANT)
        assert kept.error_code == "attachment_too_large"
        assert world.interactions.unmatched(fakes.TENANT) == []
