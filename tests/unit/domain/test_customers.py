from datetime import UTC, datetime

import pytest

from urbis.domain import customers
from urbis.kernel import ids


class TestNit:
    @pytest.mark.parametrize(
        ("nit", "owner"),
        [
            ("890904996-1", "Empresas Públicas de Medellín"),
            ("830037248-0", "Codensa"),
            ("800197268-4", "DIAN"),
            ("899999068-1", "Ecopetrol"),
            ("860034313-7", "Davivienda"),
        ],
    )
    def test_accepts_published_nits(self, nit: str, owner: str) -> None:
        document = customers.IdentityDocument.parse(type=customers.DocumentType.NIT, number=nit)

        assert document.number == nit, owner

    def test_accepts_a_nit_written_with_dots_and_no_dash(self) -> None:
        document = customers.IdentityDocument.parse(
            type=customers.DocumentType.NIT, number="890.904.996 1"
        )

        assert document.number == "890904996-1"

    def test_refuses_a_wrong_check_digit_and_says_which_is_right(self) -> None:
        with pytest.raises(customers.InvalidNitCheckDigit) as caught:
            customers.IdentityDocument.parse(type=customers.DocumentType.NIT, number="890904996-2")

        assert caught.value.code == "invalid_nit_check_digit"
        assert caught.value.details["expected_check_digit"] == 1


class TestIdentityDocument:
    def test_normalises_a_cedula_typed_with_dots(self) -> None:
        document = customers.IdentityDocument.parse(
            type=customers.DocumentType.CC, number="1.020.304.050"
        )

        assert document.number == "1020304050"

    @pytest.mark.parametrize(
        ("kind", "number"),
        [
            (customers.DocumentType.CC, "12AB"),
            (customers.DocumentType.CC, "12345678901"),
            (customers.DocumentType.PASSPORT, "AB1"),
            (customers.DocumentType.CE, "!!"),
        ],
    )
    def test_refuses_numbers_that_do_not_fit_the_type(
        self, kind: customers.DocumentType, number: str
    ) -> None:
        with pytest.raises(customers.InvalidIdentityDocument):
            customers.IdentityDocument.parse(type=kind, number=number)

    def test_keeps_the_country_of_a_foreign_document(self) -> None:
        document = customers.IdentityDocument.parse(
            type=customers.DocumentType.OTHER, number="X1234567", country="ec"
        )

        assert document.country == "EC"


class TestParty:
    def _party(self, **overrides: object) -> customers.Party:
        values: dict[str, object] = {
            "party_id": ids.PartyId("P1"),
            "tenant_id": ids.TenantId("T1"),
            "kind": customers.PartyKind.PERSON,
            "name": "  Ana   María Rojas ",
            "document": customers.IdentityDocument.parse(
                type=customers.DocumentType.CC, number="52123456"
            ),
        }
        values.update(overrides)
        return customers.new_party(**values)  # type: ignore[arg-type]

    def test_tidies_the_name(self) -> None:
        assert self._party().name == "Ana María Rojas"

    def test_an_organisation_is_not_identified_by_a_cedula(self) -> None:
        with pytest.raises(customers.InvalidParty):
            self._party(kind=customers.PartyKind.ORGANISATION)

    def test_the_latest_consent_decision_counts(self) -> None:
        granted = customers.Consent(
            channel=customers.Channel.WHATSAPP,
            purpose=customers.ConsentPurpose.SERVICE,
            granted=True,
            recorded_at=datetime(2025, 1, 1, tzinfo=UTC),
            source="portal",
        )
        withdrawn = customers.Consent(
            channel=customers.Channel.WHATSAPP,
            purpose=customers.ConsentPurpose.SERVICE,
            granted=False,
            recorded_at=datetime(2026, 1, 1, tzinfo=UTC),
            source="call",
        )
        party = self._party(consents=(withdrawn, granted))

        assert not party.consents_to(
            channel=customers.Channel.WHATSAPP, purpose=customers.ConsentPurpose.SERVICE
        )
        assert not party.consents_to(
            channel=customers.Channel.EMAIL, purpose=customers.ConsentPurpose.SERVICE
        )


class TestContactPoint:
    def test_normalises_a_colombian_mobile(self) -> None:
        point = customers.ContactPoint.parse(
            kind=customers.ContactKind.MOBILE, value="+57 (300) 123-4567"
        )

        assert point.value == "+573001234567"

    def test_lowercases_email(self) -> None:
        point = customers.ContactPoint.parse(
            kind=customers.ContactKind.EMAIL, value=" Ana.Rojas@Example.CO "
        )

        assert point.value == "ana.rojas@example.co"

    @pytest.mark.parametrize(
        ("kind", "value"),
        [(customers.ContactKind.EMAIL, "ana@"), (customers.ContactKind.MOBILE, "12ab")],
    )
    def test_refuses_malformed_values(self, kind: customers.ContactKind, value: str) -> None:
        with pytest.raises(customers.InvalidContactPoint):
            customers.ContactPoint.parse(kind=kind, value=value)
