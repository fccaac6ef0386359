"""Reads of the accounts context, including the account page (the start of the 360° view)."""

from __future__ import annotations

import attrs

from urbis.application import ports
from urbis.application._support import Env, found
from urbis.domain import accounts, customers, identity, premises
from urbis.kernel import errors, ids

READERS = identity.STAFF_ROLES


@attrs.frozen
class ServiceView:
    agreement: accounts.ServiceAgreement
    service_point: premises.ServicePoint
    premise: premises.Premise
    meters: tuple[tuple[premises.Meter, premises.MeterInstallation], ...]


@attrs.frozen
class AccountView:
    account: accounts.Account
    holder: customers.Party
    services: tuple[ServiceView, ...]


def _visible(env: Env, account: accounts.Account | None, key: str) -> accounts.Account:
    if account is not None and env.actor.is_customer and account.holder_id != env.actor.party_id:
        account = None
    return found(account, what="account", key=key)


def account_view(*, env: Env, account_id: ids.AccountId) -> AccountView:
    """
    Everything about one account on one page: holder, agreements, premises, meters.

    Customers see only their own accounts.

    :raises NotFound: if the account does not exist for this tenant or is not the customer's.
    """
    identity.require_role(actor=env.actor, allowed=READERS | {identity.Role.CUSTOMER})
    tenant = env.actor.tenant_id
    with env.uow() as uow:
        account = _visible(env, uow.accounts.get(tenant, account_id), account_id)
        holder = found(uow.parties.get(tenant, account.holder_id), what="party", key="holder")
        services = []
        for agreement in uow.agreements.for_account(tenant, account_id):
            point = found(
                uow.service_points.get(tenant, agreement.service_point_id),
                what="service point",
                key=agreement.service_point_id,
            )
            premise = found(
                uow.premises.get(tenant, point.premise_id), what="premise", key=point.premise_id
            )
            meters = []
            for installation in uow.meters.installations_at_point(tenant, point.id):
                meter = uow.meters.get(tenant, installation.meter_id)
                if meter is not None:
                    meters.append((meter, installation))
            services.append(
                ServiceView(
                    agreement=agreement,
                    service_point=point,
                    premise=premise,
                    meters=tuple(meters),
                )
            )
    return AccountView(account=account, holder=holder, services=tuple(services))


def get_account(*, env: Env, account_id: ids.AccountId) -> accounts.Account:
    """
    Read one account.

    :raises NotFound: if it does not exist for this tenant or is not the customer's own.
    """
    identity.require_role(actor=env.actor, allowed=READERS | {identity.Role.CUSTOMER})
    with env.uow() as uow:
        return _visible(env, uow.accounts.get(env.actor.tenant_id, account_id), account_id)


def get_agreement(*, env: Env, agreement_id: ids.AgreementId) -> accounts.ServiceAgreement:
    """
    Read one service agreement.

    :raises NotFound: if it does not exist for this tenant.
    """
    identity.require_role(actor=env.actor, allowed=READERS)
    with env.uow() as uow:
        return found(
            uow.agreements.get(env.actor.tenant_id, agreement_id),
            what="agreement",
            key=agreement_id,
        )


def my_accounts(*, env: Env) -> tuple[accounts.Account, ...]:
    """
    The accounts a signed-in customer holds.

    :raises Forbidden: if the actor is not a customer.
    """
    if not env.actor.is_customer or env.actor.party_id is None:
        raise errors.Forbidden("Only customers have their own accounts")
    with env.uow() as uow:
        return tuple(uow.accounts.for_holder(env.actor.tenant_id, env.actor.party_id))


def search(*, env: Env, text: str, limit: int = 20, offset: int = 0) -> ports.Page:
    """
    Find accounts by anything an agent may have: name, document, account number, address, meter.
    """
    identity.require_role(actor=env.actor, allowed=READERS)
    limit = max(1, min(limit, 100))
    offset = max(0, offset)
    with env.uow() as uow:
        return uow.accounts.search(env.actor.tenant_id, text.strip(), limit, offset)
