"""Rule pack versions in SQLite and PostgreSQL: the lifecycle, its audit, and immutability."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import attrs
import pytest
import sqlalchemy as sa

from urbis import bootstrap
from urbis.adapters.db import rules as db_rules
from urbis.adapters.rules import shipped
from urbis.application.rules import operations, queries
from urbis.bootstrap import rules as wiring
from urbis.domain import identity, rules
from urbis.kernel import errors, ids


def _actor(tenant: identity.Tenant, user: str, *roles: identity.Role) -> identity.Actor:
    return identity.Actor(
        user_id=ids.UserId(user),
        tenant_id=tenant.id,
        roles=frozenset(roles or (identity.Role.RULES_AUTHOR,)),
    )


def _shipped(key: str) -> dict[str, Any]:
    return next(p for p in shipped.shipped_packs() if p["pack_key"] == key)


def _draft(container: bootstrap.App, tenant: identity.Tenant, user: str = "ana") -> dict[str, Any]:
    data = _shipped("bill_validation_default")
    return wiring.in_transaction(
        container=container,
        actor=_actor(tenant, user),
        use_case=lambda env: operations.create_draft(
            env=env,
            pack_key="bill_checks",
            extension_point=data["extension_point"],
            title=data["title"],
            effective_from=date(2026, 1, 1),
            content=data["content"],
            test_cases=data["test_cases"],
        ),
    )


def _as(container: bootstrap.App, tenant: identity.Tenant, user: str, use_case: Any) -> Any:
    return wiring.in_transaction(container=container, actor=_actor(tenant, user), use_case=use_case)


class TestPackRepository:
    def test_gives_back_a_version_exactly_as_it_was_saved(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        draft = _draft(container, tenant)

        with container.engine.begin() as connection:
            stored = db_rules.PackRepository(connection).get(
                tenant.id, rules.PackVersionId(draft["id"])
            )

        assert stored is not None
        assert stored.picture() == draft
        assert stored.status is rules.PackStatus.DRAFT
        assert len(stored.test_cases) == len(_shipped("bill_validation_default")["test_cases"])

    def test_keeps_decimals_in_the_graph_exact(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        draft = _draft(container, tenant)
        graph = rules.read_json(rules.canonical_json(draft["content"]))
        graph["nodes"][0]["exact"] = Decimal("0.1000000000000000000000001")

        _as(
            container,
            tenant,
            "ana",
            lambda env: operations.edit_draft(env=env, version_id=draft["id"], content=graph),
        )
        again = _as(
            container,
            tenant,
            "ana",
            lambda env: queries.get_version(env=env, version_id=draft["id"]),
        )

        assert again["content"]["nodes"][0]["exact"] == Decimal("0.1000000000000000000000001")

    def test_shows_a_tenant_only_its_own_packs(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        draft = _draft(container, tenant)
        other = identity.Actor(
            user_id=ids.UserId("ana"),
            tenant_id=ids.TenantId("someone-else"),
            roles=frozenset({identity.Role.RULES_AUTHOR}),
        )

        with pytest.raises(errors.NotFound):
            wiring.in_transaction(
                container=container,
                actor=other,
                use_case=lambda env: queries.get_version(env=env, version_id=draft["id"]),
            )
        with container.engine.begin() as connection:
            assert db_rules.PackRepository(connection).all(other.tenant_id) == []


class TestLifecycleInTheDatabase:
    def test_writes_every_step_and_its_audit_entry(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        draft = _draft(container, tenant)

        report = _as(
            container,
            tenant,
            "ana",
            lambda env: operations.run_tests(env=env, version_id=draft["id"]),
        )
        _as(
            container,
            tenant,
            "bea",
            lambda env: operations.approve(env=env, version_id=draft["id"]),
        )
        published = _as(
            container,
            tenant,
            "bea",
            lambda env: operations.publish(env=env, version_id=draft["id"]),
        )

        assert report["passed"]
        assert published["status"] == "PUBLISHED"
        trail = _as(
            container, tenant, "ana", lambda env: queries.history(env=env, version_id=draft["id"])
        )
        assert [(e["actor_id"], e["action"]) for e in trail] == [
            ("ana", "created"),
            ("ana", "tested"),
            ("bea", "approved"),
            ("bea", "published"),
        ]
        assert trail[3]["after"]["status"] == "PUBLISHED"

    def test_an_author_cannot_approve_and_nothing_is_written(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        draft = _draft(container, tenant)
        _as(
            container,
            tenant,
            "ana",
            lambda env: operations.run_tests(env=env, version_id=draft["id"]),
        )

        with pytest.raises(rules.SameAuthorAndApprover):
            _as(
                container,
                tenant,
                "ana",
                lambda env: operations.approve(env=env, version_id=draft["id"]),
            )

        version = _as(
            container,
            tenant,
            "ana",
            lambda env: queries.get_version(env=env, version_id=draft["id"]),
        )
        trail = _as(
            container, tenant, "ana", lambda env: queries.history(env=env, version_id=draft["id"])
        )
        assert version["status"] == "TESTED"
        assert [e["action"] for e in trail] == ["created", "tested"]

    def test_a_failed_write_leaves_neither_the_change_nor_its_audit_entry(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        draft = _draft(container, tenant)

        def edit_then_fail(env: Any) -> None:
            operations.edit_draft(env=env, version_id=draft["id"], title="Changed")
            raise errors.InvalidValue("the caller gave up")

        with pytest.raises(errors.InvalidValue):
            _as(container, tenant, "ana", edit_then_fail)

        version = _as(
            container,
            tenant,
            "ana",
            lambda env: queries.get_version(env=env, version_id=draft["id"]),
        )
        trail = _as(
            container, tenant, "ana", lambda env: queries.history(env=env, version_id=draft["id"])
        )
        assert version["title"] == draft["title"]
        assert [e["action"] for e in trail] == ["created"]


class TestPublishedVersionsAreImmutable:
    def _published(self, container: bootstrap.App, tenant: identity.Tenant) -> dict[str, Any]:
        draft = _draft(container, tenant)
        _as(
            container,
            tenant,
            "ana",
            lambda env: operations.run_tests(env=env, version_id=draft["id"]),
        )
        _as(
            container,
            tenant,
            "bea",
            lambda env: operations.approve(env=env, version_id=draft["id"]),
        )
        published: dict[str, Any] = _as(
            container,
            tenant,
            "bea",
            lambda env: operations.publish(env=env, version_id=draft["id"]),
        )
        return published

    def test_the_repository_refuses_to_update_one(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        published = self._published(container, tenant)

        with container.engine.begin() as connection:
            repository = db_rules.PackRepository(connection)
            stored = repository.get(tenant.id, rules.PackVersionId(published["id"]))
            assert stored is not None
            with pytest.raises(rules.PackNotEditable):
                repository.update(stored)

    @pytest.mark.parametrize("statement", ["update", "delete"])
    def test_the_database_refuses_to_change_or_delete_one(
        self, container: bootstrap.App, tenant: identity.Tenant, statement: str
    ) -> None:
        published = self._published(container, tenant)
        table = sa.table("rule_pack_versions", sa.column("id"), sa.column("title"))
        change = (
            table.update().where(table.c.id == published["id"]).values(title="Tampered")
            if statement == "update"
            else table.delete().where(table.c.id == published["id"])
        )

        with pytest.raises(sa.exc.DBAPIError), container.engine.begin() as connection:
            connection.execute(change)

        again = _as(
            container,
            tenant,
            "ana",
            lambda env: queries.get_version(env=env, version_id=published["id"]),
        )
        assert again["title"] == published["title"]

    def test_a_new_draft_from_it_is_the_next_version(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        published = self._published(container, tenant)

        draft = _as(
            container,
            tenant,
            "carla",
            lambda env: operations.create_draft_from(env=env, version_id=published["id"]),
        )

        assert (draft["version"], draft["status"], draft["based_on"]) == (
            2,
            "DRAFT",
            published["id"],
        )


class TestShippedPacksInstall:
    def test_publishes_every_shipped_pack_once(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        admin = _actor(tenant, "system", identity.Role.ADMIN)

        first = wiring.install_shipped_packs(container=container, actor=admin)
        second = wiring.install_shipped_packs(container=container, actor=admin)

        packs = wiring.in_transaction(
            container=container,
            actor=_actor(tenant, "ana"),
            use_case=lambda env: queries.list_packs(env=env),
        )
        assert first == len(shipped.shipped_packs()) == 6
        assert second == 0
        assert {p["versions"][0]["status"] for p in packs} == {"PUBLISHED"}


class TestVersionNumbers:
    def test_a_second_version_with_the_same_number_is_refused(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        draft = _draft(container, tenant)

        with container.engine.begin() as connection:
            repository = db_rules.PackRepository(connection)
            stored = repository.get(tenant.id, rules.PackVersionId(draft["id"]))
            assert stored is not None
            twin = attrs.evolve(stored, id=rules.PackVersionId(container.ids.new_id()))
            with pytest.raises(db_rules.VersionTaken) as raised:
                repository.add(twin)

        assert raised.value.code == "rule_pack_version_taken"
