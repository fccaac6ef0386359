from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.rules import graphs
from tests.unit.rules.fakes import ENGINE, World
from urbis.adapters.rules import shipped
from urbis.application.rules import evaluation, operations, ports, queries
from urbis.domain import identity, rules


class CountingEngine:
    """The real engine, counting the inputs it is asked about."""

    def __init__(self) -> None:
        self.asked = 0

    def syntax_problems(self, *, content: str) -> tuple[rules.Problem, ...]:
        return ENGINE.syntax_problems(content=content)

    def evaluate(
        self, *, pack: rules.PackVersion, contexts: Sequence[Mapping[str, rules.Value]]
    ) -> list[dict[str, Any]]:
        self.asked += len(contexts)
        return ENGINE.evaluate(pack=pack, contexts=contexts)

    def trace(
        self, *, pack: rules.PackVersion, context: Mapping[str, rules.Value]
    ) -> tuple[ports.NodeTrace, ...]:
        return ENGINE.trace(pack=pack, context=context)


def _pack(graph: dict[str, Any] | None = None, point: str = "subsidy_factor") -> rules.PackVersion:
    world = World()
    draft = operations.create_draft(
        env=world.env_for("ana"),
        pack_key="pack",
        extension_point=point,
        title="p",
        effective_from=date(2026, 1, 1),
        content=graph or graphs.subsidy_graph(),
    )
    return world.packs.rows[("tenant-1", draft["id"])]


def _homes(strata: list[int], altitudes: list[int]) -> pl.DataFrame:
    n = len(strata)
    return pl.DataFrame(
        {
            "account": [f"A{i:05d}" for i in range(n)],
            "service": ["ELECTRICITY"] * n,
            "use_class": ["RESIDENTIAL"] * n,
            "stratum": strata,
            "altitude_m": altitudes,
            "consumption": [Decimal(100 + i) for i in range(n)],
        },
        schema_overrides={"consumption": pl.Decimal(38, 3)},
    )


class TestAnswerFrame:
    @settings(max_examples=25, deadline=None)
    @given(
        st.lists(
            st.tuples(st.integers(min_value=1, max_value=6), st.sampled_from([0, 999, 1000, 2600])),
            min_size=1,
            max_size=40,
        )
    )
    def test_agrees_with_asking_row_by_row(self, rows: list[tuple[int, int]]) -> None:
        pack = _pack()
        frame = _homes([s for s, _ in rows], [a for _, a in rows])

        answers = evaluation.answer_frame(engine=ENGINE, pack=pack, frame=frame)

        one_by_one = [
            evaluation.answer_one(
                engine=ENGINE, pack=pack, values={k: v for k, v in row.items() if k != "account"}
            )
            for row in frame.iter_rows(named=True)
        ]
        assert answers.to_dicts() == one_by_one

    def test_asks_once_per_distinct_combination_of_the_inputs_the_graph_reads(self) -> None:
        engine = CountingEngine()
        frame = _homes([1, 2, 1, 1, 6, 2] * 500, [2600, 2600, 2600, 18, 18, 2600] * 500)

        answers = evaluation.answer_frame(engine=engine, pack=_pack(), frame=frame)

        assert engine.asked == 4  # consumption differs on every row but the graph does not read it
        assert answers.height == 3000
        assert answers.schema["factor"] == pl.Decimal(38, 6)

    def test_asks_once_when_the_answer_depends_on_no_input(self) -> None:
        graph = graphs.vee_graph()
        graph["nodes"][1]["content"]["rules"] = graph["nodes"][1]["content"]["rules"][1:]
        graph["nodes"][1]["content"]["inputs"] = []
        engine = CountingEngine()
        frame = pl.DataFrame({"meter_class": ["RES", "C&I", "RES"], "service": ["ELECTRICITY"] * 3})

        answers = evaluation.answer_frame(
            engine=engine, pack=_pack(graph, "vee_thresholds"), frame=frame
        )

        assert engine.asked == 1
        assert answers.get_column("zero_days").to_list() == [3, 3, 3]

    def test_names_a_column_the_graph_reads_that_the_frame_lacks(self) -> None:
        frame = _homes([1], [2600]).drop("altitude_m")

        with pytest.raises(rules.InvalidRuleInput, match="reads altitude_m"):
            evaluation.answer_frame(engine=ENGINE, pack=_pack(), frame=frame)

    def test_rejects_values_that_do_not_fit_the_question(self) -> None:
        frame = _homes([1, 9], [2600, 2600])

        with pytest.raises(rules.InvalidRuleInput, match="stratum: must be at most 6"):
            evaluation.answer_frame(engine=ENGINE, pack=_pack(), frame=frame)

    def test_a_bill_run_gets_the_answers_beside_its_columns(self) -> None:
        world = World()
        operations.install_shipped_packs(
            env=world.env_for("root", identity.Role.ADMIN), packs=shipped.shipped_packs()
        )
        frame = _homes([1, 4, 5], [2600, 2600, 18])

        run = queries.evaluate_frame(
            env=world.env_for("bill", identity.Role.BILLING_ANALYST),
            extension_point="subsidy_factor",
            as_of=date(2026, 11, 1),
            frame=frame,
        )

        assert run.columns[:6] == frame.columns
        assert run.select("kind", "factor", "limit").rows() == [
            ("SUBSIDY", Decimal("-0.6"), Decimal(130)),
            ("NONE", Decimal(0), Decimal(0)),
            ("CONTRIBUTION", Decimal("0.2"), Decimal(0)),
        ]


class TestCompareAnswers:
    def _answers(self, factors: list[str]) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "kind": ["SUBSIDY" if Decimal(f) < 0 else "CONTRIBUTION" for f in factors],
                "factor": [Decimal(f) for f in factors],
                "limit": [Decimal(130)] * len(factors),
                "legal_basis": [None] * len(factors),
            },
            schema_overrides={
                "factor": pl.Decimal(38, 6),
                "limit": pl.Decimal(38, 3),
                "legal_basis": pl.String,
            },
        )

    def _compare(
        self, history: pl.DataFrame, before: list[str], after: list[str]
    ) -> rules.SimulationReport:
        return rules.compare_answers(
            point=rules.SUBSIDY_FACTOR,
            history=history,
            account_column="account",
            before=self._answers(before),
            after=self._answers(after),
            baseline="p v1",
            candidate="p v2",
            currency="COP",
        )

    def test_counts_changes_and_prices_a_factor_change_on_the_base_amount(self) -> None:
        history = pl.DataFrame(
            {
                "account": ["a", "b", "c"],
                "reference_amount": [
                    Decimal("100000.00"),
                    Decimal("50000.00"),
                    Decimal("70000.00"),
                ],
            }
        )

        report = self._compare(history, ["-0.60", "-0.50", "0.20"], ["-0.55", "-0.50", "0.25"])

        assert (report.rows, report.changed, report.changed_by_field["factor"]) == (3, 2, 2)
        # a: 100000 x 0.05 = 5000 (less subsidy); c: 70000 x 0.05 = 3500 (more contribution)
        assert report.money_delta is not None
        assert report.money_delta.amount == Decimal("8500.00")
        assert [s.account for s in report.samples] == ["a", "c"]

    def test_rounds_each_account_half_up_to_the_centavo(self) -> None:
        history = pl.DataFrame(
            {"account": ["a", "b"], "reference_amount": [Decimal("0.01"), Decimal("0.01")]}
        )

        report = self._compare(history, ["-0.60", "0.20"], ["-0.10", "-0.30"])

        assert report.money_increase is not None
        assert report.money_increase.amount == Decimal("0.01")
        assert report.money_decrease is not None
        assert report.money_decrease.amount == Decimal("-0.01")
        assert report.money_delta is not None
        assert report.money_delta.amount == 0

    def test_lists_how_answers_moved(self) -> None:
        history = pl.DataFrame(
            {"account": ["a", "b"], "reference_amount": [Decimal(1), Decimal(1)]}
        )

        report = self._compare(history, ["-0.60", "0.20"], ["0.20", "0.20"])

        assert [(t.field, t.before, t.after, t.count) for t in report.transitions] == [
            ("kind", "SUBSIDY", "CONTRIBUTION", 1)
        ]

    def test_needs_the_base_amount_column(self) -> None:
        with pytest.raises(rules.InvalidHistory, match="reference_amount"):
            self._compare(pl.DataFrame({"account": ["a"]}), ["-0.6"], ["-0.5"])


class TestSimulate:
    def test_shows_what_a_draft_would_change_against_the_published_version(self) -> None:
        world = World()
        operations.install_shipped_packs(
            env=world.env_for("root", identity.Role.ADMIN), packs=shipped.shipped_packs()
        )
        published = queries.pack_in_force(
            env=world.env_for("ana"), extension_point="subsidy_factor", as_of=date(2026, 11, 1)
        )
        draft = operations.create_draft_from(env=world.env_for("ana"), version_id=published.id)
        graph = rules.read_json(rules.canonical_json(draft["content"]))
        water = next(n for n in graph["nodes"] if n["id"] == "water-factor")
        # a municipality that grants less than the legal maximum (ESPA Marinilla, May 2016)
        water["content"]["rules"][0]["out-factor"] = "-0.30"
        water["content"]["rules"][1]["out-factor"] = "-0.20"
        operations.edit_draft(env=world.env_for("ana"), version_id=draft["id"], content=graph)
        history = pl.DataFrame(
            {
                "account": ["W1", "W2", "W3", "E1"],
                "service": ["WATER", "WATER", "WATER", "ELECTRICITY"],
                "use_class": ["RESIDENTIAL"] * 4,
                "stratum": [1, 2, 5, 1],
                "altitude_m": [2100] * 4,
                "reference_amount": [
                    Decimal("14552.56"),
                    Decimal("14552.56"),
                    Decimal("14552.56"),
                    Decimal("77090.00"),
                ],
            }
        )

        report = queries.simulate(
            env=world.env_for("ana"),
            version_id=draft["id"],
            history=history,
            as_of=date(2026, 11, 1),
        )

        assert report["baseline"]["label"] == "co_solidarity_factors v1"
        assert (report["rows"], report["changed"]) == (4, 2)
        # W1: 14552.56 x (0.70 - 0.30) = 5821.024 -> 5821.02; W2: x 0.20 = 2910.512 -> 2910.51
        assert report["money_delta"] == {"amount": "8731.53", "currency": "COP"}
        assert [s["account"] for s in report["samples"]] == ["W1", "W2"]
        assert report["samples"][0]["before"]["factor"] == Decimal("-0.7")


def _collections_pack() -> rules.PackVersion:
    data = next(p for p in shipped.shipped_packs() if p["pack_key"] == "co_collections_policy")
    return _pack(data["content"], "collection_action")


_arrears = st.tuples(
    st.integers(min_value=0, max_value=200),
    st.decimals(min_value=0, max_value=10_000, places=2),
    st.booleans(),
    st.one_of(st.none(), st.decimals(min_value=0, max_value=1, places=2)),
)


def _arrears_frame(rows: Sequence[tuple[int, Decimal, bool, Decimal | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "days_overdue": [r[0] for r in rows],
            "amount_overdue": [r[1] for r in rows],
            "segment": ["RESIDENTIAL"] * len(rows),
            "medical_dependency": [r[2] for r in rows],
            "open_claim": [False] * len(rows),
            "payment_arrangement": [False] * len(rows),
            "risk_score": [r[3] for r in rows],
        },
        schema_overrides={"amount_overdue": pl.Decimal(38, 2), "risk_score": pl.Decimal(38, 2)},
    )


class TestAnswerFrameByInterval:
    @settings(max_examples=30, deadline=None)
    @given(st.lists(_arrears, min_size=1, max_size=40))
    def test_agrees_with_asking_row_by_row_when_inputs_are_continuous(
        self, rows: list[tuple[int, Decimal, bool, Decimal | None]]
    ) -> None:
        pack = _collections_pack()
        frame = _arrears_frame(rows)

        answers = evaluation.answer_frame(engine=ENGINE, pack=pack, frame=frame)

        one_by_one = [
            evaluation.answer_one(
                engine=ENGINE, pack=pack, values={k: v for k, v in row.items() if v is not None}
            )
            for row in frame.iter_rows(named=True)
        ]
        assert answers.to_dicts() == one_by_one

    def test_agrees_with_asking_row_by_row_on_every_boundary(self) -> None:
        pack = _collections_pack()
        rows = [
            (days, amount, False, risk)
            for days in (0, 1, 29, 30, 59, 60, 89, 90, 91)
            for amount in (Decimal("4999.99"), Decimal(5000), Decimal("5000.01"))
            for risk in (None, Decimal("0.69"), Decimal("0.70"), Decimal("0.71"))
        ]
        frame = _arrears_frame(rows)

        answers = evaluation.answer_frame(engine=ENGINE, pack=pack, frame=frame)

        one_by_one = [
            evaluation.answer_one(
                engine=ENGINE, pack=pack, values={k: v for k, v in row.items() if v is not None}
            )
            for row in frame.iter_rows(named=True)
        ]
        assert answers.to_dicts() == one_by_one

    def test_asks_once_per_interval_not_per_amount(self) -> None:
        engine = CountingEngine()
        rows = [(40 + i % 10, Decimal(6000 + i), False, Decimal("0.10")) for i in range(1000)]

        answers = evaluation.answer_frame(
            engine=engine, pack=_collections_pack(), frame=_arrears_frame(rows)
        )

        assert engine.asked == 1  # days 40-49, amounts over 5,000, low risk: one interval each
        assert set(answers.get_column("action")) == {"NOTICE"}

    def test_still_rejects_a_value_outside_the_question(self) -> None:
        frame = _arrears_frame([(40, Decimal(6000), False, Decimal("0.5"))]).with_columns(
            risk_score=pl.lit(Decimal("1.50"), dtype=pl.Decimal(38, 2))
        )

        with pytest.raises(rules.InvalidRuleInput, match="risk_score: must be at most 1"):
            evaluation.answer_frame(engine=ENGINE, pack=_collections_pack(), frame=frame)
