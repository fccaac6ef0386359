from datetime import date
from decimal import Decimal

import pytest

from urbis.domain import accounts, identity, premises
from urbis.kernel import ids
from urbis.kernel.periods import Period

T = ids.TenantId("T1")


def premise(**overrides: object) -> premises.Premise:
    values: dict[str, object] = {
        "id": ids.PremiseId("PR1"),
        "tenant_id": T,
        "address": "Carrera 43A # 1-50",
        "city": "Medellín",
        "department": "Antioquia",
        "country": "CO",
        "use_class": premises.UseClass.RESIDENTIAL,
        "stratum": 3,
        "latitude": Decimal("6.2088"),
        "longitude": Decimal("-75.5676"),
        "altitude_m": 1495,
    }
    values.update(overrides)
    return premises.Premise(**values)  # type: ignore[arg-type]


class TestPremise:
    @pytest.mark.parametrize("stratum", [0, 7, -1])
    def test_refuses_a_stratum_outside_one_to_six(self, stratum: int) -> None:
        with pytest.raises(premises.InvalidStratum) as caught:
            premise(stratum=stratum)

        assert caught.value.code == "invalid_stratum"

    def test_only_residential_premises_carry_a_stratum(self) -> None:
        with pytest.raises(premises.InvalidStratum):
            premise(use_class=premises.UseClass.COMMERCIAL, stratum=4)

        assert premise(use_class=premises.UseClass.COMMERCIAL, stratum=None).stratum is None

    def test_refuses_a_latitude_without_longitude(self) -> None:
        with pytest.raises(premises.InvalidPremise):
            premise(longitude=None)

    def test_refuses_an_impossible_altitude(self) -> None:
        with pytest.raises(premises.InvalidPremise):
            premise(altitude_m=9000)


def meter(
    serial: str = "E1", service: premises.Service = premises.Service.ELECTRICITY
) -> premises.Meter:
    return premises.Meter(
        id=ids.MeterId(serial),
        tenant_id=T,
        serial=serial,
        service=service,
        kind=premises.MeterKind.REGISTER,
    )


def point(
    point_id: str, service: premises.Service = premises.Service.ELECTRICITY
) -> premises.ServicePoint:
    return premises.ServicePoint(
        id=ids.ServicePointId(point_id),
        tenant_id=T,
        premise_id=ids.PremiseId("PR1"),
        service=service,
    )


class TestMeterInstallation:
    def test_a_meter_cannot_be_at_two_points_at_once(self) -> None:
        elsewhere = premises.MeterInstallation(
            meter_id=ids.MeterId("E1"),
            service_point_id=ids.ServicePointId("SP9"),
            installed=Period(date(2025, 1, 1)),
        )

        with pytest.raises(premises.MeterAlreadyInstalled):
            premises.check_installation(
                meter=meter(),
                service_point=point("SP1"),
                installed=Period(date(2026, 1, 1)),
                meter_history=(elsewhere,),
                point_history=(),
            )

    def test_a_meter_removed_before_can_be_installed_again(self) -> None:
        removed = premises.MeterInstallation(
            meter_id=ids.MeterId("E1"),
            service_point_id=ids.ServicePointId("SP9"),
            installed=Period(date(2025, 1, 1), date(2026, 1, 1)),
        )

        installation = premises.check_installation(
            meter=meter(),
            service_point=point("SP1"),
            installed=Period(date(2026, 1, 1)),
            meter_history=(removed,),
            point_history=(),
        )

        assert installation.service_point_id == "SP1"

    def test_a_water_meter_cannot_measure_electricity(self) -> None:
        with pytest.raises(premises.ServiceMismatch):
            premises.check_installation(
                meter=meter(service=premises.Service.WATER),
                service_point=point("SP1"),
                installed=Period(date(2026, 1, 1)),
                meter_history=(),
                point_history=(),
            )

    def test_sewer_is_not_metered(self) -> None:
        with pytest.raises(premises.InvalidMeter):
            meter(service=premises.Service.SEWER)


class TestAccounts:
    def test_account_numbers_carry_a_luhn_digit(self) -> None:
        number = accounts.account_number(sequence=1234)

        assert accounts.luhn_check_digit("7992739871") == 3  # the textbook example
        assert number == "0000012344"
        assert accounts.is_valid_account_number(number)
        assert not accounts.is_valid_account_number("0000012343")

    def test_a_mistyped_digit_is_detected(self) -> None:
        number = accounts.account_number(sequence=987654)
        typo = number[:3] + str((int(number[3]) + 1) % 10) + number[4:]

        assert not accounts.is_valid_account_number(typo)

    def test_agreements_on_one_point_must_not_overlap(self) -> None:
        def agreement(
            agreement_id: str, start: date, end: date | None
        ) -> accounts.ServiceAgreement:
            return accounts.ServiceAgreement(
                id=ids.AgreementId(agreement_id),
                tenant_id=T,
                account_id=ids.AccountId("A1"),
                service_point_id=ids.ServicePointId("SP1"),
                tariff_code="CO-RES-E",
                active=Period(start, end),
            )

        old = agreement("AG1", date(2024, 1, 1), date(2026, 1, 1))

        accepted = accounts.check_agreement(
            agreement=agreement("AG2", date(2026, 1, 1), None), point_agreements=(old,)
        )
        with pytest.raises(accounts.OverlappingAgreement):
            accounts.check_agreement(
                agreement=agreement("AG3", date(2025, 12, 31), None), point_agreements=(old,)
            )
        assert accepted.id == "AG2"


class TestRoles:
    def actor(self, *roles: identity.Role) -> identity.Actor:
        return identity.Actor(user_id=ids.UserId("U"), tenant_id=T, roles=frozenset(roles))

    def test_an_admin_may_do_staff_work(self) -> None:
        identity.require_role(
            actor=self.actor(identity.Role.ADMIN), allowed=frozenset({identity.Role.AGENT})
        )

    def test_a_field_worker_may_not_open_accounts(self) -> None:
        with pytest.raises(identity.RoleRequired) as caught:
            identity.require_role(
                actor=self.actor(identity.Role.FIELD), allowed=frozenset({identity.Role.AGENT})
            )

        assert caught.value.status == 403

    def test_a_customer_user_cannot_hold_staff_roles(self) -> None:
        with pytest.raises(identity.InvalidUser):
            identity.User(
                id=ids.UserId("U"),
                tenant_id=T,
                username="ana",
                display_name="Ana",
                roles=frozenset({identity.Role.CUSTOMER, identity.Role.AGENT}),
                password_hash="x",
                party_id=ids.PartyId("P"),
            )
