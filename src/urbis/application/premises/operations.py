"""Writes of the premises context: premises, service points, meters and their installation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs

from urbis.application._support import Env, audit, found
from urbis.domain import identity, premises
from urbis.kernel import errors, ids
from urbis.kernel.periods import Period

WRITERS = frozenset({identity.Role.AGENT, identity.Role.FIELD})


class DuplicateMeter(errors.Conflict):
    code = "duplicate_meter"


class DuplicateServicePoint(errors.Conflict):
    code = "duplicate_service_point"


def register_premise(
    *,
    env: Env,
    address: str,
    city: str,
    department: str,
    country: str,
    use_class: premises.UseClass,
    stratum: int | None = None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    altitude_m: int | None = None,
) -> premises.Premise:
    """
    Register a property the utility serves.

    :raises InvalidPremise: if the address, coordinates or altitude are not acceptable.
    :raises InvalidStratum: if the stratum is not 1–6 or is given for a non-residential use.
    """
    identity.require_role(actor=env.actor, allowed=WRITERS)
    premise = premises.Premise(
        id=ids.PremiseId(env.ids.new_id()),
        tenant_id=env.actor.tenant_id,
        address=" ".join(address.split()),
        city=city.strip(),
        department=department.strip(),
        country=country.strip().upper(),
        use_class=use_class,
        stratum=stratum,
        latitude=latitude,
        longitude=longitude,
        altitude_m=altitude_m,
    )
    with env.uow() as uow:
        uow.premises.add(premise)
        audit(
            env=env, uow=uow, entity="premise", entity_id=premise.id, action="create", after=premise
        )
        uow.commit()
    return premise


def reclassify_premise(
    *,
    env: Env,
    premise_id: ids.PremiseId,
    use_class: premises.UseClass,
    stratum: int | None,
) -> premises.Premise:
    """
    Change a premise's use class and stratum (e.g. after a municipal re-stratification).

    :raises NotFound: if the premise does not exist for this tenant.
    :raises InvalidStratum: if the stratum is not acceptable for the use class.
    """
    identity.require_role(actor=env.actor, allowed=WRITERS)
    with env.uow() as uow:
        before = found(
            uow.premises.get(env.actor.tenant_id, premise_id), what="premise", key=premise_id
        )
        after = attrs.evolve(before, use_class=use_class, stratum=stratum)
        uow.premises.update(after)
        audit(
            env=env,
            uow=uow,
            entity="premise",
            entity_id=premise_id,
            action="reclassify",
            before=before,
            after=after,
        )
        uow.commit()
    return after


def add_service_point(
    *, env: Env, premise_id: ids.PremiseId, service: premises.Service
) -> premises.ServicePoint:
    """
    Connect a premise to a service.

    :raises NotFound: if the premise does not exist for this tenant.
    :raises DuplicateServicePoint: if the premise already has a point for that service.
    """
    identity.require_role(actor=env.actor, allowed=WRITERS)
    point = premises.ServicePoint(
        id=ids.ServicePointId(env.ids.new_id()),
        tenant_id=env.actor.tenant_id,
        premise_id=premise_id,
        service=service,
    )
    with env.uow() as uow:
        found(uow.premises.get(env.actor.tenant_id, premise_id), what="premise", key=premise_id)
        if any(
            p.service is service
            for p in uow.service_points.for_premise(point.tenant_id, premise_id)
        ):
            raise DuplicateServicePoint(
                f"The premise already has a {service.value} service point",
                details={"service": service.value},
            )
        uow.service_points.add(point)
        audit(
            env=env,
            uow=uow,
            entity="service_point",
            entity_id=point.id,
            action="create",
            after=point,
        )
        uow.commit()
    return point


def register_meter(
    *,
    env: Env,
    serial: str,
    service: premises.Service,
    kind: premises.MeterKind,
    multiplier: Decimal = Decimal(1),
    dials: int = 5,
) -> premises.Meter:
    """
    Register a meter in the utility's stock.

    :raises InvalidMeter: if the serial, multiplier or dials are not acceptable.
    :raises DuplicateMeter: if the serial is already registered.
    """
    identity.require_role(actor=env.actor, allowed=WRITERS)
    meter = premises.Meter(
        id=ids.MeterId(env.ids.new_id()),
        tenant_id=env.actor.tenant_id,
        serial=serial.strip().upper(),
        service=service,
        kind=kind,
        multiplier=multiplier,
        dials=dials,
    )
    with env.uow() as uow:
        if uow.meters.by_serial(meter.tenant_id, meter.serial) is not None:
            raise DuplicateMeter(
                f"Meter {meter.serial} is already registered", details={"serial": meter.serial}
            )
        uow.meters.add(meter)
        audit(env=env, uow=uow, entity="meter", entity_id=meter.id, action="create", after=meter)
        uow.commit()
    return meter


def install_meter(
    *,
    env: Env,
    meter_id: ids.MeterId,
    service_point_id: ids.ServicePointId,
    on: date,
    until: date | None = None,
) -> premises.MeterInstallation:
    """
    Install a meter at a service point from a day (until a day, if known).

    :raises NotFound: if the meter or service point does not exist for this tenant.
    :raises MeterAlreadyInstalled: if the meter is at another point then.
    :raises ServicePointAlreadyMetered: if the point has another meter then.
    :raises ServiceMismatch: if the meter measures another service.
    """
    identity.require_role(actor=env.actor, allowed=WRITERS)
    tenant = env.actor.tenant_id
    with env.uow() as uow:
        meter = found(uow.meters.get(tenant, meter_id), what="meter", key=meter_id)
        point = found(
            uow.service_points.get(tenant, service_point_id),
            what="service point",
            key=service_point_id,
        )
        installation = premises.check_installation(
            meter=meter,
            service_point=point,
            installed=Period(on, until),
            meter_history=tuple(uow.meters.installations_of_meter(tenant, meter_id)),
            point_history=tuple(uow.meters.installations_at_point(tenant, service_point_id)),
        )
        uow.meters.add_installation(tenant, installation)
        audit(
            env=env,
            uow=uow,
            entity="meter",
            entity_id=meter_id,
            action="install",
            after=installation,
        )
        uow.commit()
    return installation


def remove_meter(*, env: Env, meter_id: ids.MeterId, on: date) -> premises.MeterInstallation:
    """
    Remove a meter from the point where it is installed, on a day.

    :raises NotFound: if the meter does not exist or is not installed anywhere.
    :raises InvalidMeter: if the day is not after its installation.
    """
    identity.require_role(actor=env.actor, allowed=WRITERS)
    tenant = env.actor.tenant_id
    with env.uow() as uow:
        found(uow.meters.get(tenant, meter_id), what="meter", key=meter_id)
        open_ones = [
            i for i in uow.meters.installations_of_meter(tenant, meter_id) if i.installed.is_open
        ]
        current = found(
            open_ones[0] if open_ones else None, what="installation of meter", key=meter_id
        )
        closed = premises.remove_installation(installation=current, on=on)
        uow.meters.close_installation(tenant, closed)
        audit(
            env=env,
            uow=uow,
            entity="meter",
            entity_id=meter_id,
            action="remove",
            before=current,
            after=closed,
        )
        uow.commit()
    return closed
