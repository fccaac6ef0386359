"""Composition of the rules context: one zen-engine per process, the packs in the database."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa

from urbis import bootstrap
from urbis.adapters.db import rules as db_rules
from urbis.adapters.rules import engine, shipped
from urbis.application import ports as shared_ports
from urbis.application.rules import answering, evaluation, operations, ports
from urbis.domain import identity, rules
from urbis.kernel import ids

_ENGINE: list[engine.ZenRuleEngine] = []
T = TypeVar("T")


def rule_engine() -> ports.RuleEngine:
    """The process's rule engine (compiled graphs and runtimes are reused across runs)."""
    if not _ENGINE:
        _ENGINE.append(engine.ZenRuleEngine())
    return _ENGINE[0]


def shipped_packs() -> tuple[dict[str, Any], ...]:
    """The packs shipped with urbis as plain data, for ``operations.install_shipped_packs``."""
    return shipped.shipped_packs()


def rules_env(
    *,
    actor: identity.Actor,
    clock: shared_ports.Clock,
    id_generator: shared_ports.IdGenerator,
    packs: ports.RulePackRepository,
    audit: shared_ports.AuditLog,
    currency: str = "COP",
) -> ports.RulesEnv:
    """The environment of the rules use cases for one caller."""
    return ports.RulesEnv(
        actor=actor,
        clock=clock,
        ids=id_generator,
        packs=packs,
        audit=audit,
        engine=rule_engine(),
        currency=currency,
    )


def version_from_folder(*, folder: Path, as_at: datetime | None = None) -> rules.PackVersion:
    """
    A pack folder (``graph.json`` and ``pack.json``) as an unsaved draft, to test or try it.

    :raises InvalidRulePack: if the folder cannot be read or its test cases are unusable.
    :raises UnknownExtensionPoint: if it answers a question the system does not ask.
    """
    data = shipped.read_pack(folder=folder)
    point = rules.extension_point(key=str(data.get("extension_point")))
    return rules.new_draft(
        version_id=rules.PackVersionId(f"file:{folder.name}"),
        tenant_id=ids.TenantId("file"),
        pack_key=str(data.get("pack_key", folder.name)),
        version=int(data.get("version", 1)),
        extension_point=point.key,
        title=str(data.get("title", folder.name)),
        effective_from=date.fromisoformat(str(data.get("effective_from", "2000-01-01"))),
        content=rules.canonical_json(data["content"]),
        test_cases=rules.test_cases_from_data(data=data.get("test_cases", ())),
        author_id="file",
        at=as_at or datetime(2000, 1, 1, tzinfo=UTC),
    )


def database_env(
    *, container: bootstrap.App, actor: identity.Actor, connection: sa.Connection
) -> ports.RulesEnv:
    """
    The rules use cases over the database, inside the caller's transaction (``connection``):
    a version's change and its audit entry commit together or not at all.
    """
    return rules_env(
        actor=actor,
        clock=container.clock,
        id_generator=container.ids,
        packs=db_rules.PackRepository(connection),
        audit=db_rules.RulesAuditLog(connection),
    )


def in_transaction(
    *, container: bootstrap.App, actor: identity.Actor, use_case: Callable[[ports.RulesEnv], T]
) -> T:
    """Run one rules use case in one transaction: all that it writes, or nothing."""
    with container.engine.begin() as connection:
        return use_case(database_env(container=container, actor=actor, connection=connection))


def install_shipped_packs(*, container: bootstrap.App, actor: identity.Actor) -> int:
    """
    Install the packs shipped with urbis for the actor's tenant, published (keys it has are
    skipped); returns how many were installed.

    :raises RoleRequired: unless the actor is an administrator.
    """
    installed = in_transaction(
        container=container,
        actor=actor,
        use_case=lambda env: operations.install_shipped_packs(env=env, packs=shipped_packs()),
    )
    return len(installed)


def rule_answers(*, connection: sa.Connection) -> answering.PublishedPackAnswers:
    """
    The rules as other contexts ask them in batch (``ports.RuleAnswers``), reading the published
    packs inside the caller's transaction.
    """
    return answering.PublishedPackAnswers(
        packs=db_rules.PackRepository(connection), engine=rule_engine()
    )


def answer_in_force(
    *,
    connection: sa.Connection,
    tenant_id: ids.TenantId,
    extension_point: str,
    as_of: date,
    facts: Mapping[str, Any],
) -> tuple[rules.PackVersion, dict[str, Any]] | None:
    """
    One question answered by the tenant's published version in force on a day, with that
    version; None when no version is in force (the caller says what then).

    :raises InvalidRuleInput: if the facts do not fit the question (naming the pack and version).
    :raises RuleEvaluationFailed: if the graph fails (naming the pack, version and node).
    """
    pack = answering.version_in_force(
        packs=db_rules.PackRepository(connection),
        tenant_id=tenant_id,
        extension_point=extension_point,
        as_of=as_of,
    )
    if pack is None:
        return None
    try:
        answer = evaluation.answer_one(engine=rule_engine(), pack=pack, values=facts)
    except rules.InvalidRuleInput as exc:
        raise rules.InvalidRuleInput(
            f"{pack.label}: {exc.message}",
            details={**exc.details, "pack_key": pack.pack_key, "version": pack.version},
        ) from None
    return pack, dict(answer)
