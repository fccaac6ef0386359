"""
Writes of the customer portal: send a reading with a photo, report a problem, set notification
preferences and consents, pay. Every one acts only on the signed-in customer's own accounts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import polars as pl

from urbis.application import ports as shared_ports
from urbis.application._support import snapshot
from urbis.application.accounts import queries as account_queries
from urbis.application.consumption import queries as consumption
from urbis.application.customers import operations as customer_ops
from urbis.application.engagement import operations as engagement_ops
from urbis.application.metering import operations as metering_ops
from urbis.application.portal import ports
from urbis.domain import customers, engagement, identity, portal, premises
from urbis.kernel import errors, ids
from urbis.kernel.money import Money


class CustomersOnly(errors.Forbidden):
    code = "customers_only"


class MeterNotOnAccount(errors.NotFound):
    code = "meter_not_on_account"


class IdempotencyKeyReused(errors.Conflict):
    code = "idempotency_key_reused"


class InvalidIdempotencyKey(errors.InvalidValue):
    code = "invalid_idempotency_key"


class InvalidProblem(errors.InvalidValue):
    code = "invalid_problem_report"


UNITS = consumption.UNITS
PROBLEM_KINDS = (
    engagement.CaseKind.PETITION,
    engagement.CaseKind.COMPLAINT,
    engagement.CaseKind.CLAIM,
)


def signed_in_customer(penv: ports.PortalEnv) -> identity.Actor:
    actor = penv.env.actor
    if not actor.is_customer or actor.party_id is None:
        raise CustomersOnly("Only a signed-in customer uses the portal")
    return actor


def own_account(*, penv: ports.PortalEnv, account_id: ids.AccountId) -> account_queries.AccountView:
    """
    The customer's own account (another customer's account is not found, never forbidden).

    :raises CustomersOnly: if the actor is not a customer.
    :raises NotFound: if the account is not the customer's.
    """
    signed_in_customer(penv)
    return account_queries.account_view(env=penv.env, account_id=account_id)


def meter_on_account(
    *, view: account_queries.AccountView, serial: str
) -> tuple[premises.Meter, premises.Service]:
    """
    A meter installed on one of the account's services, by serial.

    :raises MeterNotOnAccount: if no service of the account has that meter.
    """
    wanted = serial.strip().upper()
    for service in view.services:
        for meter, _installation in service.meters:
            if meter.serial.upper() == wanted:
                return meter, service.service_point.service
    raise MeterNotOnAccount(
        f"Meter {serial!r} is not on account {view.account.number}",
        details={"meter": serial, "account": view.account.number},
    )


def _audit(
    penv: ports.PortalEnv,
    *,
    entity: str,
    entity_id: str,
    action: str,
    before: Any = None,
    after: Any = None,
) -> None:
    env = penv.env
    penv.audit.record(
        shared_ports.AuditEntry(
            id=env.ids.new_id(),
            tenant_id=env.actor.tenant_id,
            actor_id=env.actor.user_id,
            at=env.clock.now(),
            entity=entity,
            entity_id=entity_id,
            action=action,
            before=None if before is None else _picture(before),
            after=None if after is None else _picture(after),
        )
    )


def _picture(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else snapshot(value)


_STATUS_WORDS = {
    engagement.CaseStatus.OPEN: {"es": "radicada", "en": "filed"},
    engagement.CaseStatus.IN_PROGRESS: {"es": "en trámite", "en": "in progress"},
    engagement.CaseStatus.ANSWERED: {"es": "respondida", "en": "answered"},
    engagement.CaseStatus.CLOSED: {"es": "cerrada", "en": "closed"},
}


def notify_customer(
    *,
    notifications: engagement_ops.NotifyEnv,
    preferences: ports.PreferenceRepository,
    party_id: ids.PartyId,
    kind: engagement.NotificationKind,
    values: Mapping[str, Any],
    dedupe_key: str,
) -> engagement.OutboxMessage | engagement.Suppressed:
    """
    Queue a notification in the caller's transaction, as the customer's preferences and
    consents allow. A template that cannot serve the chosen channel is recorded as a reason not
    to send, never a reason to undo what caused the notification.

    :raises NotFound: if the customer is not in the directory.
    """
    chosen = preferences.get(notifications.tenant_id, party_id) or engagement.Preferences()
    try:
        return engagement_ops.notify(
            env=notifications,
            party_id=party_id,
            kind=kind,
            values=values,
            preferences=chosen,
            dedupe_key=f"{kind.value}:{dedupe_key}",
        )
    except (engagement.TemplateMissing, engagement.TemplateFailed) as exc:
        suppressed = engagement.Suppressed(
            tenant_id=notifications.tenant_id,
            party_id=party_id,
            kind=kind,
            at=notifications.clock.now(),
            reasons=(f"{exc.code}: {exc.message}",),
        )
        notifications.suppressions.record(suppressed)
        return suppressed


def notify_case_changed(
    *,
    notifications: engagement_ops.NotifyEnv,
    preferences: ports.PreferenceRepository,
    calendar: engagement.BusinessCalendar,
    case: engagement.Case,
) -> engagement.OutboxMessage | engagement.Suppressed | None:
    """
    Tell the customer a case of theirs was filed or changed status (CASE_UPDATED), once per
    case and status; a case with no customer notifies no one.

    :raises NotFound: if the case's customer is not in the directory.
    """
    if case.party_id is None:
        return None
    language = (
        preferences.get(notifications.tenant_id, case.party_id) or engagement.Preferences()
    ).language
    return notify_customer(
        notifications=notifications,
        preferences=preferences,
        party_id=case.party_id,
        kind=engagement.NotificationKind.CASE_UPDATED,
        values={
            "case_number": case.number,
            "status": _STATUS_WORDS[case.status][language],
            # the deadline is the first instant after the last day to answer
            "deadline": calendar.local_date(case.deadline) - timedelta(days=1),
        },
        dedupe_key=f"{case.id}:{case.status.value}{_round(case)}",
    )


def _round(case: engagement.Case) -> str:
    """Which hearing of the case this is: the first has no mark, each recurso adds one."""
    appeals = sum(1 for e in case.events if e.action == "appealed")
    return f":{appeals}" if appeals else ""


def _notify(
    penv: ports.PortalEnv,
    *,
    party_id: ids.PartyId,
    kind: engagement.NotificationKind,
    values: Mapping[str, Any],
    dedupe_key: str,
) -> None:
    notify_customer(
        notifications=penv.notifications,
        preferences=penv.preferences,
        party_id=party_id,
        kind=kind,
        values=values,
        dedupe_key=dedupe_key,
    )


def send_reading(
    *,
    penv: ports.PortalEnv,
    account_id: ids.AccountId,
    meter: str,
    value: float,
    read_at: datetime,
    photo: portal.Photo | None = None,
    register: str = "1",
) -> metering_ops.IngestResult:
    """
    Register a reading the customer took of their own meter (read type CUSTOMER), with the
    photo of the dial kept as evidence, and log it on their timeline.

    :raises NotFound: if the account is not the customer's.
    :raises MeterNotOnAccount: if the meter is not on that account.
    :raises InvalidReading: if the value is negative or the instant in the future or too old.
    :raises PhotoTooLarge: if the photo is over the limit.
    :raises PhotoTypeNotAllowed: if the photo is not a JPEG, PNG or WebP image.
    """
    actor = signed_in_customer(penv)
    assert actor.party_id is not None
    now = penv.env.clock.now()
    portal.check_reading(value=value, read_at=read_at, as_at=now)
    checked = None if photo is None else portal.check_photo(photo=photo)
    view = own_account(penv=penv, account_id=account_id)
    found, service = meter_on_account(view=view, serial=meter)
    unit = UNITS.get(service, "kWh")
    if checked is not None:
        kept = ports.ReadingPhoto(
            id=penv.env.ids.new_id(),
            tenant_id=actor.tenant_id,
            party_id=actor.party_id,
            meter=found.serial,
            register=register,
            read_at=read_at,
            photo=checked,
            received_at=now,
        )
        penv.photos.add(kept)
    summary = {
        "meter": found.serial,
        "register": register,
        "read_at": read_at.isoformat(),
        "value": str(value),
        "unit": unit,
        "read_type": "CUSTOMER",
        "photo_bytes": 0 if checked is None else len(checked.data),
    }
    _audit(
        penv, entity="register_read", entity_id=found.serial, action="customer_read", after=summary
    )
    engagement_ops.record_interaction(
        env=penv.engagement,
        channel=engagement.InteractionChannel.PORTAL,
        direction=engagement.Direction.INBOUND,
        summary=f"Lectura enviada por el portal: {found.serial} = {value} {unit}"
        + (" (con foto)" if checked is not None else ""),
        party_id=actor.party_id,
        account_id=view.account.id,
    )
    _notify(
        penv,
        party_id=actor.party_id,
        kind=engagement.NotificationKind.READING_RECEIVED,
        values={
            "meter": found.serial,
            "value": Decimal(str(value)),
            "unit": unit,
            "read_on": penv.engagement.calendar.local_date(read_at),
        },
        dedupe_key=f"{found.serial}:{register}:{read_at.isoformat()}",
    )
    frame = pl.DataFrame(
        {
            "meter": [found.serial],
            "register": [register],
            "read_at": [read_at],
            "value": [float(value)],
            "unit": [unit],
            "read_type": ["CUSTOMER"],
        }
    ).with_columns(pl.col("read_at").dt.convert_time_zone("UTC"))
    # the Parquet store is written last, so a refusal above leaves no read behind
    return metering_ops.ingest_register_reads(
        frame=frame, source="portal", directory=penv.meters, store=penv.registers, as_at=now
    )


def report_problem(
    *,
    penv: ports.PortalEnv,
    account_id: ids.AccountId,
    kind: engagement.CaseKind,
    subject: str,
    description: str,
) -> engagement.Case:
    """
    File a problem the customer reports as a case (PQR) with its legal deadline.

    :raises NotFound: if the account is not the customer's.
    :raises InvalidProblem: if the kind is a recurso or the description is empty.
    :raises InvalidCase: if the subject is empty or too long.
    """
    actor = signed_in_customer(penv)
    if kind not in PROBLEM_KINDS:
        raise InvalidProblem(
            "From the portal a customer files a petición, queja or reclamo",
            details={"kind": kind.value},
        )
    if not description.strip():
        raise InvalidProblem("Tell us what happened")
    view = own_account(penv=penv, account_id=account_id)
    case = engagement_ops.open_case(
        env=penv.engagement,
        kind=kind,
        subject=subject,
        description=description,
        party_id=actor.party_id,
        account_id=view.account.id,
        channel=engagement.InteractionChannel.PORTAL,
    )
    notify_case_changed(
        notifications=penv.notifications,
        preferences=penv.preferences,
        calendar=penv.engagement.calendar,
        case=case,
    )
    _audit(
        penv,
        entity="case",
        entity_id=case.id,
        action="open",
        after={"number": case.number, "kind": kind.value, "subject": case.subject},
    )
    return case


class CaseNotFound(errors.NotFound):
    code = "case_not_found"


def own_case(*, penv: ports.PortalEnv, case_id: engagement.CaseId) -> engagement.Case:
    """
    One of the signed-in customer's cases (another customer's case is not found).

    :raises CustomersOnly: if the actor is not a customer.
    :raises CaseNotFound: if the case does not exist or is not the customer's.
    """
    actor = signed_in_customer(penv)
    case = penv.engagement.cases.get(actor.tenant_id, case_id)
    if case is None or case.party_id != actor.party_id:
        raise CaseNotFound("No such case of yours", details={"case_id": case_id})
    return case


def appeal_case(
    *,
    penv: ports.PortalEnv,
    case_id: engagement.CaseId,
    kind: engagement.CaseKind,
    reason: str,
) -> engagement.Case:
    """
    File a recurso (reposición or apelación) against the answer to one of the customer's cases:
    the case reopens with a new legal deadline and the customer is told it was filed.

    :raises CaseNotFound: if the case is not the customer's.
    :raises InvalidCase: if ``kind`` is not a recurso or the reason is empty.
    :raises CaseTransitionNotAllowed: if the case has not been answered.
    :raises AppealOutOfTime: if more than the appeal window's business days have passed.
    """
    before = own_case(penv=penv, case_id=case_id)
    case = engagement_ops.appeal_case(
        env=penv.engagement, case_id=before.id, kind=kind, reason=reason
    )
    notify_case_changed(
        notifications=penv.notifications,
        preferences=penv.preferences,
        calendar=penv.engagement.calendar,
        case=case,
    )
    _audit(
        penv,
        entity="case",
        entity_id=case.id,
        action="appeal",
        after={"number": case.number, "kind": kind.value, "reason": reason.strip()},
    )
    return case


def save_preferences(
    *,
    penv: ports.PortalEnv,
    language: str,
    channels: Sequence[customers.Channel],
    muted: Sequence[engagement.NotificationKind] = (),
) -> engagement.Preferences:
    """
    Set how the customer wants to hear from the utility: language, channels in order, opt-outs.

    :raises InvalidNotification: if the language is not offered or no channel is chosen.
    """
    actor = signed_in_customer(penv)
    assert actor.party_id is not None
    if not channels:
        raise engagement.InvalidNotification("Choose at least one channel")
    after = engagement.Preferences(
        language=language, channels=tuple(dict.fromkeys(channels)), muted=frozenset(muted)
    )
    before = penv.preferences.get(actor.tenant_id, actor.party_id)
    penv.preferences.save(actor.tenant_id, actor.party_id, after, penv.env.clock.now())
    _audit(
        penv,
        entity="notification_preferences",
        entity_id=actor.party_id,
        action="update",
        before=before,
        after=after,
    )
    return after


def decide_consents(
    *,
    penv: ports.PortalEnv,
    decisions: Mapping[tuple[customers.Channel, customers.ConsentPurpose], bool],
) -> customers.Party:
    """
    Record each consent the customer changed (habeas data: every decision is kept, dated, with
    its source ``portal``); unchanged ones record nothing.

    :raises NotFound: if the customer's party is gone.
    """
    actor = signed_in_customer(penv)
    assert actor.party_id is not None
    party = penv.engagement.directory.party(actor.tenant_id, actor.party_id)
    if party is None:
        raise errors.NotFound("No party", details={"what": "party", "key": actor.party_id})
    for (channel, purpose), granted in decisions.items():
        if party.consents_to(channel=channel, purpose=purpose) == granted:
            continue
        party = customer_ops.record_consent(
            env=penv.env,
            party_id=actor.party_id,
            channel=channel,
            purpose=purpose,
            granted=granted,
            source="portal",
        )
    return party


def pay(
    *,
    penv: ports.PortalEnv,
    account_id: ids.AccountId,
    amount: str,
    card_number: str,
    idempotency_key: str,
) -> portal.Charge:
    """
    Charge the customer's card for an account and, when approved, hand the payment to
    ``record_payment``. A retried request (same idempotency key) charges nothing twice and
    answers the first outcome. Only the card's last four digits are kept.

    :raises NotFound: if the account is not the customer's.
    :raises InvalidIdempotencyKey: if the key is empty or longer than 100 characters.
    :raises IdempotencyKeyReused: if the key was used for another account or amount.
    :raises InvalidAmount: if the amount is not a positive number of the currency.
    :raises AmountNotInMinorUnits: if it has more decimals than the currency.
    :raises InvalidCard: if the card number is mistyped.
    """
    actor = signed_in_customer(penv)
    assert actor.party_id is not None
    key = idempotency_key.strip()
    if not 8 <= len(key) <= 100:
        raise InvalidIdempotencyKey("An idempotency key has 8 to 100 characters")
    try:
        value = Decimal(amount.strip().replace(",", ""))
    except InvalidOperation:
        raise portal.InvalidAmount(f"{amount!r} is not an amount") from None
    if not value.is_finite() or value <= 0:
        raise portal.InvalidAmount("A payment is more than zero", details={"amount": amount})
    money = Money.of(value, penv.currency)
    view = own_account(penv=penv, account_id=account_id)
    earlier = penv.charges.by_key(actor.tenant_id, key)
    if earlier is not None:
        if earlier.account_id != view.account.id or earlier.amount != money:
            raise IdempotencyKeyReused(
                "That payment key was used for another payment", details={"key": key}
            )
        return earlier
    digits = portal.check_card(number=card_number)
    answer = penv.gateway.charge(
        card_number=digits,
        amount=money,
        description=f"Cuenta {view.account.number}",
        idempotency_key=key,
    )
    charge = portal.Charge(
        id=penv.env.ids.new_id(),
        tenant_id=actor.tenant_id,
        account_id=view.account.id,
        party_id=actor.party_id,
        amount=money,
        card_last4=portal.card_last4(digits),
        idempotency_key=key,
        status=portal.ChargeStatus.APPROVED if answer.approved else portal.ChargeStatus.DECLINED,
        reference=answer.reference,
        decline_code=answer.decline_code,
        at=penv.env.clock.now(),
    )
    penv.charges.add(charge)
    _audit(penv, entity="card_charge", entity_id=charge.id, action="charge", after=charge)
    if answer.approved:
        penv.record_payment(view.account.id, money, answer.reference, key)
        _notify(
            penv,
            party_id=actor.party_id,
            kind=engagement.NotificationKind.PAYMENT_RECEIVED,
            values={
                "amount": money,
                "account_number": view.account.number,
                "paid_on": penv.engagement.calendar.local_date(charge.at),
            },
            dedupe_key=charge.id,
        )
    return charge


CHAT_LIMIT = 1000


def chat_message(*, penv: ports.PortalEnv, text: str) -> engagement.Interaction:
    """
    Log a line the customer wrote in the portal's web chat on their timeline, for an agent.

    :raises InvalidInteraction: if the line is empty or longer than 1,000 characters.
    """
    actor = signed_in_customer(penv)
    assert actor.party_id is not None
    line = text.strip()
    if not line or len(line) > CHAT_LIMIT:
        raise engagement.InvalidInteraction(
            f"A chat message has 1 to {CHAT_LIMIT} characters", details={"length": len(line)}
        )
    return engagement_ops.record_interaction(
        env=penv.engagement,
        channel=engagement.InteractionChannel.WEB_CHAT,
        direction=engagement.Direction.INBOUND,
        summary=line,
        party_id=actor.party_id,
    )
