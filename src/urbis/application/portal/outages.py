"""
Planned outages announced to the customers they affect: an OUTAGE notice for each holder of an
account supplied with the service in the area, as their preferences and consents allow, once
per outage and customer (ADR 0076).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

import attrs

from urbis.application.engagement import operations as engagement_ops
from urbis.application.portal import notices, ports
from urbis.domain import engagement, premises
from urbis.kernel import errors, ids


class InvalidOutage(errors.InvalidValue):
    code = "invalid_outage"


class AffectedCustomers(Protocol):
    """Who is supplied with a service in an area on a day."""

    def outage_customers(
        self,
        tenant_id: ids.TenantId,
        *,
        service: str,
        on: date,
        cities: Sequence[str] = (),
        premise_ids: Sequence[str] = (),
        service_point_ids: Sequence[str] = (),
    ) -> Sequence[ids.PartyId]: ...


@attrs.frozen
class Outage:
    """A planned interruption of one service in an area, over ``[starts_at, ends_at)``."""

    reference: str  # the utility's own code for it: one notice per reference and customer
    service: premises.Service
    starts_at: datetime
    ends_at: datetime
    reason: str
    area: str = ""  # how the notice names the area; the cities by default
    cities: tuple[str, ...] = ()
    premise_ids: tuple[str, ...] = ()
    service_point_ids: tuple[str, ...] = ()


@attrs.frozen
class OutageReport:
    reference: str
    customers: int
    queued: int
    suppressed: int

    def picture(self) -> dict[str, object]:
        return {
            "reference": self.reference,
            "customers": self.customers,
            "queued": self.queued,
            "suppressed": self.suppressed,
        }


def check_outage(*, outage: Outage) -> None:
    """
    Refuse an outage that cannot be announced.

    :raises InvalidOutage: if the reference, the reason or the area is missing (or, without
        cities, its name), an instant is naive, or it does not end after it starts.
    """
    if not 1 <= len(outage.reference.strip()) <= 60:
        raise InvalidOutage("An outage has a reference of 1 to 60 characters")
    if not outage.reason.strip():
        raise InvalidOutage("Say why the service will be interrupted")
    if outage.starts_at.tzinfo is None or outage.ends_at.tzinfo is None:
        raise InvalidOutage("An outage's start and end carry their time zone")
    if outage.ends_at <= outage.starts_at:
        raise InvalidOutage(
            "An outage ends after it starts",
            details={
                "starts_at": outage.starts_at.isoformat(),
                "ends_at": outage.ends_at.isoformat(),
            },
        )
    named = [c for c in outage.cities if c.strip()]
    if not (named or outage.premise_ids or outage.service_point_ids):
        raise InvalidOutage("Name the area: cities, premises or service points")
    if not (outage.area.strip() or named):
        raise InvalidOutage("Say how the notice names the area (e.g. the neighbourhood)")


def announce_outage(
    *,
    notifications: engagement_ops.NotifyEnv,
    preferences: ports.PreferenceRepository,
    affected: AffectedCustomers,
    calendar: engagement.BusinessCalendar,
    outage: Outage,
) -> OutageReport:
    """
    Queue an OUTAGE notice for every customer supplied with the service in the area on the
    outage's first day; announcing the same reference again queues nothing new.

    :raises InvalidOutage: if the outage cannot be announced (see ``check_outage``).
    """
    check_outage(outage=outage)
    first_day = calendar.local_date(outage.starts_at)
    parties = affected.outage_customers(
        notifications.tenant_id,
        service=outage.service.value,
        on=first_day,
        cities=tuple(c.strip() for c in outage.cities if c.strip()),
        premise_ids=outage.premise_ids,
        service_point_ids=outage.service_point_ids,
    )
    area = outage.area.strip() or ", ".join(c.strip() for c in outage.cities if c.strip())
    reference = outage.reference.strip()
    report = notices.queue_notices(
        notifications=notifications,
        preferences=preferences,
        notices=(
            notices.Notice(
                party_id=party_id,
                kind=engagement.NotificationKind.OUTAGE,
                values={"area": area, "outage_date": first_day, "reason": outage.reason.strip()},
                key=f"outage:{reference}:{party_id}",
            )
            for party_id in parties
        ),
    )
    return OutageReport(
        reference=reference,
        customers=len(parties),
        queued=report.queued,
        suppressed=report.suppressed,
    )
