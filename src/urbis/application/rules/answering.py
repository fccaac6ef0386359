"""
How other contexts ask the rules their questions in batch: a bill run asks ``bill_validation``,
a collections run ``collection_action``, each for a whole frame of accounts at once.

The published version in force on the run's date answers, once per distinct combination of the
inputs its graph reads (ADR 0031); the result names that version, so that what the run decided
can be traced to the rules that decided it. Nothing falls back to a default: no version in
force, an input that does not fit, or a failing graph stops the run with a stable code.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from urbis.application.rules import evaluation, ports
from urbis.domain import rules
from urbis.kernel import ids


class PublishedPackAnswers:
    """Answers extension points with the tenant's published packs (a ``RuleAnswers``)."""

    def __init__(self, *, packs: ports.RulePackRepository, engine: ports.RuleEngine) -> None:
        self._packs = packs
        self._engine = engine

    def answer_frame(
        self, *, tenant_id: ids.TenantId, extension_point: str, as_of: date, frame: pl.DataFrame
    ) -> ports.BatchAnswer:
        """
        Answer a question for every row of a frame with the version in force on a date.

        :raises UnknownExtensionPoint: if the system asks no such question.
        :raises NoPackInForce: if no published version answers it on that date.
        :raises InvalidRuleInput: if a column the graph reads is missing or does not fit.
        :raises RuleEvaluationFailed: if the graph fails (naming the pack, version and node).
        """
        return answer_frame(
            packs=self._packs,
            engine=self._engine,
            tenant_id=tenant_id,
            extension_point=extension_point,
            as_of=as_of,
            frame=frame,
        )


def answer_frame(
    *,
    packs: ports.RulePackRepository,
    engine: ports.RuleEngine,
    tenant_id: ids.TenantId,
    extension_point: str,
    as_of: date,
    frame: pl.DataFrame,
) -> ports.BatchAnswer:
    """
    Answer a question for every row of a frame with the tenant's version in force on a date.

    :raises UnknownExtensionPoint: if the system asks no such question.
    :raises NoPackInForce: if no published version answers it on that date.
    :raises InvalidRuleInput: if a column the graph reads is missing or does not fit.
    :raises RuleEvaluationFailed: if the graph fails (naming the pack, version and node).
    """
    rules.extension_point(key=extension_point)
    pack = rules.in_force(
        versions=packs.for_extension_point(tenant_id, extension_point),
        extension_point=extension_point,
        as_of=as_of,
    )
    answers = evaluation.answer_frame(engine=engine, pack=pack, frame=frame)
    return ports.BatchAnswer(
        extension_point=extension_point,
        pack_key=pack.pack_key,
        version=pack.version,
        version_id=pack.id,
        frame=pl.concat(
            [frame.drop([c for c in answers.columns if c in frame.columns]), answers],
            how="horizontal",
        ),
    )


def version_in_force(
    *,
    packs: ports.RulePackRepository,
    tenant_id: ids.TenantId,
    extension_point: str,
    as_of: date,
) -> rules.PackVersion | None:
    """
    The tenant's published version answering a question on a date; None when none is in force.

    :raises UnknownExtensionPoint: if the system asks no such question.
    """
    rules.extension_point(key=extension_point)
    try:
        return rules.in_force(
            versions=packs.for_extension_point(tenant_id, extension_point),
            extension_point=extension_point,
            as_of=as_of,
        )
    except rules.NoPackInForce:
        return None


def answer_with(
    *, engine: ports.RuleEngine, pack: rules.PackVersion, frame: pl.DataFrame
) -> pl.DataFrame:
    """
    One version's answers for every row of a frame (``evaluation.answer_frame``), every failure
    naming the pack and version.

    :raises InvalidRuleInput: if a column the graph reads is missing or does not fit.
    :raises RuleEvaluationFailed: if the graph fails (naming the pack, version and node).
    """
    try:
        return evaluation.answer_frame(engine=engine, pack=pack, frame=frame)
    except rules.InvalidRuleInput as exc:
        raise rules.InvalidRuleInput(
            f"{pack.label}: {exc.message}",
            details={**exc.details, "pack_key": pack.pack_key, "version": pack.version},
        ) from None
