"""Small JDM graphs for tests, built in code so each test shows what it changes."""

from __future__ import annotations

from typing import Any


def node(node_id: str, kind: str, content: Any = None, name: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": node_id,
        "type": kind,
        "name": name or node_id,
        "position": {"x": 0, "y": 0},
    }
    if content is not None:
        found["content"] = content
    return found


def edge(source: str, target: str, handle: str | None = None) -> dict[str, Any]:
    found = {"id": f"{source}-{target}", "sourceId": source, "targetId": target, "type": "edge"}
    if handle:
        found["sourceHandle"] = handle
    return found


def table(
    inputs: list[str], outputs: list[str], rows: list[tuple[list[str], list[str]]]
) -> dict[str, Any]:
    return {
        "hitPolicy": "first",
        "inputs": [{"id": f"i-{f}", "name": f, "field": f} for f in inputs],
        "outputs": [{"id": f"o-{f}", "name": f, "field": f} for f in outputs],
        "rules": [
            {
                "_id": f"r{n}",
                **{f"i-{f}": v for f, v in zip(inputs, cells, strict=True)},
                **{f"o-{f}": v for f, v in zip(outputs, answers, strict=True)},
            }
            for n, (cells, answers) in enumerate(rows, start=1)
        ],
    }


def vee_graph(spike: str = "10", zero_days: str = "3") -> dict[str, Any]:
    """A one-table graph answering vee_thresholds: RES gets the given values, others defaults."""
    outputs = [
        "spike_factor",
        "spike_floor",
        "high_factor",
        "low_factor",
        "zero_days",
        "short_gap_intervals",
        "sum_tolerance",
    ]
    return {
        "nodes": [
            node("in", "inputNode"),
            node(
                "limits",
                "decisionTableNode",
                table(
                    ["meter_class"],
                    outputs,
                    [
                        (["'RES'"], [spike, "1", "3", "0.2", zero_days, "4", "0.02"]),
                        ([""], ["10", "1", "3", "0.2", "3", "4", "0.02"]),
                    ],
                ),
                name="Limits",
            ),
            node("out", "outputNode"),
        ],
        "edges": [edge("in", "limits"), edge("limits", "out")],
    }


def subsidy_graph(estrato_1: str = "-0.60", *, with_fallback: bool = True) -> dict[str, Any]:
    """Electricity factor by stratum, and a subsistence limit by altitude."""
    rows = [
        (["1"], ["'SUBSIDY'", estrato_1]),
        (["2"], ["'SUBSIDY'", "-0.50"]),
        (["[5..6]"], ["'CONTRIBUTION'", "0.20"]),
    ]
    if with_fallback:
        rows.append(([""], ["'NONE'", "0"]))
    return {
        "nodes": [
            node("in", "inputNode"),
            node(
                "factor",
                "decisionTableNode",
                table(["stratum"], ["kind", "factor"], rows),
                name="Factor",
            ),
            node(
                "limit",
                "expressionNode",
                {
                    "expressions": [
                        {
                            "id": "e1",
                            "key": "limit",
                            "value": "kind == 'SUBSIDY' ? (altitude_m >= 1000 ? 130 : 173) : 0",
                        }
                    ]
                },
                name="Limit",
            ),
            node("out", "outputNode"),
        ],
        "edges": [
            edge("in", "factor"),
            edge("in", "limit"),
            edge("factor", "limit"),
            edge("factor", "out"),
            edge("limit", "out"),
        ],
    }


VEE_CASES: list[dict[str, Any]] = [
    {
        "name": "RES takes its own spike factor",
        "given": {"meter_class": "RES", "service": "ELECTRICITY"},
        "expected": {"spike_factor": 10, "zero_days": 3},
    },
    {
        "name": "Other classes take the defaults",
        "given": {"meter_class": "C&I", "service": "ELECTRICITY"},
        "expected": {"spike_factor": 10},
    },
]

SUBSIDY_CASES: list[dict[str, Any]] = [
    {
        "name": "Estrato 1 in Bogotá",
        "given": {
            "service": "ELECTRICITY",
            "use_class": "RESIDENTIAL",
            "stratum": 1,
            "altitude_m": 2600,
        },
        "expected": {"kind": "SUBSIDY", "factor": -0.6, "limit": 130},
    },
    {
        "name": "Estrato 6 on the coast",
        "given": {
            "service": "ELECTRICITY",
            "use_class": "RESIDENTIAL",
            "stratum": 6,
            "altitude_m": 5,
        },
        "expected": {"kind": "CONTRIBUTION", "factor": 0.2, "limit": 0},
    },
]
