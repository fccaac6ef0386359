"""Engagement finds who wrote or called, from the customers and accounts in the database."""

from tests.integration.db.test_foundation_on_both_databases import supplied_customer
from urbis import bootstrap
from urbis.adapters.db.customer_directory import DbCustomerDirectory
from urbis.application._support import Env
from urbis.application.accounts import operations as account_ops
from urbis.domain import engagement
from urbis.kernel import ids


class TestCustomerDirectory:
    def test_finds_the_customer_by_phone_email_account_and_document(
        self, container: bootstrap.App, agent_env: Env
    ) -> None:
        keys = supplied_customer(agent_env)
        directory = DbCustomerDirectory(container.engine)
        tenant = agent_env.actor.tenant_id
        expected = (ids.PartyId(keys["party"]), ids.AccountId(keys["account"]))

        found = {
            "phone with code": directory.by_phone(tenant, "+57 311 555 0101"),
            "phone without code": directory.by_phone(tenant, "311 555 0101"),
            "email": directory.by_email(tenant, "LUZ@example.co"),
            "account": directory.by_account_number(tenant, keys["number"]),
            "document": directory.by_document(tenant, "43.567.890"),
        }

        for how, matches in found.items():
            assert [(m.party_id, m.account_id) for m in matches] == [expected], how
        assert found["phone with code"][0].key is engagement.MatchKey.PHONE
        assert directory.by_phone(tenant, "311 000 0000") == []
        party = directory.party(tenant, ids.PartyId(keys["party"]))
        assert party is not None
        assert party.name == "Luz Dary Gómez Ramírez"

    def test_a_customer_with_two_accounts_is_two_matches(
        self, container: bootstrap.App, agent_env: Env
    ) -> None:
        keys = supplied_customer(agent_env)
        second = account_ops.open_account(
            env=agent_env, holder_id=ids.PartyId(keys["party"]), billing_cycle="C08"
        )

        matches = DbCustomerDirectory(container.engine).by_email(
            agent_env.actor.tenant_id, "luz@example.co"
        )

        assert {m.account_id for m in matches} == {keys["account"], second.id}
