"""The foundation's use cases against a real database, once on SQLite and once on PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.conftest import actor_with
from urbis import bootstrap
from urbis.adapters.db import tables
from urbis.application._support import Env
from urbis.application.accounts import operations as account_ops
from urbis.application.accounts import queries as account_queries
from urbis.application.customers import operations as customer_ops
from urbis.application.identity import operations as identity_ops
from urbis.application.identity import queries as identity_queries
from urbis.application.premises import operations as premise_ops
from urbis.domain import accounts, customers, identity, premises
from urbis.kernel import errors, ids
from urbis.kernel.periods import Period


def count_rows(container: bootstrap.App, tenant_id: str) -> dict[str, int]:
    with container.engine.connect() as connection:
        return {
            name: connection.execute(
                sa.select(sa.func.count()).select_from(table).where(table.c.tenant_id == tenant_id)
            ).scalar_one()
            for name, table in tables.metadata.tables.items()
            if "tenant_id" in table.c
        }


def supplied_customer(env: Env) -> dict[str, str]:
    party = customer_ops.register_party(
        env=env,
        kind=customers.PartyKind.PERSON,
        name="Luz Dary Gómez Ramírez",
        document_type=customers.DocumentType.CC,
        document_number="43.567.890",
        contacts=[
            customer_ops.ContactInput(kind=customers.ContactKind.MOBILE, value="+57 311 555 0101"),
            customer_ops.ContactInput(kind=customers.ContactKind.EMAIL, value="luz@example.co"),
        ],
    )
    premise = premise_ops.register_premise(
        env=env,
        address="Calle 10 # 43-12 Apto 301",
        city="Medellín",
        department="Antioquia",
        country="CO",
        use_class=premises.UseClass.RESIDENTIAL,
        stratum=2,
        latitude=Decimal("6.208811"),
        longitude=Decimal("-75.567622"),
        altitude_m=1495,
    )
    point = premise_ops.add_service_point(
        env=env, premise_id=premise.id, service=premises.Service.ELECTRICITY
    )
    meter = premise_ops.register_meter(
        env=env,
        serial="ELS-000123",
        service=premises.Service.ELECTRICITY,
        kind=premises.MeterKind.INTERVAL,
        multiplier=Decimal("1.5"),
    )
    premise_ops.install_meter(
        env=env, meter_id=meter.id, service_point_id=point.id, on=date(2024, 1, 1)
    )
    account = account_ops.open_account(env=env, holder_id=party.id, billing_cycle="c07")
    agreement = account_ops.start_agreement(
        env=env,
        account_id=account.id,
        service_point_id=point.id,
        tariff_code="CO-RES-E-NT1",
        active_from=date(2024, 1, 1),
    )
    return {
        "party": party.id,
        "premise": premise.id,
        "point": point.id,
        "meter": meter.id,
        "account": account.id,
        "number": account.number,
        "agreement": agreement.id,
    }


def add_agreement_directly(container: bootstrap.App, agreement: accounts.ServiceAgreement) -> None:
    with container.uow() as uow:
        uow.agreements.add(agreement)
        uow.commit()


def shop_electricity_point(env: Env) -> premises.ServicePoint:
    shop = premise_ops.register_premise(
        env=env,
        address="Carrera 80 # 30-20",
        city="Medellín",
        department="Antioquia",
        country="CO",
        use_class=premises.UseClass.COMMERCIAL,
    )
    return premise_ops.add_service_point(
        env=env, premise_id=shop.id, service=premises.Service.ELECTRICITY
    )


class TestSupplyingACustomer:
    def test_the_account_view_shows_holder_premise_service_and_meter(self, agent_env: Env) -> None:
        keys = supplied_customer(agent_env)

        view = account_queries.account_view(
            env=agent_env, account_id=ids.AccountId(keys["account"])
        )

        assert view.holder.name == "Luz Dary Gómez Ramírez"
        assert view.holder.document.number == "43567890"
        assert [c.value for c in view.holder.contacts] == ["+573115550101", "luz@example.co"]
        assert view.account.billing_cycle == "C07"
        (service,) = view.services
        assert service.premise.stratum == 2
        assert service.premise.latitude == Decimal("6.208811")
        assert service.service_point.service is premises.Service.ELECTRICITY
        assert [(m.serial, m.multiplier) for m, _ in service.meters] == [
            ("ELS-000123", Decimal("1.5"))
        ]

    @pytest.mark.parametrize(
        "query",
        [
            "gomez ramirez",
            "Luz Dary",
            "43567890",
            "ELS-000123",
            "calle 10",
            "3115550101",
            "LUZ@EXAMPLE.CO",
        ],
    )
    def test_search_finds_the_account_by_anything_an_agent_has(
        self, agent_env: Env, query: str
    ) -> None:
        keys = supplied_customer(agent_env)

        page = account_queries.search(env=agent_env, text=query)

        assert [hit.account_id for hit in page.items] == [keys["account"]]
        assert page.items[0].address == "Calle 10 # 43-12 Apto 301"

    def test_search_by_account_number(self, agent_env: Env) -> None:
        keys = supplied_customer(agent_env)

        page = account_queries.search(env=agent_env, text=keys["number"])

        assert page.total == 1

    def test_search_pages_through_many_results(self, agent_env: Env) -> None:
        for n in range(5):
            party = customer_ops.register_party(
                env=agent_env,
                kind=customers.PartyKind.PERSON,
                name=f"Pedro Pérez {n}",
                document_type=customers.DocumentType.CC,
                document_number=f"7000000{n}",
            )
            account_ops.open_account(env=agent_env, holder_id=party.id, billing_cycle="C01")

        first = account_queries.search(env=agent_env, text="pedro perez", limit=2)
        last = account_queries.search(env=agent_env, text="pedro perez", limit=2, offset=4)

        assert first.total == 5
        assert len(first.items) == 2
        assert len(last.items) == 1

    def test_every_write_is_in_the_audit_log(self, agent_env: Env) -> None:
        keys = supplied_customer(agent_env)
        account_ops.update_account(
            env=agent_env,
            account_id=ids.AccountId(keys["account"]),
            bill_delivery=accounts.BillDelivery.EMAIL,
        )

        trail = identity_queries.audit_trail(
            env=agent_env, entity="account", entity_id=keys["account"]
        )

        assert [e.action for e in trail] == ["open", "update"]
        assert trail[1].before is not None
        assert trail[1].after is not None
        assert trail[1].before["bill_delivery"] == "PAPER"
        assert trail[1].after["bill_delivery"] == "EMAIL"
        assert trail[1].actor_id == "tester"

    def test_consents_are_kept_with_date_and_channel(self, agent_env: Env) -> None:
        keys = supplied_customer(agent_env)

        party = customer_ops.record_consent(
            env=agent_env,
            party_id=ids.PartyId(keys["party"]),
            channel=customers.Channel.WHATSAPP,
            purpose=customers.ConsentPurpose.SERVICE,
            granted=True,
            source="call",
        )
        party = customer_ops.record_consent(
            env=agent_env,
            party_id=party.id,
            channel=customers.Channel.WHATSAPP,
            purpose=customers.ConsentPurpose.SERVICE,
            granted=False,
            source="portal",
        )

        stored = account_queries.account_view(
            env=agent_env, account_id=ids.AccountId(keys["account"])
        )
        assert [c.granted for c in stored.holder.consents] == [True, False]
        assert stored.holder.consents[0].recorded_at.tzinfo is not None
        assert not party.consents_to(
            channel=customers.Channel.WHATSAPP, purpose=customers.ConsentPurpose.SERVICE
        )


class TestBadInputChangesNothing:
    def test_an_overlapping_agreement_is_refused(
        self, container: bootstrap.App, agent_env: Env
    ) -> None:
        keys = supplied_customer(agent_env)
        before = count_rows(container, agent_env.actor.tenant_id)

        with pytest.raises(accounts.OverlappingAgreement):
            account_ops.start_agreement(
                env=agent_env,
                account_id=ids.AccountId(keys["account"]),
                service_point_id=ids.ServicePointId(keys["point"]),
                tariff_code="OTHER",
                active_from=date(2025, 6, 1),
            )

        assert count_rows(container, agent_env.actor.tenant_id) == before

    def test_a_meter_installed_elsewhere_is_refused(
        self, container: bootstrap.App, agent_env: Env
    ) -> None:
        keys = supplied_customer(agent_env)
        point = shop_electricity_point(agent_env)
        before = count_rows(container, agent_env.actor.tenant_id)

        with pytest.raises(premises.MeterAlreadyInstalled) as caught:
            premise_ops.install_meter(
                env=agent_env,
                meter_id=ids.MeterId(keys["meter"]),
                service_point_id=point.id,
                on=date(2025, 1, 1),
            )

        assert caught.value.code == "meter_already_installed"
        assert count_rows(container, agent_env.actor.tenant_id) == before

    def test_a_removed_meter_can_go_to_another_point(self, agent_env: Env) -> None:
        keys = supplied_customer(agent_env)
        point = shop_electricity_point(agent_env)

        premise_ops.remove_meter(
            env=agent_env, meter_id=ids.MeterId(keys["meter"]), on=date(2025, 1, 1)
        )
        moved = premise_ops.install_meter(
            env=agent_env,
            meter_id=ids.MeterId(keys["meter"]),
            service_point_id=point.id,
            on=date(2025, 1, 1),
        )

        assert moved.installed == Period(date(2025, 1, 1))

    def test_a_duplicate_document_is_refused(
        self, container: bootstrap.App, agent_env: Env
    ) -> None:
        supplied_customer(agent_env)
        before = count_rows(container, agent_env.actor.tenant_id)

        with pytest.raises(customer_ops.DuplicateParty):
            customer_ops.register_party(
                env=agent_env,
                kind=customers.PartyKind.PERSON,
                name="Otra Persona",
                document_type=customers.DocumentType.CC,
                document_number="43567890",
            )

        assert count_rows(container, agent_env.actor.tenant_id) == before

    def test_a_wrong_role_is_refused_before_anything_is_written(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        field_env = container.env(actor_with(tenant, identity.Role.FIELD))
        before = count_rows(container, tenant.id)

        with pytest.raises(identity.RoleRequired):
            customer_ops.register_party(
                env=field_env,
                kind=customers.PartyKind.PERSON,
                name="Nadie",
                document_type=customers.DocumentType.CC,
                document_number="1234567",
            )

        assert count_rows(container, tenant.id) == before


class TestTheDatabaseItselfRefuses:
    """Integrity does not depend on Python: rows written past the use cases are refused too."""

    def test_overlapping_agreements(self, container: bootstrap.App, agent_env: Env) -> None:
        keys = supplied_customer(agent_env)
        overlapping = accounts.ServiceAgreement(
            id=ids.AgreementId("DIRECT-1"),
            tenant_id=agent_env.actor.tenant_id,
            account_id=ids.AccountId(keys["account"]),
            service_point_id=ids.ServicePointId(keys["point"]),
            tariff_code="X",
            active=Period(date(2023, 6, 1), date(2024, 1, 2)),
        )

        with pytest.raises(accounts.OverlappingAgreement):
            add_agreement_directly(container, overlapping)

    def test_touching_agreements_are_accepted(
        self, container: bootstrap.App, agent_env: Env
    ) -> None:
        keys = supplied_customer(agent_env)

        add_agreement_directly(
            container,
            accounts.ServiceAgreement(
                id=ids.AgreementId(f"D{keys['point'][1:]}"),
                tenant_id=agent_env.actor.tenant_id,
                account_id=ids.AccountId(keys["account"]),
                service_point_id=ids.ServicePointId(keys["point"]),
                tariff_code="X",
                active=Period(date(2023, 6, 1), date(2024, 1, 1)),
            ),
        )
        with container.uow() as uow:
            assert (
                len(
                    uow.agreements.for_point(
                        agent_env.actor.tenant_id, ids.ServicePointId(keys["point"])
                    )
                )
                == 2
            )

    def test_a_meter_at_two_points(self, container: bootstrap.App, agent_env: Env) -> None:
        keys = supplied_customer(agent_env)
        point = shop_electricity_point(agent_env)

        with pytest.raises(premises.MeterAlreadyInstalled), container.uow() as uow:
            uow.meters.add_installation(
                agent_env.actor.tenant_id,
                premises.MeterInstallation(
                    meter_id=ids.MeterId(keys["meter"]),
                    service_point_id=point.id,
                    installed=Period(date(2025, 1, 1)),
                ),
            )

    def test_a_stratum_of_seven(self, container: bootstrap.App, agent_env: Env) -> None:
        keys = supplied_customer(agent_env)
        update = (
            tables.premises.update()
            .where(tables.premises.c.id == keys["premise"])
            .values(stratum=7)
        )

        with pytest.raises(sa.exc.IntegrityError), container.engine.begin() as connection:
            connection.execute(update)


class TestTenancy:
    def test_a_tenant_never_sees_another_tenants_records(
        self, container: bootstrap.App, agent_env: Env
    ) -> None:
        keys = supplied_customer(agent_env)
        other = identity_ops.create_tenant(
            uow_factory=container.uow,
            clock=container.clock,
            id_generator=container.ids,
            code=f"other-{keys['account'][-8:].lower()}",
            name="Otra Empresa",
            nit="800197268-4",
        )
        other_env = container.env(actor_with(other, identity.Role.AGENT))

        with pytest.raises(errors.NotFound):
            account_queries.account_view(env=other_env, account_id=ids.AccountId(keys["account"]))
        assert account_queries.search(env=other_env, text="gomez").total == 0

    def test_a_customer_sees_only_their_own_accounts(
        self, container: bootstrap.App, agent_env: Env, tenant: identity.Tenant
    ) -> None:
        mine = supplied_customer(agent_env)
        neighbour = customer_ops.register_party(
            env=agent_env,
            kind=customers.PartyKind.PERSON,
            name="Vecino",
            document_type=customers.DocumentType.CC,
            document_number="99887766",
        )
        their_account = account_ops.open_account(
            env=agent_env, holder_id=neighbour.id, billing_cycle="C01"
        )
        me = container.env(
            identity.Actor(
                user_id=ids.UserId("customer"),
                tenant_id=tenant.id,
                roles=frozenset({identity.Role.CUSTOMER}),
                party_id=ids.PartyId(mine["party"]),
            )
        )

        own = account_queries.my_accounts(env=me)

        assert [a.id for a in own] == [mine["account"]]
        with pytest.raises(errors.NotFound):
            account_queries.account_view(env=me, account_id=their_account.id)


class TestSigningIn:
    def test_a_user_signs_in_with_the_right_password_only(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        admin = container.env(actor_with(tenant, identity.Role.ADMIN))
        identity_ops.create_user(
            env=admin,
            hasher=container.hasher,
            username="Agente.Uno",
            display_name="Agente Uno",
            password="correcto-123",
            roles=[identity.Role.AGENT],
        )

        actor = identity_ops.authenticate(
            uow_factory=container.uow,
            hasher=container.hasher,
            tenant_code=tenant.code,
            username="agente.uno",
            password="correcto-123",
        )

        assert actor.roles == frozenset({identity.Role.AGENT})
        with pytest.raises(identity_ops.WrongCredentials):
            identity_ops.authenticate(
                uow_factory=container.uow,
                hasher=container.hasher,
                tenant_code=tenant.code,
                username="agente.uno",
                password="incorrecto",
            )
        with pytest.raises(identity_ops.UnknownTenant):
            identity_ops.authenticate(
                uow_factory=container.uow,
                hasher=container.hasher,
                tenant_code="no-such-utility",
                username="agente.uno",
                password="correcto-123",
            )
