"""Composition of the payments context: its use cases over the database."""

from __future__ import annotations

from urbis import bootstrap
from urbis.adapters.db import payments as db_payments
from urbis.adapters.formats import payment_files
from urbis.application.payments import ports
from urbis.domain import identity, payments

__all__ = ["env", "read_payment_file"]


def env(*, container: bootstrap.App, actor: identity.Actor) -> ports.PaymentsEnv:
    """The payments use cases for an actor, each running in one database transaction."""
    return ports.PaymentsEnv(
        actor=actor,
        clock=container.clock,
        ids=container.ids,
        unit=db_payments.SqlPaymentsUnitFactory(container.engine),
    )


def read_payment_file(*, name: str, content: bytes, currency: str) -> payments.PaymentFile:
    """
    Read a bank or collection-agent payment file (docs/payment-files.md).

    :raises InvalidPaymentFile: if the file or any of its rows cannot be read.
    """
    return payment_files.read(name=name, content=content, currency=currency)
