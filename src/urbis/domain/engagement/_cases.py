"""
Cases (PQR): peticiones, quejas, reclamos and recursos, with their legal response deadlines.

Ley 142 de 1994 art. 158: the utility answers a petición, queja, reclamo or recurso within
15 business days counted from the day after filing; past that the customer's request is
deemed granted (silencio administrativo positivo). Art. 154: recursos are filed within five
business days of learning the decision. Terms are counted in the utility's local calendar.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import NewType

import attrs

from urbis.domain.engagement._calendar import (
    BusinessCalendar,
    add_business_days,
    business_days_between,
)
from urbis.kernel import errors, ids

CaseId = NewType("CaseId", str)


class InvalidCase(errors.InvalidValue):
    code = "invalid_case"


class CaseTransitionNotAllowed(errors.Conflict):
    code = "case_transition_not_allowed"


class AppealOutOfTime(errors.Conflict):
    code = "appeal_out_of_time"


class CaseKind(enum.Enum):
    PETITION = "PETITION"  # petición
    COMPLAINT = "COMPLAINT"  # queja
    CLAIM = "CLAIM"  # reclamo
    RECONSIDERATION = "RECONSIDERATION"  # recurso de reposición
    APPEAL = "APPEAL"  # recurso de apelación (en subsidio)

    @property
    def is_appeal(self) -> bool:
        return self in (CaseKind.RECONSIDERATION, CaseKind.APPEAL)


_KIND_LABELS: dict[CaseKind, tuple[str, str]] = {
    CaseKind.PETITION: ("Petición", "Petition"),
    CaseKind.COMPLAINT: ("Queja", "Complaint"),
    CaseKind.CLAIM: ("Reclamo", "Claim"),
    CaseKind.RECONSIDERATION: ("Recurso de reposición", "Reconsideration appeal"),
    CaseKind.APPEAL: ("Recurso de apelación", "Appeal"),
}


def kind_label(*, kind: CaseKind, language: str) -> str:
    """The name users say for a kind of case, in Spanish (``es``) or English (anything else)."""
    spanish, english = _KIND_LABELS[kind]
    return spanish if language == "es" else english


class CaseStatus(enum.Enum):
    OPEN = "OPEN"
    IN_PROGRESS = "IN_PROGRESS"
    ANSWERED = "ANSWERED"
    CLOSED = "CLOSED"


class SlaState(enum.Enum):
    ON_TIME = "ON_TIME"
    DUE_SOON = "DUE_SOON"
    OVERDUE = "OVERDUE"
    MET = "MET"  # answered before the deadline
    MISSED = "MISSED"  # answered after the deadline


@attrs.frozen
class DeadlinePolicy:
    """How long the utility has to answer each kind of case, and when to warn."""

    business_days: tuple[tuple[CaseKind, int], ...] = tuple((k, 15) for k in CaseKind)
    warning_business_days: int = 3
    appeal_window_business_days: int = 5
    escalate_when: tuple[SlaState, ...] = (SlaState.DUE_SOON, SlaState.OVERDUE)

    def __attrs_post_init__(self) -> None:
        kinds = {k for k, _ in self.business_days}
        if kinds != set(CaseKind) or any(d < 1 for _, d in self.business_days):
            raise InvalidCase("A deadline policy gives every kind of case a positive term")
        if self.warning_business_days < 0 or self.appeal_window_business_days < 1:
            raise InvalidCase("Warning and appeal windows cannot be negative")

    def term_for(self, kind: CaseKind) -> int:
        return dict(self.business_days)[kind]


LEY_142 = DeadlinePolicy()


@attrs.frozen
class CaseEvent:
    at: datetime
    action: str
    note: str = ""
    actor_id: str = ""


@attrs.frozen
class Case:
    id: CaseId
    tenant_id: ids.TenantId
    number: str
    kind: CaseKind
    subject: str
    description: str
    filed_at: datetime
    deadline: datetime  # first instant after the last business day of the term
    status: CaseStatus
    party_id: ids.PartyId | None = None
    account_id: ids.AccountId | None = None
    channel: str = "WALK_IN"
    team: str | None = None
    escalation_level: int = 0
    answered_at: datetime | None = None
    closed_at: datetime | None = None
    parent_kind: CaseKind | None = None
    events: tuple[CaseEvent, ...] = ()
    # where the tenant's case_routing pack sent it when filed (ADR 0036); None before routing
    queue: str | None = None
    priority: int | None = None
    routed_by: str | None = None


def _aware(at: datetime, name: str) -> None:
    if at.tzinfo is None:
        raise InvalidCase(f"{name} must be timezone-aware", details={name: at.isoformat()})


def response_deadline(
    *, filed_at: datetime, kind: CaseKind, calendar: BusinessCalendar, policy: DeadlinePolicy
) -> datetime:
    """
    Return the instant the answer is late: the start of the local day after the last term day.

    :raises InvalidCase: if ``filed_at`` is naive.
    :raises InvalidBusinessDays: if the calendar does not cover the term.
    """
    _aware(filed_at, "filed_at")
    last_day = add_business_days(
        calendar=calendar, start=calendar.local_date(filed_at), days=policy.term_for(kind)
    )
    return calendar.start_of(last_day + timedelta(days=1))


def open_case(
    *,
    case_id: CaseId,
    tenant_id: ids.TenantId,
    number: str,
    kind: CaseKind,
    subject: str,
    description: str,
    filed_at: datetime,
    calendar: BusinessCalendar,
    policy: DeadlinePolicy = LEY_142,
    party_id: ids.PartyId | None = None,
    account_id: ids.AccountId | None = None,
    channel: str = "WALK_IN",
    team: str | None = None,
    actor_id: str = "",
) -> Case:
    """
    File a case and compute its legal response deadline.

    :raises InvalidCase: if the subject is empty or too long, or ``filed_at`` is naive.
    :raises InvalidBusinessDays: if the calendar does not cover the term.
    """
    subject = " ".join(subject.split())
    if not 3 <= len(subject) <= 200:
        raise InvalidCase("A case's subject has 3 to 200 characters", details={"subject": subject})
    if len(description) > 10_000:
        raise InvalidCase("A case's description has at most 10,000 characters")
    deadline = response_deadline(filed_at=filed_at, kind=kind, calendar=calendar, policy=policy)
    return Case(
        id=case_id,
        tenant_id=tenant_id,
        number=number,
        kind=kind,
        subject=subject,
        description=description.strip(),
        filed_at=filed_at,
        deadline=deadline,
        status=CaseStatus.OPEN,
        party_id=party_id,
        account_id=account_id,
        channel=channel,
        team=team,
        events=(CaseEvent(at=filed_at, action="filed", note=kind.value, actor_id=actor_id),),
    )


_ALLOWED: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.OPEN: frozenset({CaseStatus.IN_PROGRESS, CaseStatus.ANSWERED}),
    CaseStatus.IN_PROGRESS: frozenset({CaseStatus.ANSWERED}),
    CaseStatus.ANSWERED: frozenset({CaseStatus.CLOSED}),
    CaseStatus.CLOSED: frozenset(),
}


def _move(case: Case, *, to: CaseStatus, at: datetime, note: str, actor_id: str) -> Case:
    _aware(at, "at")
    if to not in _ALLOWED[case.status]:
        raise CaseTransitionNotAllowed(
            f"A {case.status.value} case cannot become {to.value}",
            details={"case_id": case.id, "from": case.status.value, "to": to.value},
        )
    if at < case.filed_at:
        raise InvalidCase("A case cannot change before it was filed", details={"at": str(at)})
    event = CaseEvent(at=at, action=to.value.lower(), note=note, actor_id=actor_id)
    return attrs.evolve(
        case,
        status=to,
        answered_at=at if to is CaseStatus.ANSWERED else case.answered_at,
        closed_at=at if to is CaseStatus.CLOSED else case.closed_at,
        events=(*case.events, event),
    )


def start_work(*, case: Case, at: datetime, actor_id: str = "") -> Case:
    """
    Mark an open case as being worked on.

    :raises CaseTransitionNotAllowed: if the case is not open.
    """
    return _move(case, to=CaseStatus.IN_PROGRESS, at=at, note="", actor_id=actor_id)


def answer_case(*, case: Case, at: datetime, answer: str, actor_id: str = "") -> Case:
    """
    Record the utility's answer (the decision notified to the customer).

    :raises CaseTransitionNotAllowed: if the case is already answered or closed.
    :raises InvalidCase: if the answer is empty.
    """
    if not answer.strip():
        raise InvalidCase("An answer cannot be empty", details={"case_id": case.id})
    return _move(case, to=CaseStatus.ANSWERED, at=at, note=answer.strip(), actor_id=actor_id)


def close_case(*, case: Case, at: datetime, actor_id: str = "") -> Case:
    """
    Close an answered case.

    :raises CaseTransitionNotAllowed: if the case has not been answered.
    """
    return _move(case, to=CaseStatus.CLOSED, at=at, note="", actor_id=actor_id)


def file_appeal(
    *,
    case: Case,
    kind: CaseKind,
    at: datetime,
    reason: str,
    calendar: BusinessCalendar,
    policy: DeadlinePolicy = LEY_142,
    actor_id: str = "",
) -> Case:
    """
    Reopen an answered or closed case by a recurso, with a new legal deadline.

    :raises InvalidCase: if ``kind`` is not a recurso or the reason is empty.
    :raises CaseTransitionNotAllowed: if the case has no answer to appeal.
    :raises AppealOutOfTime: if the appeal window after the answer has passed.
    """
    _aware(at, "at")
    if not kind.is_appeal:
        raise InvalidCase("Only a recurso reopens a case", details={"kind": kind.value})
    if not reason.strip():
        raise InvalidCase("An appeal states its reason", details={"case_id": case.id})
    if case.status not in (CaseStatus.ANSWERED, CaseStatus.CLOSED) or case.answered_at is None:
        raise CaseTransitionNotAllowed(
            "Only an answered decision can be appealed",
            details={"case_id": case.id, "from": case.status.value},
        )
    answered_on = calendar.local_date(case.answered_at)
    elapsed = business_days_between(
        calendar=calendar, start=answered_on, end=calendar.local_date(at)
    )
    if at < case.answered_at or elapsed > policy.appeal_window_business_days:
        raise AppealOutOfTime(
            f"A recurso is filed within {policy.appeal_window_business_days} business days"
            " of the decision",
            details={"case_id": case.id, "business_days_elapsed": elapsed},
        )
    deadline = response_deadline(filed_at=at, kind=kind, calendar=calendar, policy=policy)
    event = CaseEvent(
        at=at, action="appealed", note=f"{kind.value}: {reason.strip()}", actor_id=actor_id
    )
    return attrs.evolve(
        case,
        kind=kind,
        parent_kind=case.kind,
        status=CaseStatus.OPEN,
        filed_at=at,
        deadline=deadline,
        answered_at=None,
        closed_at=None,
        escalation_level=0,
        events=(*case.events, event),
    )


@attrs.frozen
class SlaClock:
    """Where a case stands against its deadline at one instant."""

    state: SlaState
    deadline: datetime
    business_days_left: int  # negative when overdue
    deemed_granted: bool  # silencio administrativo positivo


def sla_clock(
    *, case: Case, as_at: datetime, calendar: BusinessCalendar, policy: DeadlinePolicy = LEY_142
) -> SlaClock:
    """
    Tell whether a case is on time, due soon, overdue, or was answered in or out of time.

    :raises InvalidCase: if ``as_at`` is naive.
    """
    _aware(as_at, "as_at")
    last_day = calendar.local_date(case.deadline) - timedelta(days=1)
    if case.answered_at is not None:
        met = case.answered_at < case.deadline
        return SlaClock(
            state=SlaState.MET if met else SlaState.MISSED,
            deadline=case.deadline,
            business_days_left=business_days_between(
                calendar=calendar, start=calendar.local_date(case.answered_at), end=last_day
            ),
            deemed_granted=not met,
        )
    today = calendar.local_date(as_at)
    left = business_days_between(calendar=calendar, start=today, end=last_day)
    if as_at >= case.deadline:
        state = SlaState.OVERDUE
        left = min(left, -1) if today > last_day else left
    elif left < policy.warning_business_days:  # fewer than N business days after today
        state = SlaState.DUE_SOON
    else:
        state = SlaState.ON_TIME
    return SlaClock(
        state=state,
        deadline=case.deadline,
        business_days_left=left,
        deemed_granted=state is SlaState.OVERDUE,
    )


def escalate(
    *, case: Case, at: datetime, reason: str, to_team: str | None = None, actor_id: str = ""
) -> Case:
    """
    Raise a case one escalation level, optionally handing it to another team.

    :raises CaseTransitionNotAllowed: if the case is answered or closed.
    """
    _aware(at, "at")
    if case.status not in (CaseStatus.OPEN, CaseStatus.IN_PROGRESS):
        raise CaseTransitionNotAllowed(
            "Only a case still waiting for an answer is escalated",
            details={"case_id": case.id, "from": case.status.value},
        )
    level = case.escalation_level + 1
    event = CaseEvent(at=at, action="escalated", note=f"level {level}: {reason}", actor_id=actor_id)
    return attrs.evolve(
        case,
        escalation_level=level,
        team=to_team or case.team,
        events=(*case.events, event),
    )


def needs_escalation(
    *, case: Case, as_at: datetime, calendar: BusinessCalendar, policy: DeadlinePolicy = LEY_142
) -> bool:
    """
    Whether a case should be escalated now: its clock is in an escalating state and it has
    not yet been escalated for that state (once when due soon, once more when overdue).

    :raises InvalidCase: if ``as_at`` is naive.
    """
    clock = sla_clock(case=case, as_at=as_at, calendar=calendar, policy=policy)
    if clock.state not in policy.escalate_when:
        return False
    wanted = policy.escalate_when.index(clock.state) + 1
    return case.escalation_level < wanted
