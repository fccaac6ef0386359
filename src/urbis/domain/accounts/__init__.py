"""Accounts and service agreements."""

from urbis.domain.accounts._accounts import (
    Account,
    AccountStatus,
    BillDelivery,
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
)

__all__ = [
    "Account",
    "AccountStatus",
    "BillDelivery",
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
]
