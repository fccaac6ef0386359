"""Protections and regulatory holds as the policy's inputs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import polars as pl

from urbis.adapters.rules import engine
from urbis.application.rules import evaluation
from urbis.bootstrap import collections as wiring
from urbis.domain import collections
from urbis.kernel import ids
from urbis.kernel.periods import Period


def _hold(region: str, start: date, end: date | None) -> collections.RegulatoryHold:
    return collections.RegulatoryHold(
        id=collections.HoldId("H"),
        tenant_id=ids.TenantId("T"),
        region=region,
        active=Period(start, end),
        reason="Decreto de emergencia",
    )


class TestRegionsOnHold:
    def test_a_hold_covers_its_half_open_span_only(self) -> None:
        holds = [_hold("Nariño", date(2026, 3, 1), date(2026, 4, 1))]

        inside = collections.regions_on_hold(holds=holds, as_of=date(2026, 3, 31))
        after = collections.regions_on_hold(holds=holds, as_of=date(2026, 4, 1))

        assert (inside, after) == (frozenset({"narino"}), frozenset())


class TestPolicyInputs:
    def test_asks_with_every_protection_and_matches_regions_without_accents(self) -> None:
        candidates = pl.DataFrame(
            {
                "account_id": ["A", "B", "C"],
                "days_overdue": [95, 95, 95],
                "amount_overdue": [Decimal(1000)] * 3,
            },
            schema_overrides={"amount_overdue": pl.Decimal(38, 2)},
        )
        facts = pl.DataFrame(
            {
                "account_id": ["A", "B"],
                "segment": ["RESIDENTIAL", "COMMERCIAL"],
                "stratum": [2, None],
                "department": ["NARIÑO", "Antioquia"],
                "city": ["Pasto", "Medellín"],
                "open_claim": [False, True],
            },
            schema=collections.FACTS,
        )

        inputs = collections.policy_inputs(
            candidates=candidates,
            facts=facts,
            medical=frozenset({"C"}),
            arranged=frozenset({"B"}),
            held_regions=frozenset({"narino", "medellin"}),
        )

        assert inputs.select(
            "segment", "medical_dependency", "open_claim", "payment_arrangement", "regulatory_hold"
        ).rows() == [
            ("RESIDENTIAL", False, False, False, True),
            ("COMMERCIAL", False, True, True, True),
            ("RESIDENTIAL", True, False, False, False),
        ]


class TestTheShippedPolicyAnswersTheInputs:
    def test_every_use_class_is_asked_and_a_hold_stops_suspension(self) -> None:
        candidates = pl.DataFrame(
            {
                "account_id": ["A", "B"],
                "days_overdue": [95, 95],
                "amount_overdue": [Decimal(90000)] * 2,
            },
            schema_overrides={"amount_overdue": pl.Decimal(38, 2)},
        )
        facts = pl.DataFrame(
            {
                "account_id": ["A", "B"],
                "segment": ["SPECIAL", "RESIDENTIAL"],
                "stratum": [None, 1],
                "department": ["Antioquia", "Nariño"],
                "city": ["Bello", "Pasto"],
                "open_claim": [False, False],
            },
            schema=collections.FACTS,
        )
        inputs = collections.policy_inputs(
            candidates=candidates,
            facts=facts,
            medical=frozenset(),
            arranged=frozenset(),
            held_regions=frozenset({"narino"}),
        )

        answers = evaluation.answer_frame(
            engine=engine.ZenRuleEngine(),
            pack=wiring.shipped_policy().policy(ids.TenantId("T"), date(2026, 11, 28)),
            frame=inputs,
        )

        assert answers.select("action", "reason").rows() == [
            ("SUSPEND", "NON_PAYMENT"),
            ("NOTICE", "REGULATORY_HOLD"),
        ]
