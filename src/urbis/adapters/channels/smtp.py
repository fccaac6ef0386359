"""
Email in and out over SMTP: a receiver that turns each inbound message into a call to the
application, and a notifier that sends outbox messages through a relay.
"""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from urbis.domain import customers, engagement
from urbis.kernel import errors

DEFAULT_DATA_SIZE_LIMIT = 12 * 1024 * 1024


class _Handler:
    def __init__(self, accept: Callable[[bytes], object]) -> None:
        self._accept = accept

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        content = envelope.original_content or envelope.content or b""
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        try:
            self._accept(data)
        except errors.DomainError as exc:
            status = "552 5.3.4" if exc.status == 413 else "550 5.6.0"
            return f"{status} {exc.code}: {exc.message}"
        return "250 2.0.0 Message accepted"


class SmtpReceiver:
    """
    An SMTP server for the utility's inbound mailboxes.

    ``accept`` gets each message's bytes (the application's ``accept_payload`` with the email
    reader, wired by bootstrap). A ``DomainError`` it raises becomes a 5xx reply carrying the
    error's code, so the sender learns why; anything the application keeps for review stays.
    """

    def __init__(
        self,
        *,
        accept: Callable[[bytes], object],
        host: str = "127.0.0.1",
        port: int = 2525,
        data_size_limit: int = DEFAULT_DATA_SIZE_LIMIT,
    ) -> None:
        self.host = host
        self.port = port
        self._controller = Controller(
            _Handler(accept), hostname=host, port=port, data_size_limit=data_size_limit
        )

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SmtpReceiver:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (for tests and local runs)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


class SmtpNotifier:
    """Sends email notifications through an SMTP relay; 5xx refusals are permanent failures."""

    channel = customers.Channel.EMAIL

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        domain: str,
        starttls: bool = False,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.domain = domain
        self.starttls = starttls
        self.username = username
        self.password = password
        self.timeout = timeout

    def build(self, message: engagement.OutboxMessage) -> EmailMessage:
        """The MIME message for one outbox message (its Message-ID derives from the outbox id)."""
        mime = EmailMessage()
        mime["From"] = self.sender
        mime["To"] = message.to
        mime["Subject"] = message.subject
        mime["Date"] = formatdate(message.created_at.timestamp(), usegmt=True)
        mime["Message-ID"] = f"<{message.id}@{self.domain}>"
        mime["Content-Language"] = message.language
        mime.set_content(message.body)
        return mime

    def send(self, message: engagement.OutboxMessage) -> str:
        """
        Send one message and return its Message-ID.

        :raises DeliveryFailed: permanent on a 5xx refusal, transient otherwise.
        """
        mime = self.build(message)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as client:
                if self.starttls:
                    client.starttls()
                if self.username is not None and self.password is not None:
                    client.login(self.username, self.password)
                client.send_message(mime)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise engagement.DeliveryFailed(
                f"recipient refused: {codes}", permanent=all(c >= 500 for c in codes)
            ) from None
        except smtplib.SMTPResponseException as exc:
            raise engagement.DeliveryFailed(
                f"{exc.smtp_code} {exc.smtp_error!r}", permanent=exc.smtp_code >= 500
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise engagement.DeliveryFailed(f"SMTP relay unreachable: {exc}") from None
        return str(mime["Message-ID"])
