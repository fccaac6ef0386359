"""Reads of the rules context: packs, versions, the questions, answers and simulations."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import polars as pl

from urbis.application.rules import evaluation, ports
from urbis.domain import identity, rules
from urbis.kernel import errors

STAFF = identity.STAFF_ROLES


def extension_points() -> list[dict[str, Any]]:
    """Every question the system asks, with its input and output fields."""
    return [
        {
            "key": p.key,
            "title": p.title,
            "description": p.description,
            "input": p.input.describe(),
            "output": p.output.describe(),
        }
        for p in rules.CATALOGUE.values()
    ]


def _get(env: ports.RulesEnv, version_id: str) -> rules.PackVersion:
    pack = env.packs.get(env.actor.tenant_id, rules.PackVersionId(version_id))
    if pack is None:
        raise errors.NotFound(
            f"No rule pack version {version_id}",
            details={"what": "rule pack version", "key": version_id},
        )
    return pack


def get_version(*, env: ports.RulesEnv, version_id: str) -> dict[str, Any]:
    """
    One version with its graph and test cases.

    :raises RoleRequired: unless the actor is staff.
    :raises NotFound: if it does not exist for the actor's tenant.
    """
    identity.require_role(actor=env.actor, allowed=STAFF)
    return _get(env, version_id).picture()


def find_version(*, env: ports.RulesEnv, pack_key: str, version: int) -> dict[str, Any]:
    """
    One version of a pack, by the pack's key and the version's number.

    :raises RoleRequired: unless the actor is staff.
    :raises NotFound: if the tenant's pack has no such version.
    """
    identity.require_role(actor=env.actor, allowed=STAFF)
    for found in env.packs.versions(env.actor.tenant_id, pack_key):
        if found.version == version:
            return found.picture()
    raise errors.NotFound(
        f"No version {version} of rule pack {pack_key}",
        details={"what": "rule pack version", "key": f"{pack_key} v{version}"},
    )


def list_packs(*, env: ports.RulesEnv) -> list[dict[str, Any]]:
    """
    Every pack of the tenant: its versions (newest first) without their graphs.

    :raises RoleRequired: unless the actor is staff.
    """
    identity.require_role(actor=env.actor, allowed=STAFF)
    by_key: dict[str, list[rules.PackVersion]] = {}
    for version in env.packs.all(env.actor.tenant_id):
        by_key.setdefault(version.pack_key, []).append(version)
    result = []
    for key in sorted(by_key):
        versions = sorted(by_key[key], key=lambda v: v.version, reverse=True)
        result.append(
            {
                "pack_key": key,
                "extension_point": versions[0].extension_point,
                "title": versions[0].title,
                "versions": [
                    {
                        "id": v.id,
                        "version": v.version,
                        "status": v.status.value,
                        "effective_from": v.effective_from.isoformat(),
                        "author_id": v.author_id,
                        "approved_by": v.approved_by,
                    }
                    for v in versions
                ],
            }
        )
    return result


def history(*, env: ports.RulesEnv, version_id: str) -> list[dict[str, Any]]:
    """
    The audit trail of one version, oldest first.

    :raises RoleRequired: unless the actor is staff.
    :raises NotFound: if it does not exist for the actor's tenant.
    """
    identity.require_role(actor=env.actor, allowed=STAFF)
    pack = _get(env, version_id)
    entries = env.audit.for_entity(env.actor.tenant_id, "rule_pack_version", pack.id)
    return [
        {
            "actor_id": e.actor_id,
            "at": e.at.isoformat(),
            "action": e.action,
            "before": e.before,
            "after": e.after,
        }
        for e in sorted(entries, key=lambda e: e.at)
    ]


def pack_in_force(*, env: ports.RulesEnv, extension_point: str, as_of: date) -> rules.PackVersion:
    """
    The published version answering an extension point on a date, for the actor's tenant.

    :raises UnknownExtensionPoint: if the system asks no such question.
    :raises NoPackInForce: if no published version answers it on that date.
    """
    rules.extension_point(key=extension_point)
    return rules.in_force(
        versions=env.packs.for_extension_point(env.actor.tenant_id, extension_point),
        extension_point=extension_point,
        as_of=as_of,
    )


def evaluate(
    *, env: ports.RulesEnv, extension_point: str, as_of: date, values: Mapping[str, Any]
) -> dict[str, Any]:
    """
    Answer an extension point for one input with the version in force on a date.

    Returns ``{"answer": {...}, "pack_key", "version", "version_id"}``.

    :raises RoleRequired: unless the actor is staff.
    :raises UnknownExtensionPoint: if the system asks no such question.
    :raises NoPackInForce: if no published version answers it on that date.
    :raises InvalidRuleInput: if the input does not fit the question.
    :raises RuleEvaluationFailed: if the version fails (naming pack, version and node).
    """
    identity.require_role(actor=env.actor, allowed=STAFF)
    pack = pack_in_force(env=env, extension_point=extension_point, as_of=as_of)
    answer = evaluation.answer_one(engine=env.engine, pack=pack, values=values)
    return {
        "answer": answer,
        "pack_key": pack.pack_key,
        "version": pack.version,
        "version_id": pack.id,
    }


def evaluate_frame(
    *, env: ports.RulesEnv, extension_point: str, as_of: date, frame: pl.DataFrame
) -> pl.DataFrame:
    """
    Answer an extension point for every row of a frame (a bill or collections run).

    Returns the frame with the answer's columns added; the version in force is evaluated once
    per distinct combination of the inputs it reads.

    :raises RoleRequired: unless the actor is staff.
    :raises NoPackInForce: if no published version answers it on that date.
    :raises InvalidRuleInput: if a column it reads is missing or holds values that do not fit.
    :raises RuleEvaluationFailed: if the version fails (naming pack, version and node).
    """
    identity.require_role(actor=env.actor, allowed=STAFF)
    pack = pack_in_force(env=env, extension_point=extension_point, as_of=as_of)
    answers = evaluation.answer_frame(engine=env.engine, pack=pack, frame=frame)
    return pl.concat(
        [frame.drop([c for c in answers.columns if c in frame.columns]), answers], how="horizontal"
    )


def _money(value: Any) -> Any:
    return None if value is None else {"amount": str(value.amount), "currency": value.currency}


def simulate(
    *,
    env: ports.RulesEnv,
    version_id: str,
    history: pl.DataFrame,
    as_of: date,
    account_column: str = "account",
    baseline_version_id: str | None = None,
    samples: int = 10,
    pricer: ports.AnswerPricer | None = None,
) -> dict[str, Any]:
    """
    Run a version (usually a draft) over a history of inputs and compare it with the baseline.
    A ``pricer`` given by the context that asks the question prices each row's answers itself
    (the money of the change, per row); else the extension point's impact does.

    The baseline is the version in force on ``as_of`` for the same extension point, or the one
    named. The report says how many answers change, how (transitions), by how much money (the
    extension point's impact), and shows sample accounts.

    :raises RoleRequired: unless the actor is staff.
    :raises NotFound: if a version does not exist for the actor's tenant.
    :raises NoPackInForce: if no baseline is named and none is in force on that date.
    :raises InvalidHistory: if the history lacks the account column or the money base.
    :raises InvalidRuleInput: if a column a version reads is missing or does not fit.
    :raises RuleEvaluationFailed: if a version fails (naming pack, version and node).
    """
    identity.require_role(actor=env.actor, allowed=STAFF)
    candidate = _get(env, version_id)
    if baseline_version_id is None:
        baseline = pack_in_force(env=env, extension_point=candidate.extension_point, as_of=as_of)
    else:
        baseline = _get(env, baseline_version_id)
        if baseline.extension_point != candidate.extension_point:
            raise errors.InvalidValue(
                f"{baseline.label} answers {baseline.extension_point}, "
                f"{candidate.label} answers {candidate.extension_point}"
            )
    point = rules.extension_point(key=candidate.extension_point)
    before = evaluation.answer_frame(engine=env.engine, pack=baseline, frame=history)
    after = evaluation.answer_frame(engine=env.engine, pack=candidate, frame=history)
    report = rules.compare_answers(
        point=point,
        history=history,
        account_column=account_column,
        before=before,
        after=after,
        baseline=baseline.label,
        candidate=candidate.label,
        currency=env.currency,
        samples=samples,
        priced=None if pricer is None else pricer(history, before, after),
    )
    return {
        "extension_point": report.extension_point,
        "baseline": {"label": report.baseline, "version_id": baseline.id},
        "candidate": {"label": report.candidate, "version_id": candidate.id},
        "rows": report.rows,
        "changed": report.changed,
        "changed_by_field": report.changed_by_field,
        "transitions": [
            {"field": t.field, "before": t.before, "after": t.after, "count": t.count}
            for t in report.transitions
        ],
        "money_delta": _money(report.money_delta),
        "money_increase": _money(report.money_increase),
        "money_decrease": _money(report.money_decrease),
        "samples": [
            {"account": s.account, "before": s.before, "after": s.after, "money": _money(s.money)}
            for s in report.samples
        ],
    }
