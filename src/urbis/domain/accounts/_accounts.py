"""Accounts and service agreements (which service at which point under which tariff, when)."""

from __future__ import annotations

import enum
import re
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from urbis.kernel import errors, ids
from urbis.kernel.periods import Period


class InvalidAccount(errors.InvalidValue):
    code = "invalid_account"


class InvalidAgreement(errors.InvalidValue):
    code = "invalid_agreement"


class OverlappingAgreement(errors.Conflict):
    code = "overlapping_agreement"


class BillDelivery(enum.Enum):
    PAPER = "PAPER"
    EMAIL = "EMAIL"


class Language(enum.Enum):
    ES = "es"
    EN = "en"


class AccountStatus(enum.Enum):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    CLOSED = "CLOSED"


_CYCLE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,15}$")
_TARIFF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def luhn_check_digit(digits: str) -> int:
    """The Luhn (mod 10) check digit that makes account numbers resist typing mistakes."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return (10 - total % 10) % 10


def account_number(*, sequence: int) -> str:
    """
    Make the printed account number for a sequence: 9 digits and a Luhn check digit.

    :raises InvalidAccount: if the sequence does not fit in 9 digits.
    """
    if not 0 < sequence < 10**9:
        raise InvalidAccount("Account sequences run from 1 to 999,999,999")
    base = f"{sequence:09d}"
    return base + str(luhn_check_digit(base))


def is_valid_account_number(number: str) -> bool:
    return (
        len(number) == 10 and number.isdigit() and luhn_check_digit(number[:-1]) == int(number[-1])
    )


@attrs.frozen
class Account:
    id: ids.AccountId
    tenant_id: ids.TenantId
    number: str
    holder_id: ids.PartyId
    billing_cycle: str
    bill_delivery: BillDelivery = BillDelivery.PAPER
    language: Language = Language.ES
    status: AccountStatus = AccountStatus.ACTIVE
    # the deposit (garantía) asked at opening, for payments to take (ADR 0037); None: not asked
    deposit_amount: Decimal | None = None
    deposit_reason: str | None = None
    deposit_decided_by: str | None = None

    def __attrs_post_init__(self) -> None:
        if not is_valid_account_number(self.number):
            raise InvalidAccount(
                f"{self.number!r} is not a valid account number", details={"number": self.number}
            )
        if not _CYCLE.match(self.billing_cycle):
            raise InvalidAccount(
                "A billing cycle code has 1 to 16 capital letters, digits, - or _",
                details={"billing_cycle": self.billing_cycle},
            )


@attrs.frozen
class ServiceAgreement:
    """An account's supply of one service at one service point under a tariff, for a span."""

    id: ids.AgreementId
    tenant_id: ids.TenantId
    account_id: ids.AccountId
    service_point_id: ids.ServicePointId
    tariff_code: str
    active: Period[date]

    def __attrs_post_init__(self) -> None:
        if not _TARIFF.match(self.tariff_code):
            raise InvalidAgreement(
                "A tariff code has 1 to 64 letters, digits, '.', '-' or '_'",
                details={"tariff_code": self.tariff_code},
            )


def check_agreement(
    *, agreement: ServiceAgreement, point_agreements: tuple[ServiceAgreement, ...]
) -> ServiceAgreement:
    """
    Accept a new agreement if no other agreement on the same service point overlaps it.

    :raises OverlappingAgreement: if another agreement supplies the point in that span.
    """
    for other in point_agreements:
        if other.id != agreement.id and other.active.overlaps(agreement.active):
            raise OverlappingAgreement(
                f"Service point already supplied under another agreement during {other.active}",
                details={"agreement_id": other.id, "active": str(other.active)},
            )
    return agreement


def end_agreement(*, agreement: ServiceAgreement, on: date) -> ServiceAgreement:
    """
    End an open agreement on a day (the day itself is no longer supplied).

    :raises InvalidAgreement: if it already ended or ``on`` is not after its start.
    """
    if agreement.active.end is not None:
        raise InvalidAgreement("The agreement has already ended")
    if on <= agreement.active.start:
        raise InvalidAgreement("An agreement ends after the day it started")
    return attrs.evolve(agreement, active=Period(agreement.active.start, on))


NO_DEPOSIT_PACK = "no deposit_required pack in force"
"""What an account opened while no pack is in force says about its deposit (none required)."""


@attrs.frozen
class DepositFacts:
    """What the ``deposit_required`` question is told about a new account."""

    use_class: str
    tenancy: str
    expected_monthly_amount: Decimal
    prior_debt: bool = False
    stratum: int | None = None

    def as_input(self) -> dict[str, Any]:
        return {
            "use_class": self.use_class,
            "tenancy": self.tenancy,
            "expected_monthly_amount": self.expected_monthly_amount,
            "prior_debt": self.prior_debt,
            "stratum": self.stratum,
        }


def with_deposit(*, account: Account, amount: Decimal, reason: str, by: str) -> Account:
    """The account with the deposit decided at opening and what decided it."""
    return attrs.evolve(
        account, deposit_amount=amount, deposit_reason=reason, deposit_decided_by=by
    )
