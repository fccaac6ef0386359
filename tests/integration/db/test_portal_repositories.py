"""The customer portal's use cases over the database, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import NOW
from tests.integration.db.test_foundation_on_both_databases import supplied_customer
from urbis import bootstrap
from urbis.adapters.db import tables
from urbis.application._support import Env
from urbis.application.portal import operations, queries
from urbis.bootstrap import portal as wiring
from urbis.domain import customers, engagement, identity, portal
from urbis.kernel import errors, ids
from urbis.kernel.money import Money

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def customer(agent_env: Env, party_id: str) -> identity.Actor:
    return identity.Actor(
        user_id=ids.UserId("cliente"),
        tenant_id=agent_env.actor.tenant_id,
        roles=frozenset({identity.Role.CUSTOMER}),
        party_id=ids.PartyId(party_id),
    )


def count(container: bootstrap.App, table: sa.Table, tenant_id: str) -> int:
    with container.engine.connect() as connection:
        return connection.execute(
            sa.select(sa.func.count()).select_from(table).where(table.c.tenant_id == tenant_id)
        ).scalar_one()


class TestPayInTheDatabase:
    def test_a_retried_payment_charges_and_hands_on_once(
        self, container: bootstrap.App, agent_env: Env
    ) -> None:
        keys = supplied_customer(agent_env)
        actor = customer(agent_env, keys["party"])

        charges = []
        for _ in range(2):
            with container.engine.begin() as connection:
                penv = wiring.portal_env(container=container, actor=actor, connection=connection)
                charges.append(
                    operations.pay(
                        penv=penv,
                        account_id=ids.AccountId(keys["account"]),
                        amount="120000",
                        card_number="4242424242424242",
                        idempotency_key="retry-key-0001",
                    )
                )
        with container.engine.begin() as connection:
            penv = wiring.portal_env(container=container, actor=actor, connection=connection)
            listed = penv.charges.for_account(actor.tenant_id, ids.AccountId(keys["account"]))

        assert charges[0] == charges[1]
        assert charges[0].status is portal.ChargeStatus.APPROVED
        assert charges[0].amount == Money.of("120000", "COP")
        assert listed == [charges[0]]
        # the approved charge is posted once as a card payment (the retry hands nothing on)
        assert count(container, tables.payments, actor.tenant_id) == 1

    def test_when_the_hand_off_fails_no_charge_record_is_left_half_written(
        self, container: bootstrap.App, agent_env: Env
    ) -> None:
        keys = supplied_customer(agent_env)
        actor = customer(agent_env, keys["party"])

        audited = count(container, tables.audit_log, actor.tenant_id)

        def broken(
            account_id: ids.AccountId, amount: Money, reference: str, idempotency_key: str
        ) -> None:
            raise errors.Conflict("the payments context refused")

        def pay() -> None:
            with container.engine.begin() as connection:
                penv = wiring.portal_env(
                    container=container, actor=actor, connection=connection, record_payment=broken
                )
                operations.pay(
                    penv=penv,
                    account_id=ids.AccountId(keys["account"]),
                    amount="5000",
                    card_number="4242424242424242",
                    idempotency_key="broken-key-0001",
                )

        with pytest.raises(errors.Conflict):
            pay()

        assert count(container, tables.card_charges, actor.tenant_id) == 0
        assert count(container, tables.audit_log, actor.tenant_id) == audited


class TestReadingsAndPreferencesInTheDatabase:
    def test_a_reading_keeps_its_photo_and_is_a_customer_read(
        self, container: bootstrap.App, agent_env: Env
    ) -> None:
        keys = supplied_customer(agent_env)
        actor = customer(agent_env, keys["party"])

        with container.engine.begin() as connection:
            penv = wiring.portal_env(container=container, actor=actor, connection=connection)
            result = operations.send_reading(
                penv=penv,
                account_id=ids.AccountId(keys["account"]),
                meter="els-000123",
                value=4521.0,
                read_at=NOW - timedelta(hours=2),
                photo=portal.Photo(content_type="image/png", data=PNG, filename="dial.png"),
            )
        with container.engine.begin() as connection:
            penv = wiring.portal_env(container=container, actor=actor, connection=connection)
            photos = penv.photos.for_meter(actor.tenant_id, "ELS-000123")
            page = queries.account_page(penv=penv, account_id=ids.AccountId(keys["account"]))

        assert result.stored == 1
        assert [p.photo.data for p in photos] == [PNG]
        assert [(r.value, r.read_type) for u in page.usage for r in u.reads] == [
            (4521.0, "CUSTOMER")
        ]

    def test_preferences_are_saved_and_replaced(
        self, container: bootstrap.App, agent_env: Env
    ) -> None:
        keys = supplied_customer(agent_env)
        actor = customer(agent_env, keys["party"])

        for language, channels in (
            ("en", [customers.Channel.SMS]),
            (
                "es",
                [
                    customers.Channel.WHATSAPP,
                    customers.Channel.EMAIL,
                ],
            ),
        ):
            with container.engine.begin() as connection:
                penv = wiring.portal_env(container=container, actor=actor, connection=connection)
                operations.save_preferences(
                    penv=penv,
                    language=language,
                    channels=channels,
                    muted=[engagement.NotificationKind.OUTAGE],
                )
        with container.engine.begin() as connection:
            penv = wiring.portal_env(container=container, actor=actor, connection=connection)
            kept = queries.preferences(penv=penv)

        assert kept == engagement.Preferences(
            language="es",
            channels=(customers.Channel.WHATSAPP, customers.Channel.EMAIL),
            muted=frozenset({engagement.NotificationKind.OUTAGE}),
        )

    def test_another_customer_finds_nothing(self, container: bootstrap.App, agent_env: Env) -> None:
        keys = supplied_customer(agent_env)
        stranger = customer(agent_env, "01JSOMEONEELSE000000000000")

        def look() -> None:
            with container.engine.begin() as connection:
                penv = wiring.portal_env(container=container, actor=stranger, connection=connection)
                queries.account_page(penv=penv, account_id=ids.AccountId(keys["account"]))

        with pytest.raises(errors.NotFound):
            look()
