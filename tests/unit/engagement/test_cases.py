from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from urbis.domain import engagement
from urbis.kernel import ids

BOGOTA = ZoneInfo("America/Bogota")
CALENDAR = engagement.colombia_calendar(years=range(2025, 2028))
TENANT = ids.TenantId("t1")


def local(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=BOGOTA)


def a_case(
    filed_at: datetime, kind: engagement.CaseKind = engagement.CaseKind.CLAIM
) -> engagement.Case:
    return engagement.open_case(
        case_id=engagement.CaseId("c1"),
        tenant_id=TENANT,
        number="PQR-2026-000001",
        kind=kind,
        subject="Cobro excesivo de energía",
        description="El consumo facturado triplica el promedio.",
        filed_at=filed_at,
        calendar=CALENDAR,
    )


class TestBusinessCalendar:
    def test_knows_colombian_holiday_mondays_of_2026(self) -> None:
        assert not CALENDAR.is_business_day(date(2026, 3, 23))  # San José, observed
        assert not CALENDAR.is_business_day(date(2026, 6, 15))  # Sagrado Corazón, observed
        assert CALENDAR.is_business_day(date(2026, 3, 24))

    def test_skips_maundy_thursday_and_good_friday(self) -> None:
        result = engagement.add_business_days(calendar=CALENDAR, start=date(2026, 4, 1), days=1)

        assert result == date(2026, 4, 6)

    def test_covers_every_year_between_the_first_and_the_last(self) -> None:
        calendar = engagement.colombia_calendar(years=(2025, 2027))

        assert not calendar.is_business_day(date(2026, 12, 8))  # Immaculate Conception

    def test_refuses_dates_outside_the_years_it_covers(self) -> None:
        with pytest.raises(engagement.InvalidBusinessDays):
            CALENDAR.is_business_day(date(2031, 1, 2))

    def test_refuses_a_term_of_no_days(self) -> None:
        with pytest.raises(engagement.InvalidBusinessDays):
            engagement.add_business_days(calendar=CALENDAR, start=date(2026, 4, 1), days=0)

    @given(
        start=st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 10, 1)),
        days=st.integers(min_value=1, max_value=40),
    )
    def test_counting_back_the_days_added_gives_the_term(self, start: date, days: int) -> None:
        end = engagement.add_business_days(calendar=CALENDAR, start=start, days=days)

        assert CALENDAR.is_business_day(end)
        assert engagement.business_days_between(calendar=CALENDAR, start=start, end=end) == days
        assert engagement.business_days_between(calendar=CALENDAR, start=end, end=start) == -days


class TestResponseDeadline:
    def test_runs_fifteen_business_days_across_semana_santa(self) -> None:
        # Wed 25 March 2026: Thu 2 and Fri 3 April are holidays; the 15th business day
        # after filing is Fri 17 April, so the answer is late from Sat 18 April 00:00.
        case = a_case(local(2026, 3, 25))

        assert case.deadline == datetime(2026, 4, 18, 0, 0, tzinfo=BOGOTA)
        assert case.deadline.astimezone(UTC) == datetime(2026, 4, 18, 5, 0, tzinfo=UTC)

    def test_counts_from_the_local_day_of_filing_not_the_utc_day(self) -> None:
        # 03:00 UTC on Tue 3 Feb is still Mon 2 Feb, 22:00, in Bogotá.
        case = a_case(datetime(2026, 2, 3, 3, 0, tzinfo=UTC))

        assert case.deadline == datetime(2026, 2, 24, 0, 0, tzinfo=BOGOTA)

    def test_crosses_a_month_end_and_two_holiday_mondays(self) -> None:
        # Fri 30 Oct: Mon 2 Nov (All Saints) and Mon 16 Nov (Cartagena) are holidays.
        case = a_case(local(2026, 10, 30, 16))

        assert case.deadline == datetime(2026, 11, 25, 0, 0, tzinfo=BOGOTA)

    def test_skips_the_june_holiday_mondays(self) -> None:
        # Fri 5 June: Mondays 8, 15 and 29 June 2026 are holidays; day 15 is Wed 1 July.
        case = a_case(local(2026, 6, 5))

        assert case.deadline == datetime(2026, 7, 2, 0, 0, tzinfo=BOGOTA)

    def test_uses_the_policy_term_for_the_kind(self) -> None:
        policy = engagement.DeadlinePolicy(
            business_days=tuple(
                (k, 10 if k is engagement.CaseKind.PETITION else 15) for k in engagement.CaseKind
            )
        )

        deadline = engagement.response_deadline(
            filed_at=local(2026, 2, 2),
            kind=engagement.CaseKind.PETITION,
            calendar=CALENDAR,
            policy=policy,
        )

        assert deadline == datetime(2026, 2, 17, 0, 0, tzinfo=BOGOTA)

    @given(st.integers(min_value=0, max_value=334 * 24 * 60))
    def test_always_falls_at_local_midnight_five_hours_after_utc_midnight(
        self, minutes: int
    ) -> None:
        case = a_case(datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes))

        assert case.deadline.astimezone(UTC).time().hour == 5
        assert case.deadline - case.filed_at >= timedelta(days=19)  # three working weeks at least

    def test_refuses_a_naive_filing_instant(self) -> None:
        with pytest.raises(engagement.InvalidCase):
            a_case(datetime(2026, 3, 25, 10))  # noqa: DTZ001

    def test_refuses_an_empty_subject(self) -> None:
        with pytest.raises(engagement.InvalidCase):
            engagement.open_case(
                case_id=engagement.CaseId("c1"),
                tenant_id=TENANT,
                number="1",
                kind=engagement.CaseKind.CLAIM,
                subject="  ",
                description="",
                filed_at=local(2026, 3, 25),
                calendar=CALENDAR,
            )


class TestSlaClock:
    # Filed Wed 25 March 2026; the last business day of the term is Fri 17 April.
    case = a_case(local(2026, 3, 25))

    @pytest.mark.parametrize(
        ("as_at", "state", "left"),
        [
            (local(2026, 3, 26), engagement.SlaState.ON_TIME, 14),
            (local(2026, 4, 14, 15), engagement.SlaState.ON_TIME, 3),
            (local(2026, 4, 15, 9), engagement.SlaState.DUE_SOON, 2),
            (local(2026, 4, 17, 23, 59), engagement.SlaState.DUE_SOON, 0),
            (local(2026, 4, 18, 0, 0), engagement.SlaState.OVERDUE, -1),
            (local(2026, 4, 21, 8), engagement.SlaState.OVERDUE, -2),
        ],
    )
    def test_tells_where_an_unanswered_case_stands(
        self, as_at: datetime, state: engagement.SlaState, left: int
    ) -> None:
        clock = engagement.sla_clock(case=self.case, as_at=as_at, calendar=CALENDAR)

        assert (clock.state, clock.business_days_left) == (state, left)
        assert clock.deemed_granted is (state is engagement.SlaState.OVERDUE)

    def test_a_wider_warning_window_warns_earlier(self) -> None:
        policy = engagement.DeadlinePolicy(warning_business_days=5)

        clock = engagement.sla_clock(
            case=self.case, as_at=local(2026, 4, 14), calendar=CALENDAR, policy=policy
        )

        assert clock.state is engagement.SlaState.DUE_SOON

    def test_an_answer_before_the_deadline_meets_it(self) -> None:
        answered = engagement.answer_case(case=self.case, at=local(2026, 4, 17, 18), answer="Ok")

        clock = engagement.sla_clock(case=answered, as_at=local(2026, 5, 4), calendar=CALENDAR)

        assert clock.state is engagement.SlaState.MET
        assert not clock.deemed_granted

    def test_an_answer_after_the_deadline_misses_it_and_the_claim_is_deemed_granted(
        self,
    ) -> None:
        answered = engagement.answer_case(case=self.case, at=local(2026, 4, 20, 8), answer="Ok")

        clock = engagement.sla_clock(case=answered, as_at=local(2026, 5, 4), calendar=CALENDAR)

        assert clock.state is engagement.SlaState.MISSED
        assert clock.deemed_granted


class TestCaseLifecycle:
    def test_moves_from_open_to_closed_through_an_answer(self) -> None:
        case = a_case(local(2026, 3, 25))

        case = engagement.start_work(case=case, at=local(2026, 3, 26))
        case = engagement.answer_case(case=case, at=local(2026, 4, 1), answer="Se ajusta")
        case = engagement.close_case(case=case, at=local(2026, 4, 2))

        assert case.status is engagement.CaseStatus.CLOSED
        assert [e.action for e in case.events] == ["filed", "in_progress", "answered", "closed"]

    def test_cannot_close_a_case_that_was_never_answered(self) -> None:
        case = a_case(local(2026, 3, 25))

        with pytest.raises(engagement.CaseTransitionNotAllowed):
            engagement.close_case(case=case, at=local(2026, 3, 26))

    def test_cannot_answer_before_filing(self) -> None:
        case = a_case(local(2026, 3, 25))

        with pytest.raises(engagement.InvalidCase):
            engagement.answer_case(case=case, at=local(2026, 3, 24), answer="x")

    def test_an_appeal_reopens_the_case_with_a_new_deadline(self) -> None:
        case = a_case(local(2026, 3, 25))
        case = engagement.answer_case(case=case, at=local(2026, 4, 1), answer="No procede")
        case = engagement.close_case(case=case, at=local(2026, 4, 1, 12))

        reopened = engagement.file_appeal(
            case=case,
            kind=engagement.CaseKind.RECONSIDERATION,
            at=local(2026, 4, 8),  # 3 business days after Wed 1 April (2, 3 April are holidays)
            reason="No comparto la decisión",
            calendar=CALENDAR,
        )

        assert reopened.status is engagement.CaseStatus.OPEN
        assert reopened.kind is engagement.CaseKind.RECONSIDERATION
        assert reopened.parent_kind is engagement.CaseKind.CLAIM
        assert reopened.answered_at is None
        # from Wed 8 April: 15 business days end Wed 29 April
        assert reopened.deadline == datetime(2026, 4, 30, 0, 0, tzinfo=BOGOTA)

    def test_an_appeal_after_five_business_days_is_out_of_time(self) -> None:
        case = a_case(local(2026, 3, 25))
        case = engagement.answer_case(case=case, at=local(2026, 4, 1), answer="No procede")

        with pytest.raises(engagement.AppealOutOfTime):
            engagement.file_appeal(
                case=case,
                kind=engagement.CaseKind.APPEAL,
                at=local(2026, 4, 13),  # sixth business day after 1 April
                reason="x",
                calendar=CALENDAR,
            )

    def test_only_a_recurso_reopens_a_case(self) -> None:
        case = engagement.answer_case(
            case=a_case(local(2026, 3, 25)), at=local(2026, 4, 1), answer="x"
        )

        with pytest.raises(engagement.InvalidCase):
            engagement.file_appeal(
                case=case,
                kind=engagement.CaseKind.CLAIM,
                at=local(2026, 4, 6),
                reason="x",
                calendar=CALENDAR,
            )


class TestEscalation:
    case = a_case(local(2026, 3, 25))

    def test_escalates_once_when_due_soon_and_again_when_overdue(self) -> None:
        due_soon = local(2026, 4, 16)
        overdue = local(2026, 4, 20)

        first = engagement.needs_escalation(case=self.case, as_at=due_soon, calendar=CALENDAR)
        escalated = engagement.escalate(
            case=self.case, at=due_soon, reason="SLA", to_team="backoffice"
        )
        again_soon = engagement.needs_escalation(case=escalated, as_at=due_soon, calendar=CALENDAR)
        when_overdue = engagement.needs_escalation(case=escalated, as_at=overdue, calendar=CALENDAR)

        assert (first, again_soon, when_overdue) == (True, False, True)
        assert escalated.escalation_level == 1
        assert escalated.team == "backoffice"

    def test_an_on_time_case_needs_no_escalation(self) -> None:
        assert not engagement.needs_escalation(
            case=self.case, as_at=local(2026, 3, 30), calendar=CALENDAR
        )

    def test_an_answered_case_cannot_be_escalated(self) -> None:
        answered = engagement.answer_case(case=self.case, at=local(2026, 4, 1), answer="x")

        with pytest.raises(engagement.CaseTransitionNotAllowed):
            engagement.escalate(case=answered, at=local(2026, 4, 2), reason="x")


class TestKindLabel:
    def test_names_every_kind_in_both_languages(self) -> None:
        spanish = {engagement.kind_label(kind=k, language="es") for k in engagement.CaseKind}
        english = {engagement.kind_label(kind=k, language="en") for k in engagement.CaseKind}

        assert "Recurso de reposición" in spanish
        assert len(spanish) == len(english) == len(engagement.CaseKind)
