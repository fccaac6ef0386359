"""
A bill run's solidarity questions and answers: what each agreement asks ``subsidy_factor``, how
an answer becomes terms, and how a run asks each distinct question once and isolates failures.
"""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import pytest

from urbis.application.billing import ports
from urbis.application.billing.solidarity import RunTerms
from urbis.domain import billing, rules


def _agreements(rows: list[tuple[str, str, str, int | None, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "agreement_id": pl.String,
            "service": pl.String,
            "use": pl.String,
            "stratum": pl.Int32,
            "altitude_m": pl.Int32,
        },
        orient="row",
    )


class TestQuestions:
    def test_ask_the_stratum_of_homes_only_in_the_questions_words(self) -> None:
        asked = billing.questions(
            _agreements(
                [
                    ("a", "ELECTRICITY", "residential", 2, 1495),
                    ("b", "WATER", "commercial", 3, 20),
                ]
            )
        )

        assert asked.rows() == [
            ("a", "ELECTRICITY", "RESIDENTIAL", 2, 1495),
            ("b", "WATER", "COMMERCIAL", None, 20),
        ]


class TestTerms:
    def test_a_subsidy_in_millionths_and_its_limit_in_thousandths(self) -> None:
        found = billing.terms(
            {"kind": "SUBSIDY", "factor": Decimal("-0.6"), "limit": Decimal("130")}, source="p v1"
        )

        assert found == billing.Terms(kind="SUBSIDY", share=-600_000, basic=130_000)

    def test_none_prices_nothing(self) -> None:
        found = billing.terms({"kind": "NONE", "factor": Decimal("0"), "limit": 0}, source="p")

        assert found == billing.Terms(kind="NONE", share=0, basic=0)

    @pytest.mark.parametrize(
        ("kind", "factor", "limit"),
        [
            ("SUBSIDY", "0.2", "130"),
            ("SUBSIDY", "0", "130"),
            ("SUBSIDY", "-0.6", "0"),
            ("CONTRIBUTION", "-0.1", "0"),
            ("CONTRIBUTION", "0", "0"),
            ("NONE", "0.3", "0"),
        ],
    )
    def test_a_kind_factor_and_limit_that_contradict_each_other_are_refused(
        self, kind: str, factor: str, limit: str
    ) -> None:
        with pytest.raises(billing.InconsistentSolidarity) as caught:
            billing.terms(
                {"kind": kind, "factor": Decimal(factor), "limit": Decimal(limit)}, source="p v2"
            )

        assert caught.value.code == "solidarity_answer_inconsistent"
        assert "p v2" in caught.value.message


class _Answerer:
    """Answers like a pack: 60 % subsidy for estrato 1, a 20 % contribution for commerce."""

    def __init__(self, *, fail_on_stratum: int | None = None) -> None:
        self.asked: list[int] = []
        self.fail_on_stratum = fail_on_stratum

    def __call__(self, frame: pl.DataFrame) -> pl.DataFrame:
        self.asked.append(frame.height)
        if self.fail_on_stratum is not None and self.fail_on_stratum in frame["stratum"]:
            raise rules.RuleEvaluationFailed(
                "co_solidarity_factors v3: decision table 'Electricity factor' matched no rule"
            )
        rows = []
        for row in frame.iter_rows(named=True):
            if row["use_class"] == "COMMERCIAL":
                rows.append(("CONTRIBUTION", Decimal("0.2"), Decimal(0)))
            elif row["stratum"] == 1:
                rows.append(("SUBSIDY", Decimal("-0.6"), Decimal(130)))
            else:
                rows.append(("NONE", Decimal(0), Decimal(0)))
        return pl.DataFrame(
            rows,
            schema={"kind": pl.String, "factor": pl.Decimal(20, 6), "limit": pl.Decimal(20, 3)},
            orient="row",
        )


class TestRunTerms:
    def test_each_distinct_question_is_asked_once_over_the_runs_batches(self) -> None:
        answerer = _Answerer()
        run = RunTerms(ports.Solidarity(answer=answerer, source="co_solidarity_factors v3"))
        first = _agreements(
            [
                ("a", "ELECTRICITY", "residential", 1, 1495),
                ("b", "ELECTRICITY", "residential", 1, 1495),
                ("c", "ELECTRICITY", "commercial", None, 1495),
            ]
        )
        second = _agreements(
            [
                ("d", "ELECTRICITY", "residential", 1, 1495),
                ("e", "ELECTRICITY", "residential", 4, 1495),
            ]
        )

        terms = pl.concat([run.of(first), run.of(second)])

        assert answerer.asked == [2, 1]  # two questions, then only the new one
        assert terms.rows() == [
            ("a", "SUBSIDY", -600_000, 130_000, None),
            ("b", "SUBSIDY", -600_000, 130_000, None),
            ("c", "CONTRIBUTION", 200_000, 0, None),
            ("d", "SUBSIDY", -600_000, 130_000, None),
            ("e", "NONE", 0, 0, None),
        ]
        assert run.source == "co_solidarity_factors v3"

    def test_a_question_the_pack_cannot_answer_is_a_problem_of_its_agreements_only(self) -> None:
        run = RunTerms(
            ports.Solidarity(answer=_Answerer(fail_on_stratum=4), source="co_solidarity_factors v3")
        )

        terms = run.of(
            _agreements(
                [
                    ("a", "ELECTRICITY", "residential", 1, 1495),
                    ("e", "ELECTRICITY", "residential", 4, 1495),
                ]
            )
        )

        good, bad = terms.rows(named=True)
        assert (good["solidarity_kind"], good["solidarity_problem"]) == ("SUBSIDY", None)
        assert bad["solidarity_kind"] is None
        assert bad["solidarity_problem"] == (
            "rule_evaluation_failed: co_solidarity_factors v3: decision table "
            "'Electricity factor' matched no rule"
        )
