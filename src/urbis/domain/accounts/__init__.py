"""Accounts and service agreements."""

from urbis.domain.accounts._accounts import (
    NO_DEPOSIT_PACK,
    Account,
    AccountStatus,
    BillDelivery,
    DepositFacts,
    InvalidAccount,
    InvalidAgreement,
    Language,
    OverlappingAgreement,
    ServiceAgreement,
    account_number,
    check_agreement,
    end_agreement,
    is_valid_account_number,
    luhn_check_digit,
    with_deposit,
)

__all__ = [
    "NO_DEPOSIT_PACK",
    "Account",
    "AccountStatus",
    "BillDelivery",
    "DepositFacts",
    "InvalidAccount",
    "InvalidAgreement",
    "Language",
    "OverlappingAgreement",
    "ServiceAgreement",
    "account_number",
    "check_agreement",
    "end_agreement",
    "is_valid_account_number",
    "luhn_check_digit",
    "with_deposit",
]
