"""The console's words: the timeline's facts and the errors' codes in Spanish and English."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from urbis.domain import engagement
from urbis.interfaces.web import catalogue
from urbis.kernel import errors

NOW = datetime(2026, 4, 14, 15, 0, tzinfo=UTC)


def _entry(**facts: object) -> engagement.TimelineEntry:
    return engagement.TimelineEntry(
        at=NOW,
        kind=engagement.TimelineKind.INTERACTION,
        channel="PHONE",
        title="",
        ref="r",
        **facts,  # type: ignore[arg-type]
    )


class TestDescribe:
    @pytest.mark.parametrize(
        ("facts", "spanish", "english"),
        [
            (
                {"fact": engagement.TimelineFact.CALL, "call_event": "ringing"},
                "Llamada entrante",
                "Call ringing",
            ),
            (
                {
                    "fact": engagement.TimelineFact.CALL,
                    "call_event": "answered",
                    "call_seconds": 42,
                },
                "Llamada contestada, 42 s",
                "Call answered, 42 s",
            ),
            (
                {
                    "fact": engagement.TimelineFact.PAYMENT_PROMISE,
                    "promise_amount": Decimal("50000.00"),
                    "promise_currency": "COP",
                    "promise_date": date(2026, 4, 20),
                },
                "Promesa de pago: 50000.00 COP a más tardar el 2026-04-20",
                "Payment promise: 50000.00 COP by 2026-04-20",
            ),
            (
                {"direction": "OUTBOUND", "summary": "Su factura está lista"},
                "saliente: Su factura está lista",
                "outbound: Su factura está lista",
            ),
            (
                {
                    "fact": engagement.TimelineFact.CASE_EVENT,
                    "case_number": "PQR-2026-000001",
                    "case_kind": "CLAIM",
                    "case_action": "filed",
                    "case_subject": "Cobro alto",
                },
                "PQR-2026-000001 radicada: Reclamo · Cobro alto",
                "PQR-2026-000001 filed: Claim · Cobro alto",
            ),
            (
                {
                    "fact": engagement.TimelineFact.CASE_EVENT,
                    "case_number": "PQR-2026-000001",
                    "case_action": "answered",
                    "summary": "Se ajusta",
                },
                "PQR-2026-000001 respondida: Se ajusta",
                "PQR-2026-000001 answered: Se ajusta",
            ),
        ],
    )
    def test_says_each_fact_in_each_language(
        self, facts: dict[str, object], spanish: str, english: str
    ) -> None:
        entry = _entry(**facts)

        assert catalogue.describe(entry, "es") == spanish
        assert catalogue.describe(entry, "en") == english
        assert catalogue.describe(entry, "fr") == spanish  # Spanish when the language is not ours


class TestErrorText:
    def test_a_known_code_has_a_sentence_in_each_language(self) -> None:
        error = errors.NotFound("No account x")

        assert catalogue.error_text(error, "es") == "No existe o no es de esta empresa."
        assert (
            catalogue.error_text(error, "en") == "It does not exist or belongs to another utility."
        )

    def test_an_unknown_code_falls_back_to_the_errors_message(self) -> None:
        class Odd(errors.DomainError):
            code = "odd_situation"

        assert catalogue.error_text(Odd("Something odd"), "es") == "Something odd"
        assert catalogue.error_text(Odd(""), "en") == "The action could not be completed."

    def test_every_code_has_both_languages(self) -> None:
        assert set(catalogue.ERRORS["es"]) == set(catalogue.ERRORS["en"])
        assert set(catalogue.FACTS["es"]) == set(catalogue.FACTS["en"])
