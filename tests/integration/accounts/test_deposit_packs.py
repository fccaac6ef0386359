"""A new account asks the tenant's published ``deposit_required`` pack (both databases)."""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from tests import rule_packs
from tests.conftest import NOW
from tests.integration.payments import support
from urbis import bootstrap
from urbis.adapters.db import tables
from urbis.application._support import Env
from urbis.application.accounts import operations as account_ops
from urbis.application.accounts import queries as account_queries
from urbis.application.customers import operations as customer_ops
from urbis.bootstrap import accounts as accounts_wiring
from urbis.domain import accounts, customers, identity, rules
from urbis.kernel import ids

PACK = "deposit_default"
LESSEE = accounts.DepositFacts(
    use_class="RESIDENTIAL",
    tenancy="LESSEE",
    expected_monthly_amount=Decimal("85000.50"),
    stratum=3,
)


def _next_version(
    container: bootstrap.App,
    tenant: identity.Tenant,
    *,
    content: dict[str, Any],
    cases: list[dict[str, Any]] | None = None,
) -> None:
    rule_packs.publish_next(
        container, tenant, PACK, content=content, cases=cases, effective_from=NOW.date()
    )


def _open(
    container: bootstrap.App,
    agent_env: Env,
    facts: accounts.DepositFacts | None = LESSEE,
    holder_id: ids.PartyId | None = None,
) -> accounts.Account:
    if holder_id is None:
        holder_id = customer_ops.register_party(
            env=agent_env,
            kind=customers.PartyKind.PERSON,
            name="Lucía Restrepo",
            document_type=customers.DocumentType.CC,
            document_number=str(40_000_000 + secrets.randbelow(9_000_000)),
        ).id
    account = account_ops.open_account(
        env=agent_env,
        holder_id=holder_id,
        billing_cycle="C01",
        deposit_facts=facts,
        deposits=accounts_wiring.deposit_question(container),
    )
    stored = account_queries.get_account(env=agent_env, account_id=account.id)
    assert stored == account
    return stored


def _accounts(container: bootstrap.App, tenant: identity.Tenant) -> int:
    with container.engine.connect() as connection:
        return int(
            connection.execute(
                sa.select(sa.func.count())
                .select_from(tables.accounts)
                .where(tables.accounts.c.tenant_id == tenant.id)
            ).scalar_one()
        )


class TestOpeningAsksThePublishedPack:
    def test_without_a_pack_no_deposit_is_required_and_the_account_says_so(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        account = _open(container, agent_env)

        assert account.deposit_amount == Decimal(0)
        assert account.deposit_decided_by == accounts.NO_DEPOSIT_PACK

    def test_the_shipped_pack_asks_a_lessee_for_two_months_and_names_itself(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        rule_packs.install(container, tenant)

        account = _open(container, agent_env)

        assert account.deposit_amount == Decimal("170001.00")
        assert account.deposit_reason == "LESSEE_GUARANTEE"
        assert account.deposit_decided_by == f"{PACK} v1"

    def test_unpaid_debt_on_the_holders_other_account_asks_three_months(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        rule_packs.install(container, tenant)
        owner = accounts.DepositFacts(
            use_class="RESIDENTIAL", tenancy="OWNER", expected_monthly_amount=Decimal(1000)
        )
        first = _open(container, agent_env, facts=owner)
        support.post_bill(container, first, item="B-1", amount="50000", due=date(2026, 2, 1))

        second = _open(container, agent_env, facts=owner, holder_id=first.holder_id)

        assert (first.deposit_amount, first.deposit_reason) == (Decimal(0), "NOT_REQUIRED")
        assert (second.deposit_amount, second.deposit_reason) == (Decimal(3000), "PRIOR_DEBT")

    def test_without_facts_the_pack_is_not_asked(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        rule_packs.install(container, tenant)

        account = _open(container, agent_env, facts=None)

        assert (account.deposit_amount, account.deposit_decided_by) == (None, None)

    def test_publishing_a_new_version_changes_the_deposit_of_new_accounts(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        rule_packs.install(container, tenant)
        before = _open(container, agent_env)
        graph = rule_packs.graph(container, tenant, PACK)
        lessee = rule_packs.rule(graph, "rule-2")
        lessee["out-amount"] = "round(expected_monthly_amount, 2)"
        _next_version(
            container,
            tenant,
            content=graph,
            cases=[
                {
                    "name": "A lessee leaves one month",
                    "given": {
                        "use_class": "RESIDENTIAL",
                        "tenancy": "LESSEE",
                        "prior_debt": False,
                        "expected_monthly_amount": 1000,
                    },
                    "expected": {"required": True, "amount": 1000},
                }
            ],
        )

        after = _open(container, agent_env)

        assert (before.deposit_amount, before.deposit_decided_by) == (
            Decimal("170001.00"),
            f"{PACK} v1",
        )
        assert (after.deposit_amount, after.deposit_decided_by) == (
            Decimal("85000.50"),
            f"{PACK} v2",
        )

    def test_facts_the_pack_does_not_answer_fail_naming_the_node_and_nothing_is_opened(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        rule_packs.install(container, tenant)
        graph = rule_packs.graph(container, tenant, PACK)
        table = next(n for n in graph["nodes"] if n["type"] == "decisionTableNode")
        table["content"]["rules"] = [
            r for r in rule_packs.table_rules(graph) if r["_id"] != "rule-4"
        ]
        _next_version(
            container,
            tenant,
            content=graph,
            cases=[
                {
                    "name": "A lessee leaves two months",
                    "given": {
                        "use_class": "RESIDENTIAL",
                        "tenancy": "LESSEE",
                        "prior_debt": False,
                        "expected_monthly_amount": 1000,
                    },
                    "expected": {"required": True, "amount": 2000},
                }
            ],
        )
        owner = accounts.DepositFacts(
            use_class="RESIDENTIAL", tenancy="OWNER", expected_monthly_amount=Decimal(1000)
        )

        with pytest.raises(rules.RuleEvaluationFailed) as failed:
            _open(container, agent_env, facts=owner)

        assert failed.value.details["pack_key"] == PACK
        assert failed.value.details["version"] == 2
        assert failed.value.details["node"] == "Deposit"
        assert _accounts(container, tenant) == 0

    def test_facts_that_do_not_fit_are_refused_naming_the_pack(
        self, container: bootstrap.App, tenant: identity.Tenant, agent_env: Env
    ) -> None:
        rule_packs.install(container, tenant)
        odd = accounts.DepositFacts(
            use_class="SPACESHIP", tenancy="OWNER", expected_monthly_amount=Decimal(1000)
        )

        with pytest.raises(rules.InvalidRuleInput) as refused:
            _open(container, agent_env, facts=odd)

        assert refused.value.details["pack_key"] == PACK
        assert _accounts(container, tenant) == 0
