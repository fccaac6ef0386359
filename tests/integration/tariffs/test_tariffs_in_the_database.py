"""Tariffs kept in the database, on SQLite and PostgreSQL: versions stored once, never edited."""

from __future__ import annotations

import copy
import secrets
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import actor_with
from tests.unit.rating.test_use_cases import document, february
from urbis import bootstrap
from urbis.adapters.db import repositories
from urbis.adapters.tariffs import files
from urbis.application.identity import operations as identity_ops
from urbis.application.tariffs import operations, queries
from urbis.bootstrap import rating as wiring
from urbis.domain import identity, tariffs

ADMIN = identity.Role.TARIFF_ADMIN


def in_transaction(
    container: bootstrap.App, tenant: identity.Tenant, use_case: Any, *roles: identity.Role
) -> Any:
    with container.engine.begin() as connection:
        env = wiring.tariffs_env(
            container=container,
            actor=actor_with(tenant, *(roles or (ADMIN,))),
            connection=connection,
        )
        return use_case(env)


def stored(container: bootstrap.App, tenant: identity.Tenant, code: str) -> tariffs.Tariff | None:
    with container.engine.connect() as connection:
        return wiring.tariff_repository(connection=connection, tenant_id=tenant.id).get(code)


def audit_actions(container: bootstrap.App, tenant: identity.Tenant, code: str) -> list[str]:
    with container.engine.connect() as connection:
        entries = repositories.AuditLog(connection).for_entity(tenant.id, "tariff", code)
    return [e.action for e in entries]


class TestTariffsInTheDatabase:
    def test_a_tariff_and_its_versions_read_back_equal(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        exact = document()
        exact["versions"][0]["energy"]["periods"][0]["tiers"][0]["price"] = "0.123456789012345678"
        original = files.tariff_from_document(document=exact)

        in_transaction(
            container, tenant, lambda env: operations.create_tariff(env=env, document=exact)
        )
        in_transaction(
            container,
            tenant,
            lambda env: operations.add_version(env=env, code="FLAT", version=february()),
        )

        again = stored(container, tenant, "FLAT")
        assert again is not None
        assert again.versions[0] == original.versions[0]
        assert again.versions[1].version == "2024-02"
        assert audit_actions(container, tenant, "FLAT") == ["create", "add_version"]

    def test_tariffs_of_one_utility_are_invisible_to_another(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        other = identity_ops.create_tenant(
            uow_factory=container.uow,
            clock=container.clock,
            id_generator=container.ids,
            code=f"t-{secrets.token_hex(6)}",
            name="Otra empresa",
            nit="890399003-4",
        )
        in_transaction(
            container, tenant, lambda env: operations.create_tariff(env=env, document=document())
        )

        theirs = in_transaction(container, other, lambda env: queries.list_tariffs(env=env))

        assert theirs == []
        assert stored(container, other, "FLAT") is None
        in_transaction(
            container, other, lambda env: operations.create_tariff(env=env, document=document())
        )
        assert stored(container, other, "FLAT") is not None

    def test_an_overlapping_version_is_refused_and_nothing_is_written(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        in_transaction(
            container, tenant, lambda env: operations.create_tariff(env=env, document=document())
        )
        overlapping = {**february(), "active_from": "2024-01-15"}

        with pytest.raises(tariffs.OverlappingVersions):
            in_transaction(
                container,
                tenant,
                lambda env: operations.add_version(env=env, code="FLAT", version=overlapping),
            )

        again = stored(container, tenant, "FLAT")
        assert again is not None
        assert len(again.versions) == 1
        assert audit_actions(container, tenant, "FLAT") == ["create"]

    def test_the_repository_itself_refuses_an_overlap_it_was_not_told_about(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        in_transaction(
            container, tenant, lambda env: operations.create_tariff(env=env, document=document())
        )
        late = copy.deepcopy(document())
        late["versions"][0].update(version="late", active_from="2024-01-20", active_to=None)
        version = files.tariff_from_document(document=late).versions[0]

        with pytest.raises(tariffs.OverlappingVersions), container.engine.begin() as connection:
            wiring.tariff_repository(connection=connection, tenant_id=tenant.id).add_version(
                "FLAT", version
            )

        again = stored(container, tenant, "FLAT")
        assert again is not None
        assert [v.version for v in again.versions] == ["2024-01"]

    def test_a_duplicate_code_is_refused_with_its_code(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        in_transaction(
            container, tenant, lambda env: operations.create_tariff(env=env, document=document())
        )

        with pytest.raises(operations.TariffExists):
            in_transaction(
                container,
                tenant,
                lambda env: operations.create_tariff(env=env, document=document()),
            )

    def test_a_role_without_tariff_rights_writes_nothing(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        with pytest.raises(identity.RoleRequired):
            in_transaction(
                container,
                tenant,
                lambda env: operations.create_tariff(env=env, document=document()),
                identity.Role.AGENT,
            )

        assert stored(container, tenant, "FLAT") is None

    def test_lists_tariffs_by_code_with_their_documents(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        second = {**document(), "code": "ANOTHER", "name": "Another"}
        for doc in (document(), second):
            in_transaction(
                container, tenant, lambda env, d=doc: operations.create_tariff(env=env, document=d)
            )

        listed = in_transaction(container, tenant, lambda env: queries.list_tariffs(env=env))
        one = in_transaction(
            container, tenant, lambda env: queries.get_tariff(env=env, code="FLAT")
        )

        assert [t["code"] for t in listed] == ["ANOTHER", "FLAT"]
        assert one["document"]["versions"][0]["energy"]["periods"][0]["tiers"][0]["price"] == "0.1"

    def test_stored_versions_are_the_documents_in_urbis_format(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        in_transaction(
            container, tenant, lambda env: operations.create_tariff(env=env, document=document())
        )

        with container.engine.connect() as connection:
            kept = connection.execute(
                sa.text("SELECT document FROM tariff_versions WHERE tenant_id = :t"),
                {"t": tenant.id},
            ).scalar_one()

        assert "2024-01-01" in str(kept)
