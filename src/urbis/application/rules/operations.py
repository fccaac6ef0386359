"""
Writes of the rules context: draft, edit, test, approve and publish rule pack versions.

Every write leaves an audit entry (actor, instant, action, before, after). Functions take and
return plain data so that interfaces (API, web, CLI) only parse and render.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from urbis.application import ports as shared_ports
from urbis.application.rules import evaluation, ports
from urbis.domain import identity, rules
from urbis.kernel import errors

ENTITY = "rule_pack_version"
AUTHORS = frozenset({identity.Role.RULES_AUTHOR})
SHIPPED_BY = "urbis"
"""The author of record of the packs shipped with urbis."""


class PackKeyTaken(errors.Conflict):
    code = "rule_pack_key_taken"


def _get(env: ports.RulesEnv, version_id: str) -> rules.PackVersion:
    pack = env.packs.get(env.actor.tenant_id, rules.PackVersionId(version_id))
    if pack is None:
        raise errors.NotFound(
            f"No rule pack version {version_id}",
            details={"what": "rule pack version", "key": version_id},
        )
    return pack


def _audit(
    env: ports.RulesEnv,
    *,
    action: str,
    before: rules.PackVersion | None,
    after: rules.PackVersion,
) -> None:
    env.audit.record(
        shared_ports.AuditEntry(
            id=env.ids.new_id(),
            tenant_id=env.actor.tenant_id,
            actor_id=env.actor.user_id,
            at=env.clock.now(),
            entity=ENTITY,
            entity_id=after.id,
            action=action,
            before=None if before is None else before.picture(),
            after=after.picture(),
        )
    )


def _content(content: Mapping[str, Any] | str) -> str:
    """A graph given as a mapping or JSON text, as canonical JSON text."""
    try:
        value = rules.read_json(content) if isinstance(content, str) else content
    except ValueError as exc:
        raise rules.MalformedGraph(f"The rule graph is not valid JSON: {exc}") from None
    if not isinstance(value, Mapping):
        raise rules.MalformedGraph("The rule graph must be a JSON object with nodes and edges")
    return rules.canonical_json(value)


def create_draft(
    *,
    env: ports.RulesEnv,
    pack_key: str,
    extension_point: str,
    title: str,
    effective_from: date,
    content: Mapping[str, Any] | str,
    test_cases: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """
    Start a draft: the first version of a new pack, or the next version of an existing one.

    :raises RoleRequired: unless the actor is a rules author.
    :raises UnknownExtensionPoint: if the system asks no such question.
    :raises PackKeyTaken: if the pack exists and answers another extension point.
    :raises InvalidRulePack: if the key, title or test cases are unusable.
    :raises MalformedGraph: if the content is not a JSON object.
    """
    identity.require_role(actor=env.actor, allowed=AUTHORS)
    rules.extension_point(key=extension_point)
    rules.check_pack_key(key=pack_key)
    existing = env.packs.versions(env.actor.tenant_id, pack_key)
    if existing and existing[0].extension_point != extension_point:
        raise PackKeyTaken(
            f"Pack {pack_key} answers {existing[0].extension_point}, not {extension_point}",
            details={"pack_key": pack_key},
        )
    pack = rules.new_draft(
        version_id=rules.PackVersionId(env.ids.new_id()),
        tenant_id=env.actor.tenant_id,
        pack_key=pack_key,
        version=max((v.version for v in existing), default=0) + 1,
        extension_point=extension_point,
        title=title,
        effective_from=effective_from,
        content=_content(content),
        test_cases=rules.test_cases_from_data(data=test_cases),
        author_id=env.actor.user_id,
        at=env.clock.now(),
    )
    env.packs.add(pack)
    _audit(env, action="created", before=None, after=pack)
    return pack.picture()


def create_draft_from(
    *, env: ports.RulesEnv, version_id: str, effective_from: date | None = None
) -> dict[str, Any]:
    """
    Start the next version of a pack as a copy of one of its versions (often the published one).

    :raises RoleRequired: unless the actor is a rules author.
    :raises NotFound: if the version does not exist for the actor's tenant.
    """
    identity.require_role(actor=env.actor, allowed=AUTHORS)
    source = _get(env, version_id)
    existing = env.packs.versions(env.actor.tenant_id, source.pack_key)
    pack = rules.new_draft(
        version_id=rules.PackVersionId(env.ids.new_id()),
        tenant_id=env.actor.tenant_id,
        pack_key=source.pack_key,
        version=max(v.version for v in existing) + 1,
        extension_point=source.extension_point,
        title=source.title,
        effective_from=source.effective_from if effective_from is None else effective_from,
        content=source.content,
        test_cases=source.test_cases,
        author_id=env.actor.user_id,
        at=env.clock.now(),
        based_on=source.id,
    )
    env.packs.add(pack)
    _audit(env, action="created", before=None, after=pack)
    return pack.picture()


def edit_draft(
    *,
    env: ports.RulesEnv,
    version_id: str,
    content: Mapping[str, Any] | str | None = None,
    test_cases: Sequence[Mapping[str, Any]] | None = None,
    effective_from: date | None = None,
    title: str | None = None,
) -> dict[str, Any]:
    """
    Change a draft's graph, test cases, effective date or title (a tested one returns to draft).

    :raises RoleRequired: unless the actor is a rules author.
    :raises NotFound: if the version does not exist for the actor's tenant.
    :raises PackNotEditable: if it is approved or published.
    :raises InvalidRulePack: if the test cases or title are unusable.
    :raises MalformedGraph: if the content is not a JSON object.
    :raises GraphRefused: if the graph is unsound (``rules.UNSOUND``: malformed, loops, reads
        names the question does not give, ...) or an expression does not compile; nothing is
        written.
    """
    identity.require_role(actor=env.actor, allowed=AUTHORS)
    before = _get(env, version_id)
    after = rules.edit_draft(
        pack=before,
        editor_id=env.actor.user_id,
        at=env.clock.now(),
        content=None if content is None else _content(content),
        test_cases=None if test_cases is None else rules.test_cases_from_data(data=test_cases),
        effective_from=effective_from,
        title=title,
    )
    if content is not None:
        _refuse_unsound(env, after)
    env.packs.update(after)
    _audit(env, action="edited", before=before, after=after)
    return after.picture()


def _refuse_unsound(env: ports.RulesEnv, pack: rules.PackVersion) -> None:
    point = rules.extension_point(key=pack.extension_point)
    problems = rules.unsound_problems(content=pack.content, point=point)
    if not problems:
        problems = env.engine.syntax_problems(content=pack.content)
    if problems:
        raise rules.GraphRefused(
            f"{pack.label} cannot be saved: " + "; ".join(p.message for p in problems),
            details={
                "pack_key": pack.pack_key,
                "version": pack.version,
                "problems": [
                    {"code": p.code, "message": p.message, "node_id": p.node_id} for p in problems
                ],
            },
        )


def report_picture(report: rules.TestReport) -> dict[str, Any]:
    """A JSON-ready picture of a test report."""
    return {
        "pack_key": report.pack_key,
        "version": report.version,
        "passed": report.passed,
        "failures": list(report.failures),
        "problems": [
            {"code": p.code, "message": p.message, "node_id": p.node_id} for p in report.problems
        ],
        "cases": [
            {
                "name": c.name,
                "passed": c.passed,
                "expected": rules.read_json(rules.canonical_json(c.expected)),
                "actual": None
                if c.actual is None
                else rules.read_json(rules.canonical_json(c.actual)),
                "mismatches": list(c.mismatches),
                "error": c.error,
            }
            for c in report.cases
        ],
    }


def run_tests(*, env: ports.RulesEnv, version_id: str) -> dict[str, Any]:
    """
    Check a version and run its saved test cases; a draft that passes becomes tested.

    Returns the report; a failing draft stays a draft (and nothing is written).

    :raises RoleRequired: unless the actor is a rules author.
    :raises NotFound: if the version does not exist for the actor's tenant.
    """
    identity.require_role(actor=env.actor, allowed=AUTHORS)
    before = _get(env, version_id)
    report = evaluation.run_tests(engine=env.engine, pack=before)
    if report.passed and before.status is rules.PackStatus.DRAFT:
        after = rules.mark_tested(pack=before, report=report, at=env.clock.now())
        env.packs.update(after)
        _audit(env, action="tested", before=before, after=after)
    return report_picture(report)


def submit(*, env: ports.RulesEnv, version_id: str) -> dict[str, Any]:
    """
    Submit a draft for approval: it must pass its checks and every saved test case.

    Returns the version, now tested (a version already tested is returned as it is).

    :raises RoleRequired: unless the actor is a rules author.
    :raises NotFound: if the version does not exist for the actor's tenant.
    :raises WrongPackStatus: unless the version is a draft or tested.
    :raises PackFailsChecks: if a check or a test case fails (the draft stays a draft).
    """
    identity.require_role(actor=env.actor, allowed=AUTHORS)
    before = _get(env, version_id)
    if before.status is rules.PackStatus.TESTED:
        return before.picture()
    report = evaluation.run_tests(engine=env.engine, pack=before)
    after = rules.mark_tested(pack=before, report=report, at=env.clock.now())
    env.packs.update(after)
    _audit(env, action="tested", before=before, after=after)
    return after.picture()


def approve(*, env: ports.RulesEnv, version_id: str) -> dict[str, Any]:
    """
    Approve a tested version: it is checked and tested again, by a user who did not write it.

    :raises RoleRequired: unless the actor is a rules author.
    :raises NotFound: if the version does not exist for the actor's tenant.
    :raises WrongPackStatus: unless the version is tested.
    :raises SameAuthorAndApprover: if the actor wrote or edited it.
    :raises PackFailsChecks: if it no longer passes its checks and test cases.
    """
    identity.require_role(actor=env.actor, allowed=AUTHORS)
    before = _get(env, version_id)
    report = evaluation.run_tests(engine=env.engine, pack=before)
    after = rules.approve(
        pack=before, report=report, approver_id=env.actor.user_id, at=env.clock.now()
    )
    env.packs.update(after)
    _audit(env, action="approved", before=before, after=after)
    return after.picture()


def publish(*, env: ports.RulesEnv, version_id: str) -> dict[str, Any]:
    """
    Publish an approved version: from its effective date it answers its extension point.

    :raises RoleRequired: unless the actor is a rules author.
    :raises NotFound: if the version does not exist for the actor's tenant.
    :raises WrongPackStatus: unless the version is approved.
    """
    identity.require_role(actor=env.actor, allowed=AUTHORS)
    before = _get(env, version_id)
    after = rules.publish(pack=before, publisher_id=env.actor.user_id, at=env.clock.now())
    env.packs.update(after)
    _audit(env, action="published", before=before, after=after)
    return after.picture()


def install_shipped_packs(
    *, env: ports.RulesEnv, packs: Sequence[Mapping[str, Any]]
) -> tuple[dict[str, Any], ...]:
    """
    Install the packs shipped with urbis for the actor's tenant, published.

    Each is written by ``urbis`` (the author of record), tested, then approved and published by
    the actor, leaving the same audit trail as a pack drafted by hand. A pack key the tenant
    already has is skipped.

    :raises RoleRequired: unless the actor is an administrator.
    :raises PackFailsChecks: if a shipped pack fails its own test cases.
    """
    identity.require_role(actor=env.actor, allowed=frozenset({identity.Role.ADMIN}))
    installed: list[dict[str, Any]] = []
    for data in packs:
        key = str(data["pack_key"])
        if env.packs.versions(env.actor.tenant_id, key):
            continue
        rules.extension_point(key=str(data["extension_point"]))
        at = env.clock.now()
        draft = rules.new_draft(
            version_id=rules.PackVersionId(env.ids.new_id()),
            tenant_id=env.actor.tenant_id,
            pack_key=key,
            version=1,
            extension_point=str(data["extension_point"]),
            title=str(data["title"]),
            effective_from=date.fromisoformat(str(data["effective_from"])),
            content=_content(data["content"]),
            test_cases=rules.test_cases_from_data(data=data.get("test_cases", ())),
            author_id=SHIPPED_BY,
            at=at,
        )
        report = evaluation.run_tests(engine=env.engine, pack=draft)
        tested = rules.mark_tested(pack=draft, report=report, at=at)
        approved = rules.approve(pack=tested, report=report, approver_id=env.actor.user_id, at=at)
        published = rules.publish(pack=approved, publisher_id=env.actor.user_id, at=at)
        env.packs.add(published)
        _audit(env, action="installed", before=None, after=published)
        installed.append(published.picture())
    return tuple(installed)
