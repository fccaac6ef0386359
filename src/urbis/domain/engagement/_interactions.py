"""Interactions on every channel, how they are matched to a customer, and the timeline."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import NewType

import attrs

from urbis.domain.engagement._cases import Case
from urbis.kernel import errors, ids

InteractionId = NewType("InteractionId", str)


class InvalidInteraction(errors.InvalidValue):
    code = "invalid_interaction"


class MalformedPayload(errors.InvalidValue):
    """A provider's payload that cannot be read; the raw payload is kept for review."""

    code = "malformed_payload"


class UnknownSender(errors.NotFound):
    code = "unknown_sender"


class InteractionChannel(enum.Enum):
    EMAIL = "EMAIL"
    SMS = "SMS"
    WHATSAPP = "WHATSAPP"
    WEB_CHAT = "WEB_CHAT"
    PHONE = "PHONE"
    WALK_IN = "WALK_IN"
    PORTAL = "PORTAL"


class Direction(enum.Enum):
    INBOUND = "INBOUND"
    OUTBOUND = "OUTBOUND"


class MatchKey(enum.Enum):
    PHONE = "PHONE"
    EMAIL = "EMAIL"
    ACCOUNT_NUMBER = "ACCOUNT_NUMBER"
    DOCUMENT = "DOCUMENT"
    AGENT = "AGENT"  # matched by hand from the queue


@attrs.frozen
class RawPayload:
    """What the provider sent, byte for byte (as text), with its content type."""

    content_type: str
    body: str


@attrs.frozen
class Attachment:
    filename: str
    content_type: str
    size: int


@attrs.frozen
class InboundMessage:
    """A message read from a provider's payload, before it is matched to anyone."""

    channel: InteractionChannel
    sender: str  # phone in E.164 or an email address
    recipient: str
    at: datetime
    text: str
    provider_id: str
    raw: RawPayload
    subject: str = ""
    sender_name: str = ""
    attachments: tuple[Attachment, ...] = ()
    event: str = ""  # for calls: ringing, answered, ended


@attrs.frozen
class Match:
    party_id: ids.PartyId
    account_id: ids.AccountId | None
    key: MatchKey


@attrs.frozen
class Interaction:
    id: InteractionId
    tenant_id: ids.TenantId
    channel: InteractionChannel
    direction: Direction
    at: datetime
    summary: str
    raw: RawPayload | None = None
    sender: str = ""
    party_id: ids.PartyId | None = None
    account_id: ids.AccountId | None = None
    matched_by: MatchKey | None = None
    provider_id: str = ""
    case_id: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise InvalidInteraction("Interaction instants must be timezone-aware")

    @property
    def is_matched(self) -> bool:
        return self.party_id is not None


_PHONE_DIGITS = re.compile(r"\D")


def normalise_phone(value: str, *, default_country_code: str = "57") -> str:
    """
    Bring a phone number to E.164 (``+573001234567``), assuming a national number's country.

    :raises InvalidInteraction: if it does not have 7 to 15 digits.
    """
    text = value.strip().removeprefix("whatsapp:").removeprefix("tel:")
    digits = _PHONE_DIGITS.sub("", text)
    if not 7 <= len(digits) <= 15:
        raise InvalidInteraction(f"{value!r} is not a phone number", details={"value": value})
    if text.startswith("+") or text.startswith("00"):
        return "+" + digits.removeprefix("00")
    if len(digits) == 10 and digits.startswith(("3", "60")):
        # a Colombian mobile (3xx) or landline (60x, since 2021) without its country code
        return "+" + default_country_code + digits
    return "+" + digits


_ACCOUNT_IN_TEXT = re.compile(r"\b(?:cuenta|contrato|account)\D{0,5}(\d{5,20})\b", re.IGNORECASE)
_DOCUMENT_IN_TEXT = re.compile(r"\b(?:c\.?c\.?|c[ée]dula|nit|document)\D{0,5}(\d{5,12})", re.I)


def match_hints(text: str) -> tuple[tuple[MatchKey, str], ...]:
    """Find an account number or identity document the customer quoted in a message."""
    hints: list[tuple[MatchKey, str]] = []
    hints.extend((MatchKey.ACCOUNT_NUMBER, m) for m in _ACCOUNT_IN_TEXT.findall(text))
    hints.extend((MatchKey.DOCUMENT, m) for m in _DOCUMENT_IN_TEXT.findall(text))
    return tuple(hints)


def summarise(text: str, *, limit: int = 280) -> str:
    """One line of at most ``limit`` characters telling what the message says."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


class TimelineKind(enum.Enum):
    INTERACTION = "INTERACTION"
    CASE = "CASE"


class TimelineFact(enum.Enum):
    """What a line of the timeline tells, so that each screen can say it in its own language."""

    MESSAGE = "MESSAGE"  # what the customer or the agent said, in their own words
    CALL = "CALL"  # a telephony event: ringing, answered, ended or missed, with its duration
    PAYMENT_PROMISE = "PAYMENT_PROMISE"  # a promise to pay an amount by a date
    CASE_EVENT = "CASE_EVENT"  # a case filed, answered, appealed, escalated, closed ...


@attrs.frozen
class TimelineEntry:
    """
    One line of the customer's timeline as facts, not sentences: the screens put them in words
    (``title`` is a plain-text rendering for logs and the API).
    """

    at: datetime
    kind: TimelineKind
    channel: str
    title: str
    ref: str
    fact: TimelineFact = TimelineFact.MESSAGE
    direction: str = ""  # INBOUND or OUTBOUND, for interactions
    summary: str = ""  # the interaction's own words (or a case event's note)
    call_event: str = ""  # ringing, answered, ended, missed
    call_seconds: int | None = None
    promise_amount: Decimal | None = None
    promise_currency: str = ""
    promise_date: date | None = None
    promise_note: str = ""
    case_number: str = ""
    case_kind: str = ""  # the case's kind (PETITION, CLAIM, ...)
    case_action: str = ""  # filed, in_progress, answered, closed, appealed, escalated
    case_subject: str = ""


# How the telephony adapter and collections word the interactions they log (the stored summary)
_CALL_LINE = re.compile(r"Call (ringing|answered|ended|missed)(?:, (\d+) s)?")
_PROMISE_LINE = re.compile(
    r"Promesa de pago: (-?\d+(?:\.\d+)?) ([A-Z]{3}) a más tardar el (\d{4}-\d{2}-\d{2})"
    r"(?: \((.*)\))?",
    re.DOTALL,
)


def interaction_entry(interaction: Interaction) -> TimelineEntry:
    """The timeline line of one interaction, with the facts its summary records."""
    entry = TimelineEntry(
        at=interaction.at,
        kind=TimelineKind.INTERACTION,
        channel=interaction.channel.value,
        title=f"{interaction.direction.value.lower()}: {interaction.summary}",
        ref=interaction.id,
        direction=interaction.direction.value,
        summary=interaction.summary,
    )
    call = _CALL_LINE.fullmatch(interaction.summary)
    if call is not None and interaction.channel is InteractionChannel.PHONE:
        return attrs.evolve(
            entry,
            fact=TimelineFact.CALL,
            call_event=call.group(1),
            call_seconds=None if call.group(2) is None else int(call.group(2)),
        )
    promise = _PROMISE_LINE.fullmatch(interaction.summary)
    if promise is not None:
        try:
            promised = date.fromisoformat(promise.group(3))
        except ValueError:
            return entry
        return attrs.evolve(
            entry,
            fact=TimelineFact.PAYMENT_PROMISE,
            promise_amount=Decimal(promise.group(1)),
            promise_currency=promise.group(2),
            promise_date=promised,
            promise_note=promise.group(4) or "",
        )
    return entry


def timeline(
    *, interactions: Iterable[Interaction], cases: Iterable[Case]
) -> tuple[TimelineEntry, ...]:
    """Merge every interaction and every case event into one list, newest first."""
    entries = [interaction_entry(i) for i in interactions]
    entries.extend(
        TimelineEntry(
            at=e.at,
            kind=TimelineKind.CASE,
            channel=c.channel,
            title=f"{c.number} {e.action}" + (f": {e.note}" if e.note else ""),
            ref=c.id,
            fact=TimelineFact.CASE_EVENT,
            summary=e.note,
            case_number=c.number,
            case_kind=c.kind.value,
            case_action=e.action,
            case_subject=c.subject,
        )
        for c in cases
        for e in c.events
    )
    return tuple(sorted(entries, key=lambda e: (e.at, e.kind.value, e.ref), reverse=True))
