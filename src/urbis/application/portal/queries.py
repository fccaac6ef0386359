"""Reads of the customer portal: accounts, consumption, reads for Green Button, preferences."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import attrs
import polars as pl

from urbis.application._support import Env
from urbis.application.accounts import queries as account_queries
from urbis.application.identity import queries as identity_queries
from urbis.application.metering import queries as metering_queries
from urbis.application.portal import operations, ports
from urbis.domain import accounts, engagement, identity, metering, portal
from urbis.kernel import errors, ids


class NoIntervalReads(errors.NotFound):
    code = "no_interval_reads"


@attrs.frozen
class DayUse:
    day: date
    quantity: float


@attrs.frozen
class RegisterReadRow:
    read_at: datetime
    value: float
    read_type: str
    consumption: float | None


@attrs.frozen
class MeterUse:
    """One meter's use: daily totals (interval meters) or its dial reads (register meters)."""

    serial: str
    service: str
    unit: str
    days: tuple[DayUse, ...]
    reads: tuple[RegisterReadRow, ...]

    @property
    def peak(self) -> float:
        return max((d.quantity for d in self.days), default=0.0)


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
    zone = _zone(penv)
    end_day = penv.env.clock.now().astimezone(zone).date() + timedelta(days=1)
    start = datetime.combine(end_day - timedelta(days=days), datetime.min.time(), tzinfo=zone)
    end = datetime.combine(end_day, datetime.min.time(), tzinfo=zone)
    usage = []
    for service in view.services:
        unit = operations.UNITS.get(service.service_point.service, "kWh")
        for meter, _installation in service.meters:
            usage.append(
                _meter_use(
                    penv, meter.serial, service.service_point.service.value, unit, start, end
                )
            )
    tenant = penv.env.actor.tenant_id
    return AccountPage(
        view=view,
        usage=tuple(usage),
        bills=tuple(penv.bills.for_account(tenant, view.account.id)),
        charges=tuple(penv.charges.for_account(tenant, view.account.id)),
    )


def _meter_use(
    penv: ports.PortalEnv, serial: str, service: str, unit: str, start: datetime, end: datetime
) -> MeterUse:
    reads = metering_queries.reads_as_of(
        store=penv.intervals, meters=(serial,), start=start.astimezone(UTC), end=end.astimezone(UTC)
    )
    days: tuple[DayUse, ...] = ()
    if reads.height:
        zone = start.tzinfo
        assert isinstance(zone, ZoneInfo)
        daily = (
            reads.group_by(pl.col("start").dt.convert_time_zone(zone.key).dt.date().alias("day"))
            .agg(pl.col("quantity").sum())
            .sort("day")
        )
        days = tuple(DayUse(day=d, quantity=round(q, 3)) for d, q in daily.iter_rows())
    registers = metering.latest(
        frame=penv.registers.scan(meters=[serial]), key=metering.REGISTER_KEY
    ).collect()
    rows = []
    previous: float | None = None
    for read_at, value, read_type in (
        registers.sort("read_at").select("read_at", "value", "read_type").iter_rows()
    ):
        rows.append(
            RegisterReadRow(
                read_at=read_at,
                value=value,
                read_type=read_type,
                consumption=None if previous is None else round(value - previous, 3),
            )
        )
        previous = value
    return MeterUse(serial=serial, service=service, unit=unit, days=days, reads=tuple(rows[-12:]))


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
