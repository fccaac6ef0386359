"""
The agent console's cases page: every case awaiting an answer, the most urgent first, with its
SLA state (on time, due soon, overdue) and the business days left to answer it (ADR 0075).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response

from urbis.application.engagement import queries
from urbis.bootstrap import engagement as engagement_wiring
from urbis.domain import identity
from urbis.interfaces.api import auth

WORDS: dict[str, dict[str, str]] = {
    "es": {
        "title": "Casos por responder",
        "intro": (
            "Peticiones, quejas, reclamos y recursos que esperan respuesta, los más urgentes "
            "primero. El plazo legal se cuenta en días hábiles."
        ),
        "number": "Número",
        "kind": "Tipo",
        "subject": "Asunto",
        "team": "Equipo",
        "state": "Estado del plazo",
        "last_day": "Último día para responder",
        "days_left": "Días hábiles restantes",
        "escalated": "Escalado",
        "account": "Cuenta",
        "open": "Abrir la cuenta",
        "empty": "No hay casos por responder.",
        "at_risk": "En riesgo",
        "ON_TIME": "A tiempo",
        "DUE_SOON": "Por vencer",
        "OVERDUE": "Vencido",
        "level": "nivel",
    },
    "en": {
        "title": "Cases awaiting an answer",
        "intro": (
            "Petitions, complaints, claims and appeals awaiting an answer, the most urgent "
            "first. The legal term is counted in business days."
        ),
        "number": "Number",
        "kind": "Kind",
        "subject": "Subject",
        "team": "Team",
        "state": "Deadline state",
        "last_day": "Last day to answer",
        "days_left": "Business days left",
        "escalated": "Escalated",
        "account": "Account",
        "open": "Open the account",
        "empty": "No cases awaiting an answer.",
        "at_risk": "At risk",
        "ON_TIME": "On time",
        "DUE_SOON": "Due soon",
        "OVERDUE": "Overdue",
        "level": "level",
    },
}


def mount(app: FastAPI) -> None:
    """Add the cases page."""
    from urbis.interfaces import web

    @app.get("/cases", response_class=HTMLResponse, include_in_schema=False)
    def cases(request: Request) -> Response:
        actor = web.staff_only(
            request, identity.STAFF_ROLES, "Only the utility's staff see its cases"
        )
        if isinstance(actor, Response):
            return actor
        container = auth.container_of(request)
        with container.engine.connect() as connection:
            env = engagement_wiring.database_env(
                container=container, actor=actor, connection=connection
            )
            rows = queries.open_cases(env=env)
            calendar = env.calendar
        lines = [
            {
                "case": r.case,
                "clock": r.clock,
                "at_risk": r.clock.state in queries.AT_RISK,
                "last_day": calendar.local_date(r.case.deadline) - timedelta(days=1),
            }
            for r in rows
        ]
        context: dict[str, Any] = {
            "actor": actor,
            "lines": lines,
            "at_risk": sum(1 for line in lines if line["at_risk"]),
            "c": WORDS[web.language(request)],
        }
        return web.render(request, "cases.html", **context)
