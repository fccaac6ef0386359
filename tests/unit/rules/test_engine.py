from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from tests.unit.rules import graphs
from tests.unit.rules.fakes import ENGINE
from urbis.application.rules import evaluation
from urbis.domain import rules
from urbis.kernel import ids


def _pack(
    graph: dict[str, Any],
    point: str = "subsidy_factor",
    cases: list[dict[str, Any]] | None = None,
) -> rules.PackVersion:
    return rules.new_draft(
        version_id=rules.PackVersionId("v7"),
        tenant_id=ids.TenantId("t1"),
        pack_key="subsidies",
        version=7,
        extension_point=point,
        title="Subsidies",
        effective_from=date(2026, 1, 1),
        content=rules.canonical_json(graph),
        test_cases=rules.test_cases_from_data(data=cases or graphs.SUBSIDY_CASES),
        author_id="ana",
        at=datetime(2026, 11, 2, tzinfo=UTC),
    )


ESTRATO_1 = {"service": "ELECTRICITY", "use_class": "RESIDENTIAL", "stratum": 1, "altitude_m": 2600}


class TestZenRuleEngine:
    def test_answers_with_exact_decimals(self) -> None:
        answer = evaluation.answer_one(
            engine=ENGINE, pack=_pack(graphs.subsidy_graph()), values=ESTRATO_1
        )

        assert answer == {
            "kind": "SUBSIDY",
            "factor": Decimal("-0.6"),
            "limit": Decimal(130),
            "legal_basis": None,
        }
        assert isinstance(answer["factor"], Decimal)

    def test_names_pack_version_and_node_when_an_expression_fails(self) -> None:
        graph = graphs.subsidy_graph()
        graph["nodes"][2]["content"]["expressions"][0]["value"] = "kind > 3"

        with pytest.raises(rules.RuleEvaluationFailed) as caught:
            evaluation.answer_one(engine=ENGINE, pack=_pack(graph), values=ESTRATO_1)

        assert caught.value.message.startswith("subsidies v7 failed in node 'Limit' (limit)")
        assert caught.value.details["node_id"] == "limit"
        assert caught.value.details["version"] == 7

    def test_names_the_table_that_matched_no_rule_instead_of_using_a_default(self) -> None:
        pack = _pack(graphs.subsidy_graph(with_fallback=False))

        with pytest.raises(rules.RuleEvaluationFailed) as caught:
            evaluation.answer_one(engine=ENGINE, pack=pack, values={**ESTRATO_1, "stratum": 4})

        assert "subsidies v7" in caught.value.message
        assert "decision table 'Factor' (factor) matched no rule" in caught.value.message
        assert caught.value.details["node"] == "Factor"

    def test_reports_cells_that_do_not_compile(self) -> None:
        graph = graphs.subsidy_graph()
        graph["nodes"][1]["content"]["rules"][0]["i-stratum"] = ">"

        problems = ENGINE.syntax_problems(content=rules.canonical_json(graph))

        assert [(p.code, p.node_id) for p in problems] == [("syntax", "factor")]
        assert "rule 1, input 'stratum'" in problems[0].message

    def test_accepts_comparison_cells_the_evaluator_accepts(self) -> None:
        graph = graphs.subsidy_graph()
        graph["nodes"][1]["content"]["rules"][0]["i-stratum"] = "<= 1"

        assert ENGINE.syntax_problems(content=rules.canonical_json(graph)) == ()

    def test_evaluates_a_draft_again_after_its_graph_changes(self) -> None:
        first = evaluation.answer_one(
            engine=ENGINE, pack=_pack(graphs.subsidy_graph("-0.60")), values=ESTRATO_1
        )
        second = evaluation.answer_one(
            engine=ENGINE, pack=_pack(graphs.subsidy_graph("-0.55")), values=ESTRATO_1
        )

        assert (first["factor"], second["factor"]) == (Decimal("-0.6"), Decimal("-0.55"))

    def test_runs_switch_and_function_nodes(self) -> None:
        graph = {
            "nodes": [
                graphs.node("in", "inputNode"),
                graphs.node(
                    "by-class",
                    "switchNode",
                    {
                        "hitPolicy": "first",
                        "statements": [
                            {"id": "res", "condition": "meter_class == 'RES'"},
                            {"id": "other", "condition": ""},
                        ],
                    },
                ),
                graphs.node(
                    "fn",
                    "functionNode",
                    {
                        "source": (
                            "export const handler = async (input) => ({ spike_factor: 12,"
                            " spike_floor: 1, high_factor: 3, low_factor: 0.2, zero_days: 3,"
                            " short_gap_intervals: 4, sum_tolerance: 0.02 });"
                        )
                    },
                ),
                graphs.node(
                    "limits", "decisionTableNode", graphs.vee_graph()["nodes"][1]["content"]
                ),
                graphs.node("out", "outputNode"),
            ],
            "edges": [
                graphs.edge("in", "by-class"),
                graphs.edge("by-class", "fn", "res"),
                graphs.edge("by-class", "limits", "other"),
                graphs.edge("fn", "out"),
                graphs.edge("limits", "out"),
            ],
        }
        pack = _pack(graph, point="vee_thresholds", cases=graphs.VEE_CASES)

        res = evaluation.answer_one(
            engine=ENGINE, pack=pack, values={"meter_class": "RES", "service": "WATER"}
        )
        other = evaluation.answer_one(
            engine=ENGINE, pack=pack, values={"meter_class": "C&I", "service": "WATER"}
        )

        assert (res["spike_factor"], other["spike_factor"]) == (12, 10)

    def test_names_the_function_node_that_throws(self) -> None:
        graph = graphs.vee_graph()
        graph["nodes"][1] = graphs.node(
            "fn",
            "functionNode",
            {
                "source": (
                    "export const handler = async (input) => { throw new Error('no limits'); };"
                )
            },
            name="Limits in code",
        )
        graph["edges"] = [graphs.edge("in", "fn"), graphs.edge("fn", "out")]

        with pytest.raises(rules.RuleEvaluationFailed, match="in node 'Limits in code' \\(fn\\)"):
            evaluation.answer_one(
                engine=ENGINE,
                pack=_pack(graph, point="vee_thresholds", cases=graphs.VEE_CASES),
                values={"meter_class": "RES", "service": "GAS"},
            )


class TestRunTests:
    def test_passes_a_sound_pack_with_passing_cases(self) -> None:
        report = evaluation.run_tests(engine=ENGINE, pack=_pack(graphs.subsidy_graph()))

        assert report.passed
        assert len(report.cases) == 2

    def test_fails_a_case_whose_answer_differs(self) -> None:
        report = evaluation.run_tests(engine=ENGINE, pack=_pack(graphs.subsidy_graph("-0.55")))

        assert not report.passed
        assert report.failures == ("test 'Estrato 1 in Bogotá': factor: expected -0.6, got -0.55",)

    def test_fails_a_case_with_an_input_the_question_does_not_take(self) -> None:
        cases = [{"name": "bad", "given": {"stratum": 1}, "expected": {"factor": -0.6}}]

        report = evaluation.run_tests(
            engine=ENGINE, pack=_pack(graphs.subsidy_graph(), cases=cases)
        )

        assert report.cases[0].error is not None
        assert report.cases[0].error.startswith("invalid_rule_input")

    def test_does_not_run_cases_of_a_graph_with_problems(self) -> None:
        graph = graphs.subsidy_graph()
        graph["edges"].append(graphs.edge("out", "in"))

        report = evaluation.run_tests(engine=ENGINE, pack=_pack(graph))

        assert [p.code for p in report.problems] == ["loop"]
        assert report.cases == ()
