"""The timeline's lines carry facts (calls, payment promises, case events), not sentences."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from tests.unit.engagement import fakes
from urbis.domain import engagement

NOW = datetime(2026, 4, 14, 15, 0, tzinfo=UTC)


def _interaction(
    summary: str,
    channel: engagement.InteractionChannel = engagement.InteractionChannel.PHONE,
    direction: engagement.Direction = engagement.Direction.INBOUND,
) -> engagement.Interaction:
    return engagement.Interaction(
        id=engagement.InteractionId("i1"),
        tenant_id=fakes.TENANT,
        channel=channel,
        direction=direction,
        at=NOW,
        summary=summary,
    )


class TestInteractionEntry:
    @pytest.mark.parametrize(
        ("summary", "event", "seconds"),
        [
            ("Call ringing", "ringing", None),
            ("Call answered, 42 s", "answered", 42),
            ("Call ended, 0 s", "ended", 0),
            ("Call missed", "missed", None),
        ],
    )
    def test_reads_a_telephony_event_and_its_duration(
        self, summary: str, event: str, seconds: int | None
    ) -> None:
        entry = engagement.interaction_entry(_interaction(summary))

        assert entry.fact is engagement.TimelineFact.CALL
        assert (entry.call_event, entry.call_seconds) == (event, seconds)
        assert entry.direction == "INBOUND"

    def test_words_like_a_call_on_another_channel_are_a_message(self) -> None:
        entry = engagement.interaction_entry(
            _interaction("Call ringing", channel=engagement.InteractionChannel.SMS)
        )

        assert entry.fact is engagement.TimelineFact.MESSAGE
        assert entry.summary == "Call ringing"

    def test_reads_a_payment_promise_with_its_note(self) -> None:
        entry = engagement.interaction_entry(
            _interaction("Promesa de pago: 50000.00 COP a más tardar el 2026-04-20 (la prima)")
        )

        assert entry.fact is engagement.TimelineFact.PAYMENT_PROMISE
        assert entry.promise_amount == Decimal("50000.00")
        assert entry.promise_currency == "COP"
        assert entry.promise_date == date(2026, 4, 20)
        assert entry.promise_note == "la prima"

    def test_a_promise_with_an_impossible_date_stays_a_message(self) -> None:
        entry = engagement.interaction_entry(
            _interaction("Promesa de pago: 10.00 COP a más tardar el 2026-02-30")
        )

        assert entry.fact is engagement.TimelineFact.MESSAGE

    def test_anything_else_is_what_was_said(self) -> None:
        entry = engagement.interaction_entry(
            _interaction("Su factura está lista", direction=engagement.Direction.OUTBOUND)
        )

        assert entry.fact is engagement.TimelineFact.MESSAGE
        assert (entry.direction, entry.summary) == ("OUTBOUND", "Su factura está lista")
        assert entry.title == "outbound: Su factura está lista"


class TestCaseEventsOnTheTimeline:
    def test_carry_the_cases_number_kind_subject_and_action(self) -> None:
        case = engagement.open_case(
            case_id=engagement.CaseId("c1"),
            tenant_id=fakes.TENANT,
            number="PQR-2026-000007",
            kind=engagement.CaseKind.CLAIM,
            subject="Cobro alto",
            description="",
            filed_at=NOW,
            calendar=engagement.colombia_calendar(years=range(2025, 2028)),
        )
        answered = engagement.answer_case(case=case, answer="Se ajusta", at=NOW + timedelta(days=1))

        entries = engagement.timeline(interactions=(), cases=(answered,))

        assert [(e.case_action, e.case_number, e.case_kind) for e in entries] == [
            ("answered", "PQR-2026-000007", "CLAIM"),
            ("filed", "PQR-2026-000007", "CLAIM"),
        ]
        assert {e.fact for e in entries} == {engagement.TimelineFact.CASE_EVENT}
        assert entries[1].case_subject == "Cobro alto"
