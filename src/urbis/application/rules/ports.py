"""What the rules use cases need from the outside world: the engine and the pack repository."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any, Protocol

import attrs
import polars as pl

from urbis.application import ports
from urbis.domain import identity, rules
from urbis.kernel import ids

AnswerPricer = Callable[[pl.DataFrame, pl.DataFrame, pl.DataFrame], pl.Series]
"""
Prices a simulation's answers: given the history and the baseline's and candidate's answers
(row order), the money each row's change makes, in minor units (candidate − baseline).
"""


@attrs.frozen
class NodeTrace:
    """What one node of a graph gave for one input (for explaining an answer or a failure)."""

    node_id: str
    name: str
    type: str
    output: Any


class RuleEngine(Protocol):
    """Evaluates rule graphs (GoRules JDM) and checks their expressions."""

    def syntax_problems(self, *, content: str) -> tuple[rules.Problem, ...]:
        """Every expression or cell of the graph the engine cannot compile (empty when none)."""
        ...

    def evaluate(
        self, *, pack: rules.PackVersion, contexts: Sequence[Mapping[str, rules.Value]]
    ) -> list[dict[str, Any]]:
        """
        The graph's raw answer for each input, in order.

        :raises RuleEvaluationFailed: naming the pack, version and node that failed.
        """
        ...

    def trace(
        self, *, pack: rules.PackVersion, context: Mapping[str, rules.Value]
    ) -> tuple[NodeTrace, ...]:
        """
        What each node gave for one input, in evaluation order.

        :raises RuleEvaluationFailed: naming the pack, version and node that failed.
        """
        ...


class RulePackRepository(Protocol):
    """Pack versions of every tenant; a published version is never updated."""

    def add(self, pack: rules.PackVersion) -> None: ...
    def update(self, pack: rules.PackVersion) -> None: ...
    def get(
        self, tenant_id: ids.TenantId, version_id: rules.PackVersionId
    ) -> rules.PackVersion | None: ...
    def versions(self, tenant_id: ids.TenantId, pack_key: str) -> Sequence[rules.PackVersion]: ...
    def for_extension_point(
        self, tenant_id: ids.TenantId, extension_point: str
    ) -> Sequence[rules.PackVersion]: ...
    def all(self, tenant_id: ids.TenantId) -> Sequence[rules.PackVersion]: ...


@attrs.frozen
class BatchAnswer:
    """The answers to one question for every row of a frame, and the version that gave them."""

    extension_point: str
    pack_key: str
    version: int
    version_id: str
    frame: pl.DataFrame
    """The caller's frame with the answer's columns added (replacing any of the same name)."""


class RuleAnswers(Protocol):
    """What other contexts hold to ask the rules in batch (a bill run, a collections run)."""

    def answer_frame(
        self, *, tenant_id: ids.TenantId, extension_point: str, as_of: date, frame: pl.DataFrame
    ) -> BatchAnswer:
        """
        The published version in force answers every row, once per distinct input.

        :raises NoPackInForce: if no published version answers it on that date.
        :raises InvalidRuleInput: if a column the graph reads is missing or does not fit.
        :raises RuleEvaluationFailed: if the graph fails (naming the pack, version and node).
        """
        ...


@attrs.frozen
class RulesEnv:
    """The caller and the outside world the rules use cases run against."""

    actor: identity.Actor
    clock: ports.Clock
    ids: ports.IdGenerator
    packs: RulePackRepository
    audit: ports.AuditLog
    engine: RuleEngine
    currency: str = "COP"
