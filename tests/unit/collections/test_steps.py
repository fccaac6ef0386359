"""The collections ladder around the policy's answers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import polars as pl
import pytest

from urbis.domain import collections

AS_OF = date(2026, 11, 28)


def _candidates(*rows: tuple[str, str, int, bool]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "account_id": [r[0] for r in rows],
            "episode": [r[1] for r in rows],
            "days_overdue": [r[2] for r in rows],
            "amount_overdue": [Decimal(100000)] * len(rows),
            "suspended": [r[3] for r in rows],
        },
        schema=collections.CANDIDATES,
    )


def _answers(*actions: str) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "action": list(actions),
            "reason": ["R"] * len(actions),
            "protected": [False] * len(actions),
        },
        schema=collections.ANSWERS,
    )


def _history(*rows: tuple[str, str, str, date]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "account_id": [r[0] for r in rows],
            "episode": [r[1] for r in rows],
            "kind": [r[2] for r in rows],
            "as_of": [r[3] for r in rows],
        },
        schema=collections.HISTORY,
    )


def _plan(candidates: pl.DataFrame, answers: pl.DataFrame, history: pl.DataFrame) -> list[str]:
    steps = collections.plan_steps(
        candidates=candidates,
        answers=answers,
        history=history,
        as_of=AS_OF,
        ladder=collections.Ladder(notice_days=5),
    )
    return steps.get_column("key").to_list()


class TestPlanSteps:
    def test_turns_each_answer_into_its_step_and_nothing_into_none(self) -> None:
        keys = _plan(
            _candidates(("A", "b1", 10, False), ("B", "b2", 0, False)),
            _answers("REMINDER", "NONE"),
            _history(),
        )

        assert keys == ["A:REMINDER:b1"]

    def test_a_rerun_creates_no_step_twice(self) -> None:
        candidates = _candidates(("A", "b1", 10, False))
        first = _plan(candidates, _answers("REMINDER"), _history())

        again = _plan(candidates, _answers("REMINDER"), _history(("A", "b1", "REMINDER", AS_OF)))

        assert (first, again) == (["A:REMINDER:b1"], [])

    def test_a_new_episode_starts_the_ladder_again(self) -> None:
        keys = _plan(
            _candidates(("A", "b2", 10, False)),
            _answers("REMINDER"),
            _history(("A", "b1", "REMINDER", date(2026, 9, 1))),
        )

        assert keys == ["A:REMINDER:b2"]

    @pytest.mark.parametrize(
        ("noticed_on", "expected"),
        [
            (None, ["A:SUSPENSION_NOTICE:b1"]),
            (date(2026, 11, 25), []),  # notice given, its days not yet run
            (date(2026, 11, 23), ["A:SUSPENSION_ORDER:b1"]),
        ],
    )
    def test_orders_a_suspension_only_after_its_notice_has_run(
        self, noticed_on: date | None, expected: list[str]
    ) -> None:
        history = (
            _history(("A", "b1", "SUSPENSION_NOTICE", noticed_on)) if noticed_on else _history()
        )

        keys = _plan(_candidates(("A", "b1", 95, False)), _answers("SUSPEND"), history)

        assert keys == expected

    def test_never_orders_the_suspension_of_a_suspended_account(self) -> None:
        keys = _plan(
            _candidates(("A", "b1", 120, True)),
            _answers("SUSPEND"),
            _history(("A", "b1", "SUSPENSION_NOTICE", date(2026, 10, 1))),
        )

        assert keys == []

    def test_refuses_answers_that_do_not_line_up(self) -> None:
        with pytest.raises(collections.InvalidCollectionsFrame):
            _plan(_candidates(("A", "b1", 10, False)), _answers("NONE", "NONE"), _history())


class TestPlanRelease:
    def test_reconnects_a_suspended_account_that_paid_and_cancels_a_pending_order(self) -> None:
        suspensions = pl.DataFrame(
            {
                "account_id": ["A", "B", "C"],
                "order_id": ["o1", "o2", "o3"],
                "pending": [False, True, False],
            },
            schema=collections.SUSPENSIONS,
        )
        still_owing = pl.DataFrame({"account_id": ["C"]})

        steps = collections.plan_release(
            suspensions=suspensions,
            still_owing=still_owing,
            history=_history(("A", "o0", "RECONNECTION_ORDER", date(2026, 1, 1))),
        )

        assert steps.get_column("key").to_list() == [
            "A:RECONNECTION_ORDER:o1",
            "B:CANCEL_SUSPENSION:o2",
        ]
