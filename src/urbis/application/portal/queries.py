"""Reads of the customer portal: accounts, consumption, reads for Green Button, preferences."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import attrs
import polars as pl

from urbis.application._support import Env
from urbis.application.accounts import queries as account_queries
from urbis.application.consumption import queries as consumption
from urbis.application.identity import queries as identity_queries
from urbis.application.metering import queries as metering_queries
from urbis.application.portal import operations, ports
from urbis.domain import accounts, engagement, identity, portal
from urbis.kernel import errors, ids


class NoIntervalReads(errors.NotFound):
    code = "no_interval_reads"


# the portal charts what the agent console charts
DayUse = consumption.DayUse
RegisterReadRow = consumption.RegisterReadRow
MeterUse = consumption.MeterUse


@attrs.frozen
class AccountPage:
    view: account_queries.AccountView
    usage: tuple[MeterUse, ...]
    bills: tuple[dict[str, object], ...]
    charges: tuple[portal.Charge, ...]


def my_accounts(*, penv: ports.PortalEnv) -> tuple[accounts.Account, ...]:
    """
    The accounts the signed-in customer holds.

    :raises Forbidden: if the actor is not a customer.
    """
    return account_queries.my_accounts(env=penv.env)


def _zone(penv: ports.PortalEnv) -> ZoneInfo:
    tenant = identity_queries.tenant(env=penv.env)
    return ZoneInfo(tenant.timezone if tenant is not None else "America/Bogota")


def account_page(
    *, penv: ports.PortalEnv, account_id: ids.AccountId, days: int = 30
) -> AccountPage:
    """
    One of the customer's accounts: services, consumption of the last ``days`` days by meter,
    bills (when billing has any) and the card payments made here.

    :raises NotFound: if the account is not the customer's.
    """
    view = operations.own_account(penv=penv, account_id=account_id)
    usage = consumption.account_usage(
        view=view,
        intervals=penv.intervals,
        registers=penv.registers,
        zone=_zone(penv),
        as_at=penv.env.clock.now(),
        days=days,
    )
    tenant = penv.env.actor.tenant_id
    return AccountPage(
        view=view,
        usage=tuple(usage),
        bills=tuple(penv.bills.for_account(tenant, view.account.id)),
        charges=tuple(penv.charges.for_account(tenant, view.account.id)),
    )


def reads_for_download(
    *, penv: ports.PortalEnv, account_id: ids.AccountId, meter: str, start: datetime, end: datetime
) -> pl.DataFrame:
    """
    The latest interval reads of one of the customer's meters in ``[start, end)``, one channel.

    :raises NotFound: if the account is not the customer's.
    :raises MeterNotOnAccount: if the meter is not on that account.
    :raises NoIntervalReads: if the meter has no interval reads in that span.
    """
    view = operations.own_account(penv=penv, account_id=account_id)
    found, _service = operations.meter_on_account(view=view, serial=meter)
    reads = metering_queries.reads_as_of(
        store=penv.intervals,
        meters=(found.serial,),
        start=start.astimezone(UTC),
        end=end.astimezone(UTC),
    )
    if reads.is_empty():
        raise NoIntervalReads(
            f"Meter {found.serial} has no interval reads from {start:%Y-%m-%d} to {end:%Y-%m-%d}",
            details={"meter": found.serial},
        )
    first = reads.get_column("channel").unique().sort().item(0)
    return reads.filter(pl.col("channel") == first)


def preferences(*, penv: ports.PortalEnv) -> engagement.Preferences:
    """
    The customer's notification preferences (the defaults until they set them).

    :raises CustomersOnly: if the actor is not a customer.
    """
    actor = operations.signed_in_customer(penv)
    assert actor.party_id is not None
    return penv.preferences.get(actor.tenant_id, actor.party_id) or engagement.Preferences()


def chat_history(*, penv: ports.PortalEnv) -> tuple[engagement.Interaction, ...]:
    """
    The customer's web chat, both ways, oldest first.

    :raises CustomersOnly: if the actor is not a customer.
    """
    actor = operations.signed_in_customer(penv)
    assert actor.party_id is not None
    return tuple(
        i
        for i in penv.engagement.interactions.for_party(actor.tenant_id, actor.party_id)
        if i.channel is engagement.InteractionChannel.WEB_CHAT
    )


STAFF_READERS = identity.STAFF_ROLES


def photos_of_meters(
    *, env: Env, photos: ports.PhotoRepository, serials: tuple[str, ...]
) -> tuple[ports.ReadingPhoto, ...]:
    """
    The photos customers sent with their readings of these meters, for staff to check.

    :raises RoleRequired: if the actor is not staff.
    """
    identity.require_role(actor=env.actor, allowed=STAFF_READERS)
    return tuple(p for serial in serials for p in photos.for_meter(env.actor.tenant_id, serial))


def photo(*, env: Env, photos: ports.PhotoRepository, photo_id: str) -> ports.ReadingPhoto:
    """
    One reading photo: staff see any of their utility's, a customer only their own.

    :raises NotFound: if there is no such photo for this utility, or it is another customer's.
    """
    found = photos.get(env.actor.tenant_id, photo_id)
    if found is not None and env.actor.is_customer and found.party_id != env.actor.party_id:
        found = None
    if found is None:
        raise errors.NotFound(
            f"No reading photo {photo_id}", details={"what": "reading photo", "key": photo_id}
        )
    return found


@attrs.frozen
class CaseLine:
    """One of the customer's cases as the portal lists it."""

    case: engagement.Case
    clock: engagement.SlaClock
    can_appeal: bool  # answered, and the appeal window is still open
    last_day: date  # the last local day to answer


def my_cases(*, penv: ports.PortalEnv, account_id: ids.AccountId) -> tuple[CaseLine, ...]:
    """
    The customer's cases about one of their accounts, newest first, each saying whether a
    recurso can still be filed against its answer.

    :raises NotFound: if the account is not the customer's.
    """
    view = operations.own_account(penv=penv, account_id=account_id)
    env = penv.engagement
    now = env.clock.now()
    today = env.calendar.local_date(now)
    lines = []
    for case in env.cases.for_party(env.tenant_id, view.holder.id):
        if case.account_id not in (None, view.account.id):
            continue
        can_appeal = False
        if case.answered_at is not None and case.status in (
            engagement.CaseStatus.ANSWERED,
            engagement.CaseStatus.CLOSED,
        ):
            elapsed = engagement.business_days_between(
                calendar=env.calendar, start=env.calendar.local_date(case.answered_at), end=today
            )
            can_appeal = elapsed <= env.policy.appeal_window_business_days
        lines.append(
            CaseLine(
                case=case,
                clock=engagement.sla_clock(
                    case=case, as_at=now, calendar=env.calendar, policy=env.policy
                ),
                can_appeal=can_appeal,
                last_day=env.calendar.local_date(case.deadline) - timedelta(days=1),
            )
        )
    return tuple(sorted(lines, key=lambda line: line.case.filed_at, reverse=True))
