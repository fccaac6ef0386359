"""The portal's pure rules: photos of readings, customer readings, card numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from urbis.adapters.payments import test_gateway
from urbis.domain import portal
from urbis.kernel.money import Money

NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)


def with_check_digit(body: str) -> str:
    """Append the Luhn check digit to a card number's body."""
    for digit in "0123456789":
        try:
            return portal.check_card(number=body + digit)
        except portal.InvalidCard:
            continue
    raise AssertionError("no check digit fits")


class TestCheckCard:
    @given(st.text(alphabet="0123456789", min_size=12, max_size=18))
    def test_a_number_with_its_check_digit_passes_and_one_changed_digit_fails(
        self, body: str
    ) -> None:
        number = with_check_digit(body)
        changed = str((int(number[0]) + 1) % 10) + number[1:]

        assert portal.check_card(number=" ".join([number[:4], number[4:]])) == number
        with pytest.raises(portal.InvalidCard):
            portal.check_card(number=changed)

    @pytest.mark.parametrize("number", ["", "4242", "4242-4242-4242-424x", "4" * 20])
    def test_wrong_shapes_are_refused(self, number: str) -> None:
        with pytest.raises(portal.InvalidCard):
            portal.check_card(number=number)


class TestCheckPhoto:
    @pytest.mark.parametrize(
        ("content_type", "data"),
        [
            ("image/jpeg", b"\xff\xd8\xff\xe0rest"),
            ("image/PNG; charset=x", b"\x89PNG\r\n\x1a\nrest"),
            ("image/webp", b"RIFF\x00\x00\x00\x00WEBPVP8 "),
        ],
    )
    def test_accepts_the_three_image_types_by_their_bytes(
        self, content_type: str, data: bytes
    ) -> None:
        checked = portal.check_photo(photo=portal.Photo(content_type=content_type, data=data))

        assert checked.content_type == content_type.split(";")[0].lower()

    @given(st.integers(min_value=1, max_value=1024))
    def test_anything_over_the_limit_is_too_large(self, extra: int) -> None:
        data = b"\xff\xd8\xff" + b"\x00" * (portal.MAX_PHOTO_BYTES - 3 + extra)

        with pytest.raises(portal.PhotoTooLarge):
            portal.check_photo(photo=portal.Photo(content_type="image/jpeg", data=data))

    @pytest.mark.parametrize(
        ("content_type", "data"),
        [
            ("image/gif", b"GIF89a"),
            ("application/pdf", b"%PDF-1.7"),
            ("image/jpeg", b"\x89PNG\r\n\x1a\n"),
            ("image/webp", b"RIFF\x00\x00\x00\x00WAVE"),
            ("image/png", b""),
        ],
    )
    def test_other_types_and_mislabelled_files_are_refused(
        self, content_type: str, data: bytes
    ) -> None:
        with pytest.raises(portal.PhotoTypeNotAllowed):
            portal.check_photo(photo=portal.Photo(content_type=content_type, data=data))


class TestCheckReading:
    @pytest.mark.parametrize(
        ("value", "read_at"),
        [
            (-0.1, NOW),
            (float("nan"), NOW),
            (float("inf"), NOW),
            (10.0, NOW + timedelta(hours=1)),
            (10.0, NOW - timedelta(days=46)),
            (10.0, NOW.replace(tzinfo=None)),
        ],
    )
    def test_impossible_readings_are_refused(self, value: float, read_at: datetime) -> None:
        with pytest.raises(portal.InvalidReading):
            portal.check_reading(value=value, read_at=read_at, as_at=NOW)

    def test_a_reading_of_this_morning_is_fine(self) -> None:
        portal.check_reading(value=0.0, read_at=NOW - timedelta(hours=6), as_at=NOW)


class TestTestCardGateway:
    def test_declines_by_card_and_charges_one_key_once(self) -> None:
        gateway = test_gateway.TestCardGateway()
        amount = Money.of("1000", "COP")

        first = gateway.charge(
            card_number="4242424242424242", amount=amount, description="x", idempotency_key="k1"
        )
        again = gateway.charge(
            card_number="4000000000000002", amount=amount, description="x", idempotency_key="k1"
        )
        declined = gateway.charge(
            card_number="4000000000009995", amount=amount, description="x", idempotency_key="k2"
        )

        assert first.approved
        assert first == again
        assert (declined.approved, declined.decline_code) == (False, "insufficient_funds")
        assert all(portal.check_card(number=n) for n in test_gateway.DECLINED_CARDS)
