"""
A decision table's constant answers are checked against the question's answer schema before a
pack can be tested, approved or saved: a row no test case reaches cannot hide a choice the
question does not offer or a number out of range.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from urbis.domain import rules

PACKS = Path(__file__).resolve().parents[3] / "src" / "urbis" / "adapters" / "rules" / "packs"


def _shipped(pack: str) -> dict[str, Any]:
    graph: dict[str, Any] = json.loads((PACKS / pack / "graph.json").read_text())
    return graph


def _problems(graph: dict[str, Any], point: str) -> list[tuple[str, str | None]]:
    found = rules.graph_problems(content=json.dumps(graph), point=rules.extension_point(key=point))
    return [(p.code, p.node_id) for p in found if p.code == "answer_outside_schema"]


def _first_table(graph: dict[str, Any]) -> dict[str, Any]:
    table: dict[str, Any] = next(n for n in graph["nodes"] if n["type"] == "decisionTableNode")
    return table


class TestAnswersOutsideTheSchema:
    @pytest.mark.parametrize(
        ("pack", "point"),
        [
            ("co_solidarity_factors", "subsidy_factor"),
            ("co_collections_policy", "collection_action"),
            ("bill_validation_default", "bill_validation"),
            ("case_routing_default", "case_routing"),
            ("deposit_default", "deposit_required"),
            ("vee_thresholds_default", "vee_thresholds"),
        ],
    )
    def test_the_shipped_packs_answer_within_their_questions(self, pack: str, point: str) -> None:
        assert _problems(_shipped(pack), point) == []

    @pytest.mark.parametrize(
        ("column", "cell"),
        [
            ("out-kind", "'BOGUS'"),  # not one of the question's kinds
            ("out-factor", "5"),  # above the schema's maximum
            ("out-factor", "'a lot'"),  # text where a number goes
        ],
    )
    def test_a_row_answering_outside_the_schema_is_a_problem_naming_its_table(
        self, column: str, cell: str
    ) -> None:
        graph = copy.deepcopy(_shipped("co_solidarity_factors"))
        table = _first_table(graph)
        table["content"]["rules"][-1][column] = cell

        assert _problems(graph, "subsidy_factor") == [("answer_outside_schema", table["id"])]

    def test_expressions_are_left_to_the_engine(self) -> None:
        graph = copy.deepcopy(_shipped("co_solidarity_factors"))
        _first_table(graph)["content"]["rules"][-1]["out-factor"] = "stratum * 0.1"

        assert _problems(graph, "subsidy_factor") == []
