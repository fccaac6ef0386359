"""Bank and collection-agent files posted to a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.integration.payments.support import count, open_account, payments_env, post_bill
from urbis import bootstrap
from urbis.adapters.formats import payment_files
from urbis.application.payments import operations, queries
from urbis.bootstrap import payments as wiring
from urbis.domain import accounts, identity, payments


def row(account: accounts.Account | str, amount: str, transaction: str) -> dict[str, str]:
    return {
        "bank_code": "007",
        "agreement": "15234",
        "payment_reference": account if isinstance(account, str) else account.number,
        "amount": amount,
        "paid_at": "2026-03-02T09:15:00-05:00",
        "channel": "BANK",
        "transaction_id": transaction,
    }


def read(name: str, rows: list[dict[str, str]]) -> payments.PaymentFile:
    return wiring.read_payment_file(name=name, content=payment_files.write(rows), currency="COP")


class TestImportPaymentFile:
    def test_posts_every_row_and_allocates_each_to_its_account(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        ana = open_account(container, tenant, "Ana Gómez")
        luis = open_account(container, tenant, "Luis Mora")
        post_bill(container, ana, item="A1", amount="40000.00", due=date(2026, 2, 20))
        env = payments_env(container, tenant, identity.Role.AGENT)
        progress: list[int] = []

        outcome = operations.import_payment_file(
            env=env,
            file=read(
                "banco-007-20260302.csv",
                [row(ana, "25000.00", "T1"), row(ana, "25000.00", "T2"), row(luis, "9000", "T3")],
            ),
            progress=progress.append,
        )

        assert (outcome.rows, outcome.posted, outcome.duplicates) == (3, 3, ())
        assert str(outcome.total_posted.amount) == "59000.00"
        assert sum(progress) == 3
        ana_position = queries.account_position(env=env, account_id=ana.id)
        assert ana_position["amount_owed"] == "-10000.00"
        second = queries.account_payments(env=env, account_id=ana.id)[1]
        assert [(a.item, str(a.amount.amount)) for a in second.allocations] == [("A1", "15000.00")]

    def test_the_same_file_twice_is_refused_and_posts_nothing_more(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        ana = open_account(container, tenant, "Ana Gómez")
        env = payments_env(container, tenant, identity.Role.AGENT)
        rows = [row(ana, "1000.00", "T1")]
        operations.import_payment_file(env=env, file=read("a.csv", rows))

        with pytest.raises(payments.DuplicatePaymentFile) as refused:
            operations.import_payment_file(env=env, file=read("a-copy.csv", rows))

        assert refused.value.code == "duplicate_payment_file"
        assert refused.value.status == 409
        assert count(container, "payments", tenant.id) == 1

    def test_a_row_already_imported_from_another_file_is_a_duplicate_not_a_second_payment(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        ana = open_account(container, tenant, "Ana Gómez")
        env = payments_env(container, tenant, identity.Role.AGENT)
        operations.import_payment_file(env=env, file=read("a.csv", [row(ana, "1000.00", "T1")]))

        outcome = operations.import_payment_file(
            env=env,
            file=read("b.csv", [row(ana, "2000.00", "T2"), row(ana, "1000.00", "T1")]),
        )

        assert (outcome.posted, outcome.duplicates) == (1, (3,))
        assert count(container, "payments", tenant.id) == 2
        assert count(container, "payment_files", tenant.id) == 2

    def test_a_file_with_an_unknown_account_or_a_repeated_row_is_refused_whole(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        ana = open_account(container, tenant, "Ana Gómez")
        env = payments_env(container, tenant, identity.Role.AGENT)

        with pytest.raises(payments.InvalidPaymentFile) as refused:
            operations.import_payment_file(
                env=env,
                file=read(
                    "bad.csv",
                    [
                        row(ana, "1000.00", "T1"),
                        row("9999999999", "1000.00", "T2"),
                        row(ana, "1000.00", "T1"),
                    ],
                ),
            )

        problems = refused.value.details["problems"]
        assert [(p["row"], p["code"]) for p in problems] == [
            (3, "unknown_account"),
            (4, "duplicate_row"),
        ]
        assert count(container, "payments", tenant.id) == 0
        assert count(container, "journal_entries", tenant.id) == 0
        assert count(container, "payment_files", tenant.id) == 0
