"""Commands of the other contexts, each registered by its own module."""

from __future__ import annotations

import typer

from urbis.interfaces.cli import (
    billing,
    bills,
    cases,
    collections,
    engagement,
    metering,
    payments,
    portal,
    rating,
    rules,
)


def register_all(app: typer.Typer) -> None:
    """Add every context's commands to the ``urbis`` app."""
    metering.register(app)
    engagement.register(app)
    cases.register(app)
    rating.register(app)
    rules.register(app)
    portal.register(app)
    bills.register(app)
    billing.register(app)
    payments.register(app)
    collections.register(app)
