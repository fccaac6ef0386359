"""
SMS and WhatsApp out: notifiers that send outbox messages through a messaging provider's REST
API, in the two shapes most providers and gateways speak (ADR 0049):

- the Messages resource of Twilio's REST API (form-encoded ``To``, ``From``, ``Body`` with HTTP
  basic auth; a ``whatsapp:`` prefix on both numbers sends on WhatsApp), and
- the WhatsApp Business Cloud API (JSON ``messaging_product: whatsapp`` to
  ``/{phone-number-id}/messages`` with a bearer token).

The standard library's HTTP client is enough for one request per message. A 4xx refusal
(bad number, unsubscribed, outside WhatsApp's customer service window) is permanent: the
message is not retried; 429, 5xx and network failures are transient and retried by the
outbox with backoff.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from urbis.domain import customers, engagement

_NOT_DIGITS = re.compile(r"[^\d]")


def e164(number: str, *, default_country: str | None) -> str:
    """
    A phone number in E.164 form (``+`` and digits): separators are dropped; a number written
    without its country code gets ``default_country``.

    :raises DeliveryFailed: (permanent) when the number has no digits, or no country code and
        no default.
    """
    text = number.strip()
    if text.startswith("whatsapp:"):
        text = text.removeprefix("whatsapp:")
    digits = _NOT_DIGITS.sub("", text)
    if not digits:
        raise engagement.DeliveryFailed(f"not a phone number: {number!r}", permanent=True)
    if text.startswith("+"):
        return f"+{digits}"
    if text.startswith("00"):
        return f"+{digits[2:]}"
    if default_country is None:
        raise engagement.DeliveryFailed(
            f"phone number {number!r} has no country code and none is configured",
            permanent=True,
        )
    return f"+{_NOT_DIGITS.sub('', default_country)}{digits}"


def _post(
    url: str,
    *,
    data: bytes,
    content_type: str,
    authorization: str,
    timeout: float,
    provider: str,
) -> dict[str, Any]:
    """POST to a provider; its JSON answer, or ``DeliveryFailed`` (4xx permanent, else not)."""
    request = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={
            "Authorization": authorization,
            "Content-Type": content_type,
            "Accept": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:500].decode("utf-8", "replace")
        transient = exc.code == 429 or exc.code >= 500
        raise engagement.DeliveryFailed(
            f"{provider} refused the message: HTTP {exc.code} {detail}", permanent=not transient
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        raise engagement.DeliveryFailed(f"{provider} unreachable: {exc}") from None
    try:
        found = json.loads(payload or b"{}")
    except ValueError:
        raise engagement.DeliveryFailed(f"{provider} answered with something not JSON") from None
    if not isinstance(found, dict):
        raise engagement.DeliveryFailed(f"{provider} answered with something not an object")
    return found


class TwilioMessagesNotifier:
    """Sends SMS (or WhatsApp, with ``whatsapp=True``) through Twilio's Messages resource."""

    def __init__(
        self,
        *,
        base_url: str,
        account_sid: str,
        auth_token: str,
        sender: str,
        whatsapp: bool = False,
        default_country: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.channel = customers.Channel.WHATSAPP if whatsapp else customers.Channel.SMS
        self.url = (
            f"{base_url.rstrip('/')}/2010-04-01/Accounts/"
            f"{urllib.parse.quote(account_sid, safe='')}/Messages.json"
        )
        token = base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode("ascii")
        self._authorization = f"Basic {token}"
        self.sender = sender
        self.whatsapp = whatsapp
        self.default_country = default_country
        self.timeout = timeout

    def _address(self, number: str) -> str:
        address = e164(number, default_country=self.default_country)
        return f"whatsapp:{address}" if self.whatsapp else address

    def send(self, message: engagement.OutboxMessage) -> str:
        """Send one message and return the provider's message SID."""
        form = {
            "To": self._address(message.to),
            "From": self._address(self.sender),
            "Body": message.body,
        }
        found = _post(
            self.url,
            data=urllib.parse.urlencode(form).encode("utf-8"),
            content_type="application/x-www-form-urlencoded",
            authorization=self._authorization,
            timeout=self.timeout,
            provider="Twilio",
        )
        sid = found.get("sid")
        if not isinstance(sid, str) or not sid:
            raise engagement.DeliveryFailed("Twilio's answer has no message sid")
        return sid


class WhatsAppCloudNotifier:
    """Sends WhatsApp text messages through the WhatsApp Business Cloud API."""

    channel = customers.Channel.WHATSAPP

    def __init__(
        self,
        *,
        base_url: str,
        phone_number_id: str,
        access_token: str,
        default_country: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.url = f"{base_url.rstrip('/')}/{urllib.parse.quote(phone_number_id, safe='')}/messages"
        self._authorization = f"Bearer {access_token}"
        self.default_country = default_country
        self.timeout = timeout

    def send(self, message: engagement.OutboxMessage) -> str:
        """Send one message and return the provider's message id (``wamid...``)."""
        to = e164(message.to, default_country=self.default_country).removeprefix("+")
        body = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": "text",
            "text": {"preview_url": False, "body": message.body},
        }
        found = _post(
            self.url,
            data=json.dumps(body).encode("utf-8"),
            content_type="application/json",
            authorization=self._authorization,
            timeout=self.timeout,
            provider="WhatsApp Cloud API",
        )
        messages = found.get("messages")
        if not isinstance(messages, list) or not messages or not isinstance(messages[0], dict):
            raise engagement.DeliveryFailed("the WhatsApp Cloud API's answer names no message")
        message_id = messages[0].get("id")
        if not isinstance(message_id, str) or not message_id:
            raise engagement.DeliveryFailed("the WhatsApp Cloud API's answer has no message id")
        return message_id
