"""
The rule engine on zen-engine (GoRules JDM): decision tables, expressions, switches, functions.

One ``ZenEngine`` per process, with a loader over the graphs it has been shown: a version's
graph is registered under a key made of its tenant, pack, version and content digest, so a
draft that changes gets a new key, and a published graph is compiled once and its runtime
reused for every evaluation.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import zen

from urbis.application.rules import ports
from urbis.domain import rules

_TABLE, _EXPRESSION, _SWITCH = "decisionTableNode", "expressionNode", "switchNode"


def _exact(value: Any) -> Any:
    """Engine answers with JSON numbers turned into exact decimals (never floats)."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _exact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_exact(v) for v in value]
    return value


class ZenRuleEngine:
    """A ``RuleEngine`` on zen-engine; safe to share across a process's bill runs."""

    def __init__(self) -> None:
        self._graphs: dict[str, zen.ZenDecisionContent] = {}
        self._keys: dict[tuple[str, str, int, str], str] = {}
        self._engine = zen.ZenEngine({"loader": self._load})

    def _load(self, key: str) -> zen.ZenDecisionContent:
        return self._graphs[key]

    def _key(self, pack: rules.PackVersion) -> str:
        digest = hashlib.sha256(pack.content.encode()).hexdigest()[:20]
        ident = (pack.tenant_id, pack.pack_key, pack.version, digest)
        key = self._keys.get(ident)
        if key is None:
            key = f"{pack.tenant_id}/{pack.pack_key}/v{pack.version}/{digest}"
            self._graphs[key] = zen.ZenDecisionContent(pack.content)
            self._keys[ident] = key
        return key

    def _failure(self, pack: rules.PackVersion, exc: Exception) -> rules.RuleEvaluationFailed:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        try:
            error = json.loads(first)
        except ValueError:
            error = {"type": "EngineError", "source": first}
        if not isinstance(error, dict):
            error = {"type": "EngineError", "source": first}
        node_id = error.get("nodeId")
        names = {n.id: n.name for n in rules.parse_graph(content=pack.content).nodes}
        source = error.get("source")
        detail = source if isinstance(source, str) else json.dumps(source)
        where = f" in node {names.get(node_id, node_id)!r} ({node_id})" if node_id else ""
        return rules.RuleEvaluationFailed(
            f"{pack.label} failed{where}: {detail}",
            details={
                "pack_key": pack.pack_key,
                "version": pack.version,
                "node_id": node_id,
                "node": names.get(node_id) if node_id else None,
                "engine_error": error.get("type"),
            },
        )

    def evaluate(
        self, *, pack: rules.PackVersion, contexts: Sequence[Mapping[str, rules.Value]]
    ) -> list[dict[str, Any]]:
        """
        The graph's answer for each input, in order, numbers as exact decimals.

        :raises RuleEvaluationFailed: naming the pack, version and node that failed.
        """
        key = self._key(pack)
        answers: list[dict[str, Any]] = []
        evaluate = self._engine.evaluate
        for context in contexts:
            try:
                response = evaluate(key, rules.canonical_json(context))
            except RuntimeError as exc:
                raise self._failure(pack, exc) from None
            answers.append(_exact(response["result"]))
        return answers

    def trace(
        self, *, pack: rules.PackVersion, context: Mapping[str, rules.Value]
    ) -> tuple[ports.NodeTrace, ...]:
        """
        What each node gave for one input, in evaluation order.

        :raises RuleEvaluationFailed: naming the pack, version and node that failed.
        """
        try:
            response = self._engine.evaluate(
                self._key(pack), rules.canonical_json(context), {"trace": True}
            )
        except RuntimeError as exc:
            raise self._failure(pack, exc) from None
        types = {n.id: n.type for n in rules.parse_graph(content=pack.content).nodes}
        steps = sorted(response["trace"].values(), key=lambda step: int(step.get("order", 0)))
        return tuple(
            ports.NodeTrace(
                node_id=str(step["id"]),
                name=str(step.get("name", step["id"])),
                type=types.get(str(step["id"]), ""),
                output=_exact(step.get("output")),
            )
            for step in steps
        )

    def syntax_problems(self, *, content: str) -> tuple[rules.Problem, ...]:
        """Every expression or cell the engine cannot compile, and graph errors it finds."""
        problems: list[rules.Problem] = []
        try:
            self._engine.create_decision(zen.ZenDecisionContent(content)).validate()
        except RuntimeError as exc:
            problems.append(
                rules.Problem(code="engine", message=str(exc).splitlines()[0] if str(exc) else "")
            )
        try:
            graph = rules.parse_graph(content=content)
        except rules.MalformedGraph as exc:
            return (rules.Problem(code="malformed", message=exc.message),)
        for node in graph.nodes:
            for text, unary, where in _expressions(node):
                # compiling is the engine's own judgement (its validate_* helpers reject
                # comparisons such as '<= 0' that the evaluator accepts)
                compile_ = zen.compile_unary_expression if unary else zen.compile_expression
                try:
                    compile_(text)
                except RuntimeError as exc:
                    problems.append(
                        rules.Problem(
                            code="syntax",
                            message=f"Node {node.name!r}, {where}: {text!r} does not compile "
                            f"({_engine_message(exc)})",
                            node_id=node.id,
                        )
                    )
        return tuple(problems)


def _engine_message(exc: Exception) -> str:
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    try:
        error = json.loads(first)
    except ValueError:
        return first
    if isinstance(error, dict):
        return f"{error.get('type')}: {error.get('source')}"
    return first


def _expressions(node: rules.Node) -> list[tuple[str, bool, str]]:
    """(text, is unary, where) of every expression of a node."""
    content = node.content if isinstance(node.content, dict) else {}
    found: list[tuple[str, bool, str]] = []
    if node.type == _TABLE:
        inputs = {c.get("id"): c for c in content.get("inputs", []) if isinstance(c, dict)}
        outputs = {c.get("id"): c for c in content.get("outputs", []) if isinstance(c, dict)}
        for number, rule in enumerate(content.get("rules", []), start=1):
            if not isinstance(rule, dict):
                continue
            for column_id, text in rule.items():
                if not isinstance(text, str) or not text.strip() or column_id.startswith("_"):
                    continue
                if column_id in inputs:
                    column = inputs[column_id]
                    where = f"rule {number}, input {column.get('name', column_id)!r}"
                    found.append((text, bool(column.get("field")), where))
                elif column_id in outputs:
                    column = outputs[column_id]
                    where = f"rule {number}, output {column.get('name', column_id)!r}"
                    found.append((text, False, where))
        for column in inputs.values():
            if column.get("field"):
                found.append((str(column["field"]), False, f"input column {column.get('name')!r}"))
    elif node.type == _EXPRESSION:
        for item in content.get("expressions", []):
            if isinstance(item, dict) and item.get("value"):
                found.append((str(item["value"]), False, f"expression {item.get('key')!r}"))
    elif node.type == _SWITCH:
        for number, statement in enumerate(content.get("statements", []), start=1):
            if isinstance(statement, dict) and statement.get("condition"):
                found.append((str(statement["condition"]), False, f"condition {number}"))
    return found
