"""Frames answered per decision key of a graph's deciding table (ADR 0034)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.rules.fakes import ENGINE
from tests.unit.rules.test_batch_and_simulation import CountingEngine
from urbis.adapters.rules import shipped
from urbis.application.rules import evaluation
from urbis.domain import billing, rules
from urbis.kernel import ids

POINT = rules.extension_point(key="bill_validation")
SCHEMA: dict[str, pl.DataType] = {
    "service": pl.String(),
    "bill_amount": pl.Decimal(20, 2),
    "consumption": pl.Decimal(20, 3),
    "average_consumption": pl.Decimal(20, 3),
    "consecutive_estimates": pl.Int64(),
    "days_in_period": pl.Int64(),
}


def _graph() -> dict[str, Any]:
    data = next(p for p in shipped.shipped_packs() if p["pack_key"] == "bill_validation_default")
    return copy.deepcopy(data["content"])


def _pack(graph: dict[str, Any] | None = None) -> rules.PackVersion:
    return rules.new_draft(
        version_id=rules.PackVersionId("v"),
        tenant_id=ids.TenantId("t"),
        pack_key="bill_validation_default",
        version=1,
        extension_point="bill_validation",
        title="t",
        effective_from=date(2020, 1, 1),
        content=rules.canonical_json(graph or _graph()),
        test_cases=(),
        author_id="a",
        at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def _table(graph: dict[str, Any]) -> dict[str, Any]:
    return next(n for n in graph["nodes"] if n["type"] == "decisionTableNode")


def _one_by_one(pack: rules.PackVersion, frame: pl.DataFrame) -> list[tuple[str, str]]:
    answers = [
        evaluation.answer_one(
            engine=ENGINE, pack=pack, values={k: v for k, v in row.items() if v is not None}
        )
        for row in frame.to_dicts()
    ]
    return [(str(a["action"]), str(a["reason"])) for a in answers]


def _pairs(frame: pl.DataFrame) -> list[tuple[str, str]]:
    return list(zip(frame["action"].to_list(), frame["reason"].to_list(), strict=True))


class TestTablePlan:
    def test_the_shipped_bill_validation_graph_is_decided_by_its_table(self) -> None:
        plan = rules.table_plan(content=_pack().content, point=POINT)

        assert plan is not None
        assert plan.node_name == "Validation"
        assert [name for name, _ in plan.computed] == ["ratio", "has_history"]
        ratio = next(c for c in plan.columns if c.id == "in-ratio")
        assert ratio.cuts == (Decimal("0.35"), Decimal("1.65"))
        assert next(c for c in plan.columns if c.id == "in-has_history").cuts is None

    def test_a_cell_that_reads_another_field_does_not_qualify(self) -> None:
        graph = _graph()
        _table(graph)["content"]["rules"][0]["in-bill_amount"] = "< consumption"

        assert rules.table_plan(content=_pack(graph).content, point=POINT) is None

    def test_an_answer_computed_from_the_input_does_not_qualify(self) -> None:
        graph = _graph()
        _table(graph)["content"]["rules"][-1]["out-reason"] = "service"

        assert rules.table_plan(content=_pack(graph).content, point=POINT) is None

    def test_an_expression_with_a_function_call_does_not_qualify(self) -> None:
        graph = _graph()
        history = next(n for n in graph["nodes"] if n["type"] == "expressionNode")
        history["content"]["expressions"][0]["value"] = "round(consumption / 3)"

        assert rules.table_plan(content=_pack(graph).content, point=POINT) is None

    @pytest.mark.parametrize("text", ["a.b", "max(1, 2)", "$ > 1", "x in [1..2]", "1 ^ 2", "'open"])
    def test_the_parser_refuses_what_it_does_not_compute(self, text: str) -> None:
        with pytest.raises(rules.UnsupportedExpression):
            rules.parse_expression(text)


def _boundary_rows() -> list[dict[str, Any]]:
    """Rows on every constant of the shipped graph, exactly and computed."""
    rows = []
    for consumption, average, days in [
        ("330", "200", 30),  # ratio exactly 1.65
        ("330.001", "200", 30),
        ("70", "200", 30),  # ratio exactly 0.35
        ("69.999", "200", 30),
        ("0", "200", 30),
        ("10", "0", 30),  # no history: average zero
        ("10", None, 30),
        ("-0.001", "5", 30),
        ("341", "200", 31),  # 341 * 30 / 31 / 200 = 1.65
        ("1", "3", 7),
    ]:
        for amount in ("0", "0.01", "-5", "1200"):
            for estimates in (2, 3):
                rows.append(
                    {
                        "service": "WATER",
                        "bill_amount": Decimal(amount),
                        "consumption": Decimal(consumption),
                        "average_consumption": None if average is None else Decimal(average),
                        "consecutive_estimates": estimates,
                        "days_in_period": days,
                    }
                )
    return rows


class TestAnswerPerDecisionKey:
    def test_gives_the_row_by_row_answers_on_every_boundary(self) -> None:
        pack = _pack()
        frame = pl.DataFrame(_boundary_rows(), schema=SCHEMA)

        answered = evaluation.answer_frame(engine=ENGINE, pack=pack, frame=frame)

        assert _pairs(answered) == _one_by_one(pack, frame)

    @settings(max_examples=25, deadline=None)
    @given(
        st.lists(
            st.tuples(
                st.integers(-200, 50_000_000),
                st.integers(-1_000, 900_000),
                st.one_of(st.none(), st.integers(0, 600_000)),
                st.integers(0, 4),
                st.sampled_from([28, 30, 31, 61]),
            ),
            min_size=1,
            max_size=40,
        )
    )
    def test_gives_the_row_by_row_answers_on_random_frames(
        self, raw: list[tuple[int, int, int | None, int, int]]
    ) -> None:
        pack = _pack()
        frame = pl.DataFrame(
            [
                {
                    "service": "ELECTRICITY",
                    "bill_amount": Decimal(amount).scaleb(-2),
                    "consumption": Decimal(use).scaleb(-3),
                    "average_consumption": None if avg is None else Decimal(avg).scaleb(-3),
                    "consecutive_estimates": estimates,
                    "days_in_period": days,
                }
                for amount, use, avg, estimates, days in raw
            ],
            schema=SCHEMA,
        )

        answered = evaluation.answer_frame(engine=ENGINE, pack=pack, frame=frame)

        assert _pairs(answered) == _one_by_one(pack, frame)

    def test_the_shipped_pack_holds_what_the_configured_policy_holds(self) -> None:
        frame = pl.DataFrame(_boundary_rows(), schema=SCHEMA)

        answered = evaluation.answer_frame(engine=ENGINE, pack=_pack(), frame=frame)
        policy = billing.validate_frame(frame=frame, policy=billing.ValidationPolicy())

        assert _pairs(answered) == _pairs(policy)

    def test_asks_once_per_decision_key_not_once_per_bill(self) -> None:
        pack, engine = _pack(), CountingEngine()
        frame = pl.DataFrame(
            [
                {
                    "service": "ELECTRICITY",
                    "bill_amount": Decimal(50_000 + n * 7),
                    "consumption": Decimal(100 + n % 211),
                    "average_consumption": Decimal(120 + n % 13),
                    "consecutive_estimates": n % 2,
                    "days_in_period": 30,
                }
                for n in range(3_000)
            ],
            schema=SCHEMA,
        )

        answered = evaluation.answer_frame(engine=engine, pack=pack, frame=frame)

        assert answered.height == 3_000
        assert set(answered["reason"].to_list()) == {"OK", "HIGH_AGAINST_HISTORY"}
        assert engine.asked <= 10

    def test_a_division_by_zero_is_answered_as_the_engine_answers_it(self) -> None:
        pack = _pack(_unguarded())
        rows = [
            {**_boundary_rows()[6], "average_consumption": Decimal(average)}
            for average in ("0", "5", "0.000", "20")
        ]
        frame = pl.DataFrame(rows, schema=SCHEMA)

        answered = evaluation.answer_frame(engine=ENGINE, pack=pack, frame=frame)

        assert _pairs(answered) == _one_by_one(pack, frame)

    def test_a_null_the_expression_does_not_test_fails_naming_pack_version_and_node(
        self,
    ) -> None:
        pack = _pack(_unguarded())
        frame = pl.DataFrame(_boundary_rows()[48:52], schema=SCHEMA)  # no average

        with pytest.raises(rules.RuleEvaluationFailed) as raised:
            evaluation.answer_frame(engine=ENGINE, pack=pack, frame=frame)

        assert raised.value.details["pack_key"] == "bill_validation_default"
        assert raised.value.details["version"] == 1
        assert raised.value.details["node_id"] == "history"


def _unguarded() -> dict[str, Any]:
    """The shipped graph with its ratio computed without testing for a missing average."""
    graph = _graph()
    history = next(n for n in graph["nodes"] if n["type"] == "expressionNode")
    history["content"]["expressions"][0]["value"] = "consumption / average_consumption"
    copied: dict[str, Any] = json.loads(json.dumps(graph))
    return copied
