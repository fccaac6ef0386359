"""
Readers of inbound webhook payloads from messaging and telephony providers.

Each reader turns the provider's documented payload into an ``InboundMessage`` or raises
``MalformedPayload`` (stable code ``malformed_payload``) naming what is wrong; the caller keeps
the raw payload for review either way.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from urbis.domain import engagement
from urbis.kernel import errors

MAX_BODY_BYTES = 256 * 1024


class InvalidWebhookSignature(errors.Forbidden):
    code = "invalid_webhook_signature"


def verify_twilio_signature(
    *, auth_token: str, url: str, body: bytes, signature: str | None
) -> None:
    """
    Check Twilio's ``X-Twilio-Signature`` on a form post: base64 HMAC-SHA1, keyed with the
    account's auth token, of the full webhook URL followed by each parameter's name and value
    sorted by name.

    :raises InvalidWebhookSignature: if the signature is missing or does not match.
    """
    pairs: Sequence[tuple[str, str]] = sorted(
        parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    )
    signed = url + "".join(k + v for k, v in pairs)
    digest = hmac.new(auth_token.encode(), signed.encode("utf-8"), hashlib.sha1).digest()
    expected = base64.b64encode(digest).decode("ascii")
    if not signature or not hmac.compare_digest(expected, signature.strip()):
        raise InvalidWebhookSignature("The Twilio signature does not match the request")


def verify_meta_signature(*, app_secret: str, body: bytes, signature: str | None) -> None:
    """
    Check the WhatsApp Cloud API's ``X-Hub-Signature-256``: ``sha256=`` and the hex
    HMAC-SHA256 of the raw body keyed with the app secret.

    :raises InvalidWebhookSignature: if the signature is missing or does not match.
    """
    expected = "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    if not signature or not hmac.compare_digest(expected, signature.strip()):
        raise InvalidWebhookSignature("The WhatsApp signature does not match the request")


def _malformed(provider: str, problem: str, **details: Any) -> engagement.MalformedPayload:
    return engagement.MalformedPayload(
        f"{provider} payload: {problem}", details={"provider": provider, **details}
    )


def _text(body: bytes, provider: str) -> str:
    if len(body) > MAX_BODY_BYTES:
        raise _malformed(provider, "too large", size=len(body), limit=MAX_BODY_BYTES)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise _malformed(provider, "not UTF-8 text") from None


def _phone(value: str, provider: str, field: str) -> str:
    try:
        return engagement.normalise_phone(value)
    except engagement.InvalidInteraction:
        raise _malformed(provider, f"{field} is not a phone number", field=field) from None


def parse_twilio_form(*, body: bytes, received_at: datetime) -> engagement.InboundMessage:
    """
    Read a Twilio Messaging webhook (form-encoded SMS or WhatsApp message).

    Twilio sends no timestamp, so the message is dated when it was received. A ``From`` that
    starts with ``whatsapp:`` is a WhatsApp message; otherwise SMS.

    :raises MalformedPayload: if a required field (From, To, MessageSid) is missing or bad.
    """
    text = _text(body, "twilio")
    fields = dict(parse_qsl(text, keep_blank_values=True))
    missing = [f for f in ("From", "To", "MessageSid") if not fields.get(f)]
    if missing:
        raise _malformed("twilio", f"missing {', '.join(missing)}", missing=missing)
    channel = (
        engagement.InteractionChannel.WHATSAPP
        if fields["From"].startswith("whatsapp:")
        else engagement.InteractionChannel.SMS
    )
    try:
        media = int(fields.get("NumMedia", "0") or "0")
    except ValueError:
        raise _malformed("twilio", "NumMedia is not a number") from None
    attachments = tuple(
        engagement.Attachment(
            filename=fields.get(f"MediaUrl{i}", ""),
            content_type=fields.get(f"MediaContentType{i}", "application/octet-stream"),
            size=0,
        )
        for i in range(media)
    )
    return engagement.InboundMessage(
        channel=channel,
        sender=_phone(fields["From"], "twilio", "From"),
        recipient=_phone(fields["To"], "twilio", "To"),
        at=received_at,
        text=fields.get("Body", ""),
        provider_id=fields["MessageSid"],
        raw=engagement.RawPayload(content_type="application/x-www-form-urlencoded", body=text),
        sender_name=fields.get("ProfileName", ""),
        attachments=attachments,
    )


def _get(obj: Any, key: str, provider: str, where: str) -> Any:
    if not isinstance(obj, Mapping) or key not in obj:
        raise _malformed(provider, f"{where}.{key} is missing", field=f"{where}.{key}")
    return obj[key]


def parse_meta_whatsapp(*, body: bytes) -> tuple[engagement.InboundMessage, ...]:
    """
    Read a WhatsApp Cloud API webhook (``whatsapp_business_account`` notification).

    One notification may carry several messages; status updates carry none and give ``()``.

    :raises MalformedPayload: if the JSON or its structure is not the documented one.
    """
    text = _text(body, "meta_whatsapp")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _malformed("meta_whatsapp", f"not JSON ({exc.msg})") from None
    if _get(doc, "object", "meta_whatsapp", "$") != "whatsapp_business_account":
        raise _malformed("meta_whatsapp", "object is not whatsapp_business_account")
    raw = engagement.RawPayload(content_type="application/json", body=text)
    messages: list[engagement.InboundMessage] = []
    entries = _get(doc, "entry", "meta_whatsapp", "$")
    if not isinstance(entries, list):
        raise _malformed("meta_whatsapp", "entry is not a list")
    for entry in entries:
        for change in _get(entry, "changes", "meta_whatsapp", "entry") or ():
            value = _get(change, "value", "meta_whatsapp", "changes")
            metadata = value.get("metadata", {}) if isinstance(value, Mapping) else {}
            names = {
                c.get("wa_id"): c.get("profile", {}).get("name", "")
                for c in value.get("contacts", ())
                if isinstance(c, Mapping)
            }
            for msg in value.get("messages", ()):
                sender = str(_get(msg, "from", "meta_whatsapp", "messages"))
                kind = msg.get("type", "text")
                try:
                    at = datetime.fromtimestamp(
                        int(_get(msg, "timestamp", "meta_whatsapp", "messages")), tz=UTC
                    )
                except (TypeError, ValueError):
                    raise _malformed("meta_whatsapp", "timestamp is not epoch seconds") from None
                if kind == "text":
                    content = str(_get(msg.get("text"), "body", "meta_whatsapp", "text"))
                else:
                    part = msg.get(kind, {})
                    content = (
                        f"[{kind}] {part.get('caption', '') if isinstance(part, Mapping) else ''}"
                    )
                messages.append(
                    engagement.InboundMessage(
                        channel=engagement.InteractionChannel.WHATSAPP,
                        sender=_phone("+" + sender.lstrip("+"), "meta_whatsapp", "from"),
                        recipient=str(metadata.get("display_phone_number", "")),
                        at=at,
                        text=content.strip(),
                        provider_id=str(_get(msg, "id", "meta_whatsapp", "messages")),
                        raw=raw,
                        sender_name=str(names.get(sender, "")),
                    )
                )
    return tuple(messages)


CTI_EVENTS = ("ringing", "answered", "ended", "missed")


def parse_cti_event(*, body: bytes) -> engagement.InboundMessage:
    """
    Read a call event from a telephony (CTI) system in urbis's generic JSON shape.

    ``{"call_id": "...", "event": "ringing|answered|ended|missed", "from": "+57...",
    "to": "...", "at": "ISO 8601 with offset", "agent": "...", "duration_seconds": 42}``

    :raises MalformedPayload: if a field is missing, the event unknown or the instant naive.
    """
    text = _text(body, "cti")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _malformed("cti", f"not JSON ({exc.msg})") from None
    for field in ("call_id", "event", "from", "at"):
        _get(doc, field, "cti", "$")
    event = str(doc["event"])
    if event not in CTI_EVENTS:
        raise _malformed("cti", f"unknown event {event!r}", event=event)
    try:
        at = datetime.fromisoformat(str(doc["at"]))
    except ValueError:
        raise _malformed("cti", "at is not an ISO 8601 instant") from None
    if at.tzinfo is None:
        raise _malformed("cti", "at has no UTC offset")
    duration = doc.get("duration_seconds")
    summary = f"Call {event}" + (f", {int(duration)} s" if isinstance(duration, int) else "")
    return engagement.InboundMessage(
        channel=engagement.InteractionChannel.PHONE,
        sender=_phone(str(doc["from"]), "cti", "from"),
        recipient=str(doc.get("to", "")),
        at=at.astimezone(UTC),
        text=summary,
        provider_id=str(doc["call_id"]),
        raw=engagement.RawPayload(content_type="application/json", body=text),
        event=event,
    )
