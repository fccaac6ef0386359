"""Writes of the accounts context: accounts and service agreements."""

from __future__ import annotations

from datetime import date

import attrs

from urbis.application._support import Env, audit, found
from urbis.application.accounts.deposits import DepositQuestion, decide_deposit
from urbis.domain import accounts, identity
from urbis.kernel import ids
from urbis.kernel.periods import Period

WRITERS = frozenset({identity.Role.AGENT})


def open_account(
    *,
    env: Env,
    holder_id: ids.PartyId,
    billing_cycle: str,
    bill_delivery: accounts.BillDelivery = accounts.BillDelivery.PAPER,
    language: accounts.Language = accounts.Language.ES,
    deposit_facts: accounts.DepositFacts | None = None,
    deposits: DepositQuestion | None = None,
) -> accounts.Account:
    """
    Open an account for a customer, with a new printed account number; given its facts and
    the tenant's ``deposit_required`` question, with the deposit it leaves (ADR 0037).

    :raises NotFound: if the holder does not exist for this tenant.
    :raises InvalidAccount: if the billing cycle code is not acceptable.
    :raises InvalidRuleInput: if the deposit facts do not fit the question (naming the pack).
    :raises RuleEvaluationFailed: if the deposit pack fails (naming pack, version and node).
    """
    identity.require_role(actor=env.actor, allowed=WRITERS)
    tenant = env.actor.tenant_id
    with env.uow() as uow:
        found(uow.parties.get(tenant, holder_id), what="party", key=holder_id)
        account = accounts.Account(
            id=ids.AccountId(env.ids.new_id()),
            tenant_id=tenant,
            number=accounts.account_number(sequence=uow.accounts.next_sequence(tenant)),
            holder_id=holder_id,
            billing_cycle=billing_cycle.strip().upper(),
            bill_delivery=bill_delivery,
            language=language,
        )
        if deposits is not None and deposit_facts is not None:
            # unpaid debt on the holder's other accounts counts, whatever the caller says
            others = [a.id for a in uow.accounts.for_holder(tenant, holder_id)]
            owes = bool(others) and deposits.owes(tenant_id=tenant, account_ids=others)
            account = decide_deposit(
                question=deposits,
                account=account,
                facts=attrs.evolve(deposit_facts, prior_debt=deposit_facts.prior_debt or owes),
                as_of=env.clock.now().date(),
            )
        uow.accounts.add(account)
        audit(
            env=env, uow=uow, entity="account", entity_id=account.id, action="open", after=account
        )
        uow.commit()
    return account


def update_account(
    *,
    env: Env,
    account_id: ids.AccountId,
    billing_cycle: str | None = None,
    bill_delivery: accounts.BillDelivery | None = None,
    language: accounts.Language | None = None,
    status: accounts.AccountStatus | None = None,
) -> accounts.Account:
    """
    Change an account's cycle, bill delivery, language or status.

    :raises NotFound: if the account does not exist for this tenant.
    :raises InvalidAccount: if the billing cycle code is not acceptable.
    """
    identity.require_role(actor=env.actor, allowed=WRITERS)
    with env.uow() as uow:
        before = found(
            uow.accounts.get(env.actor.tenant_id, account_id), what="account", key=account_id
        )
        after = attrs.evolve(
            before,
            billing_cycle=before.billing_cycle
            if billing_cycle is None
            else billing_cycle.strip().upper(),
            bill_delivery=bill_delivery or before.bill_delivery,
            language=language or before.language,
            status=status or before.status,
        )
        uow.accounts.update(after)
        audit(
            env=env,
            uow=uow,
            entity="account",
            entity_id=account_id,
            action="update",
            before=before,
            after=after,
        )
        uow.commit()
    return after


def start_agreement(
    *,
    env: Env,
    account_id: ids.AccountId,
    service_point_id: ids.ServicePointId,
    tariff_code: str,
    active_from: date,
    active_to: date | None = None,
) -> accounts.ServiceAgreement:
    """
    Supply a service point under a tariff to an account from a day.

    :raises NotFound: if the account or service point does not exist for this tenant.
    :raises OverlappingAgreement: if another agreement supplies the point in that span.
    :raises InvalidPeriod: if ``active_to`` is not after ``active_from``.
    """
    identity.require_role(actor=env.actor, allowed=WRITERS)
    tenant = env.actor.tenant_id
    with env.uow() as uow:
        found(uow.accounts.get(tenant, account_id), what="account", key=account_id)
        found(
            uow.service_points.get(tenant, service_point_id),
            what="service point",
            key=service_point_id,
        )
        agreement = accounts.check_agreement(
            agreement=accounts.ServiceAgreement(
                id=ids.AgreementId(env.ids.new_id()),
                tenant_id=tenant,
                account_id=account_id,
                service_point_id=service_point_id,
                tariff_code=tariff_code.strip(),
                active=Period(active_from, active_to),
            ),
            point_agreements=tuple(uow.agreements.for_point(tenant, service_point_id)),
        )
        uow.agreements.add(agreement)
        audit(
            env=env,
            uow=uow,
            entity="agreement",
            entity_id=agreement.id,
            action="start",
            after=agreement,
        )
        uow.commit()
    return agreement


def end_agreement(
    *, env: Env, agreement_id: ids.AgreementId, on: date
) -> accounts.ServiceAgreement:
    """
    End an agreement on a day.

    :raises NotFound: if the agreement does not exist for this tenant.
    :raises InvalidAgreement: if it already ended or the day is not after its start.
    """
    identity.require_role(actor=env.actor, allowed=WRITERS)
    with env.uow() as uow:
        before = found(
            uow.agreements.get(env.actor.tenant_id, agreement_id),
            what="agreement",
            key=agreement_id,
        )
        after = accounts.end_agreement(agreement=before, on=on)
        uow.agreements.update(after)
        audit(
            env=env,
            uow=uow,
            entity="agreement",
            entity_id=agreement_id,
            action="end",
            before=before,
            after=after,
        )
        uow.commit()
    return after
