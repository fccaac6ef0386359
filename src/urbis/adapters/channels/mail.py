"""Reading inbound email (RFC 5322 / MIME) into an ``InboundMessage``."""

from __future__ import annotations

import email
import email.policy
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import parsedate_to_datetime

from urbis.domain import engagement
from urbis.kernel import errors

MAX_MESSAGE_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024


class AttachmentTooLarge(errors.InvalidValue):
    code = "attachment_too_large"
    status = 413


def _malformed(problem: str, **details: object) -> engagement.MalformedPayload:
    return engagement.MalformedPayload(
        f"email: {problem}", details={"provider": "email", **details}
    )


def parse_email(
    *,
    data: bytes,
    received_at: datetime,
    max_attachment_bytes: int = MAX_ATTACHMENT_BYTES,
) -> engagement.InboundMessage:
    """
    Read one email: sender, subject, date, plain-text body and attachments' names and sizes.

    :raises MalformedPayload: if it is too large or has no usable From address.
    :raises AttachmentTooLarge: if an attachment exceeds ``max_attachment_bytes``.
    """
    if len(data) > MAX_MESSAGE_BYTES:
        raise _malformed("message too large", size=len(data), limit=MAX_MESSAGE_BYTES)
    raw_text = data.decode("utf-8", errors="replace")
    message = email.message_from_bytes(data, policy=email.policy.default)
    if not isinstance(message, EmailMessage):  # pragma: no cover - policy.default guarantees it
        raise _malformed("not a MIME message")
    try:
        sender_header = message["From"]
        addresses: tuple[Address, ...] = sender_header.addresses if sender_header else ()
    except (AttributeError, ValueError, IndexError):
        addresses = ()
    if not addresses or "@" not in addresses[0].addr_spec:
        raise _malformed("no From address")
    sender = addresses[0]
    try:
        date_header = message["Date"]
        at = parsedate_to_datetime(str(date_header)) if date_header else received_at
        if at.tzinfo is None:
            at = received_at
    except (TypeError, ValueError):
        at = received_at
    attachments: list[engagement.Attachment] = []
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True)
        size = len(payload) if isinstance(payload, bytes) else 0
        name = part.get_filename() or "attachment"
        if size > max_attachment_bytes:
            raise AttachmentTooLarge(
                f"Attachment {name!r} has {size} bytes; the limit is {max_attachment_bytes}",
                details={"filename": name, "size": size, "limit": max_attachment_bytes},
            )
        attachments.append(
            engagement.Attachment(filename=name, content_type=part.get_content_type(), size=size)
        )
    body_part = message.get_body(preferencelist=("plain", "html"))
    text = ""
    if body_part is not None:
        try:
            text = str(body_part.get_content())
        except (LookupError, ValueError):
            text = ""
    to_header = message["To"]
    recipient = str(to_header.addresses[0].addr_spec) if to_header and to_header.addresses else ""
    return engagement.InboundMessage(
        channel=engagement.InteractionChannel.EMAIL,
        sender=sender.addr_spec.lower(),
        recipient=recipient.lower(),
        at=at,
        text=text.strip(),
        provider_id=str(message["Message-ID"] or ""),
        raw=engagement.RawPayload(content_type="message/rfc822", body=raw_text),
        subject=str(message["Subject"] or ""),
        sender_name=sender.display_name,
        attachments=tuple(attachments),
    )
