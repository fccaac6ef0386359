"""
Notifications: which channel may carry a message to a customer, its rendered text, and the
outbox's retry schedule.

Habeas data (Ley 1581 de 2012): a message goes only on a channel the customer consented to
for service messages; when none qualifies nothing is sent and the reason is recorded.
"""

from __future__ import annotations

import enum
import functools
import importlib.resources
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
import jinja2
import jinja2.sandbox
import yaml
from babel import dates as babel_dates
from babel import numbers as babel_numbers

from urbis.domain import customers
from urbis.kernel import errors, ids
from urbis.kernel.money import Money


class TemplateMissing(errors.NotFound):
    code = "notification_template_missing"


class TemplateFailed(errors.InvalidValue):
    code = "notification_template_failed"


class InvalidNotification(errors.InvalidValue):
    code = "invalid_notification"


class DeliveryFailed(Exception):
    """A notifier could not deliver; ``permanent`` failures are not retried."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class NotificationKind(enum.Enum):
    BILL_READY = "BILL_READY"
    PAYMENT_RECEIVED = "PAYMENT_RECEIVED"
    PAYMENT_REMINDER = "PAYMENT_REMINDER"
    SUSPENSION_NOTICE = "SUSPENSION_NOTICE"
    OUTAGE = "OUTAGE"
    CASE_UPDATED = "CASE_UPDATED"
    READING_RECEIVED = "READING_RECEIVED"


LANGUAGES = ("es", "en")
_LOCALES = {"es": "es_CO", "en": "en_US"}
_CONTACT_FOR: dict[customers.Channel, tuple[customers.ContactKind, ...]] = {
    customers.Channel.EMAIL: (customers.ContactKind.EMAIL,),
    customers.Channel.SMS: (customers.ContactKind.MOBILE,),
    customers.Channel.WHATSAPP: (customers.ContactKind.MOBILE,),
    customers.Channel.PHONE: (customers.ContactKind.PHONE, customers.ContactKind.MOBILE),
    customers.Channel.POSTAL: (customers.ContactKind.POSTAL,),
}


@attrs.frozen
class Preferences:
    """How a customer wants to hear from the utility: channels in order, language, opt-outs."""

    language: str = "es"
    channels: tuple[customers.Channel, ...] = (customers.Channel.EMAIL, customers.Channel.SMS)
    muted: frozenset[NotificationKind] = frozenset()

    def __attrs_post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise InvalidNotification(
                f"Language {self.language!r} is not one of {', '.join(LANGUAGES)}",
                details={"language": self.language},
            )


@attrs.frozen
class Delivery:
    channel: customers.Channel
    to: str


@attrs.frozen
class Suppressed:
    """A notification not sent, and why (kept as evidence that consent was respected)."""

    tenant_id: ids.TenantId
    party_id: ids.PartyId
    kind: NotificationKind
    at: datetime
    reasons: tuple[str, ...]


def choose_delivery(
    *, party: customers.Party, preferences: Preferences, kind: NotificationKind
) -> Delivery | tuple[str, ...]:
    """
    Pick the first preferred channel the customer consented to and has a contact for.

    Returns the delivery, or the reasons why no channel qualifies.
    """
    if kind in preferences.muted:
        return (f"{kind.value}: muted by the customer",)
    reasons: list[str] = []
    for channel in preferences.channels:
        if not party.consents_to(channel=channel, purpose=customers.ConsentPurpose.SERVICE):
            reasons.append(f"{channel.value}: no consent for service messages")
            continue
        contacts = [c for c in party.contacts if c.kind in _CONTACT_FOR[channel]]
        if not contacts:
            reasons.append(f"{channel.value}: no contact point")
            continue
        best = sorted(contacts, key=lambda c: not c.preferred)[0]
        return Delivery(channel=channel, to=best.value)
    return tuple(reasons) or ("no channel preferred",)


@attrs.frozen
class Template:
    subject: str
    body: str


@attrs.frozen
class TemplateSet:
    """Templates by (kind, channel, language)."""

    templates: Mapping[tuple[NotificationKind, customers.Channel, str], Template]

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> TemplateSet:
        """
        Build from ``{KIND: {CHANNEL: {lang: {subject, body}}}}`` (as in the shipped YAML).

        :raises InvalidNotification: if a kind, channel or language is unknown.
        """
        found: dict[tuple[NotificationKind, customers.Channel, str], Template] = {}
        try:
            for kind_name, by_channel in data.items():
                for channel_name, by_language in by_channel.items():
                    for language, text in by_language.items():
                        if language not in LANGUAGES:
                            raise ValueError(language)
                        key = (
                            NotificationKind(kind_name),
                            customers.Channel(channel_name),
                            language,
                        )
                        found[key] = Template(
                            subject=str(text.get("subject", "")), body=str(text["body"])
                        )
        except (ValueError, KeyError, AttributeError) as exc:
            raise InvalidNotification(f"Bad notification template set: {exc}") from None
        return cls(templates=found)


@functools.lru_cache(maxsize=len(LANGUAGES))
def _environment(language: str) -> jinja2.Environment:
    locale = _LOCALES[language]
    env = jinja2.sandbox.ImmutableSandboxedEnvironment(
        undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False
    )

    def money(value: Money) -> str:
        return babel_numbers.format_currency(value.amount, value.currency, locale=locale)

    def day(value: date) -> str:
        return babel_dates.format_date(value, format="long", locale=locale)

    def number(value: Decimal | int) -> str:
        return babel_numbers.format_decimal(value, locale=locale)

    env.filters.update(money=money, date=day, number=number)
    return env


@functools.lru_cache(maxsize=512)
def _compiled(language: str, source: str) -> jinja2.Template:
    return _environment(language).from_string(source)


@attrs.frozen
class Rendered:
    subject: str
    body: str


def render(
    *,
    templates: TemplateSet,
    kind: NotificationKind,
    channel: customers.Channel,
    language: str,
    values: Mapping[str, Any],
) -> Rendered:
    """
    Render one notification for a channel and language, money and dates by locale.

    :raises TemplateMissing: if there is no template for that kind, channel and language.
    :raises TemplateFailed: if the template needs a value that was not given.
    """
    template = templates.templates.get((kind, channel, language))
    if template is None:
        raise TemplateMissing(
            f"No {kind.value} template for {channel.value} in {language!r}",
            details={"kind": kind.value, "channel": channel.value, "language": language},
        )
    try:
        subject = _compiled(language, template.subject).render(values).strip()
        body = _compiled(language, template.body).render(values).strip()
    except jinja2.TemplateError as exc:
        raise TemplateFailed(
            f"{kind.value} template could not be rendered: {exc}", details={"kind": kind.value}
        ) from None
    return Rendered(subject=subject, body=body)


class OutboxStatus(enum.Enum):
    PENDING = "PENDING"
    SENT = "SENT"
    DEAD = "DEAD"  # given up: permanent failure or out of attempts


@attrs.frozen
class RetryPolicy:
    max_attempts: int = 6
    first_delay: timedelta = timedelta(minutes=1)
    factor: int = 4
    longest_delay: timedelta = timedelta(hours=6)

    def delay_after(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt: exponential, capped."""
        delay: timedelta = self.first_delay * int(self.factor ** max(attempts - 1, 0))
        return min(delay, self.longest_delay)


@attrs.frozen
class OutboxMessage:
    id: str
    tenant_id: ids.TenantId
    party_id: ids.PartyId
    kind: NotificationKind
    channel: customers.Channel
    to: str
    subject: str
    body: str
    language: str
    created_at: datetime
    next_attempt_at: datetime
    dedupe_key: str
    status: OutboxStatus = OutboxStatus.PENDING
    attempts: int = 0
    last_error: str = ""
    provider_id: str = ""
    sent_at: datetime | None = None


def after_success(*, message: OutboxMessage, at: datetime, provider_id: str) -> OutboxMessage:
    """Mark a message sent."""
    return attrs.evolve(
        message,
        status=OutboxStatus.SENT,
        attempts=message.attempts + 1,
        sent_at=at,
        provider_id=provider_id,
        last_error="",
    )


def after_failure(
    *,
    message: OutboxMessage,
    at: datetime,
    error: str,
    permanent: bool,
    policy: RetryPolicy = RetryPolicy(),
) -> OutboxMessage:
    """Schedule the next attempt after a failure, or give up when permanent or out of attempts."""
    attempts = message.attempts + 1
    if permanent or attempts >= policy.max_attempts:
        return attrs.evolve(message, status=OutboxStatus.DEAD, attempts=attempts, last_error=error)
    return attrs.evolve(
        message,
        attempts=attempts,
        last_error=error,
        next_attempt_at=at + policy.delay_after(attempts),
    )


def default_templates() -> TemplateSet:
    """The templates shipped with urbis (es, en; email, SMS, WhatsApp)."""
    text = (
        importlib.resources.files("urbis.domain.engagement")
        .joinpath("notification_templates.yaml")
        .read_text(encoding="utf-8")
    )
    return TemplateSet.from_mapping(yaml.safe_load(text))
