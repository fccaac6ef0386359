"""The HTTP API and the web app, served by one FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI

from urbis import bootstrap
from urbis.interfaces.api import (
    billing,
    collections,
    engagement,
    errors,
    ledger,
    metering,
    open311,
    payments,
    rating,
    routes,
    rules,
    tariffs,
    webhooks,
)


def create_app(container: bootstrap.App) -> FastAPI:
    """Build the web app and API over a wired urbis."""
    from urbis.interfaces import web

    app = FastAPI(
        title="urbis",
        summary="Customer information and billing for smart utilities",
        version="0.1.0",
    )
    app.state.container = container
    errors.install(app)
    app.include_router(routes.router)
    app.include_router(metering.router)
    app.include_router(engagement.router)
    open311.configure(app)
    app.include_router(open311.router)
    app.include_router(webhooks.router)
    app.include_router(rating.router)
    app.include_router(payments.router)
    app.include_router(ledger.router)
    app.include_router(tariffs.router)
    app.include_router(rules.router)
    app.include_router(billing.router)
    app.include_router(collections.router)
    web.mount(app)
    return app
