"""Payment promises: their terms, and how one stands as payments arrive and days pass."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from urbis.domain import collections
from urbis.kernel import ids
from urbis.kernel.money import Money

TODAY = date(2026, 3, 2)
MADE_AT = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)


def _promise(
    amount: str = "50000", days: int = 7, owed: str = "180000", **changes: object
) -> collections.PaymentPromise:
    terms: dict[str, object] = {
        "id": collections.PromiseId("p1"),
        "tenant_id": ids.TenantId("t1"),
        "account_id": ids.AccountId("a1"),
        "amount": Money.of(amount, "COP"),
        "promised_date": TODAY + timedelta(days=days),
        "owed": Money.of(owed, "COP"),
        "made_at": MADE_AT,
        "as_of": TODAY,
        "taken_by": "u1",
        "channel": "PHONE",
        **changes,
    }
    return collections.promise(**terms)  # type: ignore[arg-type]


class TestPromise:
    def test_keeps_who_took_it_where_and_opens(self) -> None:
        promise = _promise(note="  con la prima  ")

        assert (promise.status, promise.taken_by, promise.channel) == (
            collections.PromiseStatus.OPEN,
            "u1",
            "PHONE",
        )
        assert promise.note == "con la prima"
        assert promise.made_on == TODAY

    @pytest.mark.parametrize(
        ("amount", "days", "owed", "error"),
        [
            ("0", 3, "100", collections.PromiseAmountNotPositive),
            ("-1", 3, "100", collections.PromiseAmountNotPositive),
            ("100.01", 3, "100", collections.PromiseAboveBalance),
            ("1", 3, "0", collections.PromiseAboveBalance),
            ("50", -1, "100", collections.PromiseDateInPast),
            ("50", 31, "100", collections.PromiseDateTooFar),
        ],
    )
    def test_refuses_terms_a_utility_would_not_accept(
        self, amount: str, days: int, owed: str, error: type[Exception]
    ) -> None:
        with pytest.raises(error):
            _promise(amount=amount, days=days, owed=owed)

    def test_accepts_the_whole_balance_today_and_thirty_days_out(self) -> None:
        today = _promise(amount="180000", days=0)
        latest = _promise(days=collections.MAX_PROMISE_DAYS)

        assert today.promised_date == TODAY
        assert latest.promised_date == TODAY + timedelta(days=30)


class TestJudge:
    @given(
        paid=st.decimals(min_value=0, max_value=100000, places=2),
        offset=st.integers(min_value=-10, max_value=10),
    )
    def test_kept_when_covered_broken_only_after_the_date(self, paid: Decimal, offset: int) -> None:
        promise = _promise(amount="50000", days=7)
        as_of = promise.promised_date + timedelta(days=offset)

        status = collections.judge(promise=promise, paid=Money.of(paid, "COP"), as_of=as_of)

        if paid >= 50000:
            assert status is collections.PromiseStatus.KEPT
        elif offset > 0:
            assert status is collections.PromiseStatus.BROKEN
        else:
            assert status is collections.PromiseStatus.OPEN

    def test_a_closed_promise_stays_as_it_was_closed(self) -> None:
        broken = collections.close_promise(
            promise=_promise(), status=collections.PromiseStatus.BROKEN, on=TODAY
        )

        status = collections.judge(promise=broken, paid=Money.of("999999", "COP"), as_of=TODAY)

        assert status is collections.PromiseStatus.BROKEN
        with pytest.raises(collections.InvalidPaymentPromise):
            collections.close_promise(
                promise=broken, status=collections.PromiseStatus.KEPT, on=TODAY
            )
