"""
Payloads kept for review in the agent console: webhooks that could not be read, oversized
attachments, unreadable email and refused Open311 requests, shown as they came (escaped), each
marked reviewed by the agent who looked at it.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response

from urbis.application.engagement import operations, ports, queries
from urbis.bootstrap import engagement as engagement_wiring
from urbis.domain import identity
from urbis.interfaces.api import auth
from urbis.kernel import errors

REVIEWERS = frozenset({identity.Role.AGENT, identity.Role.ADMIN})

WORDS: dict[str, dict[str, str]] = {
    "es": {
        "title": "Mensajes rechazados",
        "intro": (
            "Lo que llegó por un canal y no se pudo leer o fue rechazado, guardado tal como "
            "llegó para revisarlo. Las claves de acceso nunca se guardan."
        ),
        "when": "Recibido",
        "channel": "Canal",
        "why": "Motivo",
        "raw": "Contenido recibido",
        "content_type": "Tipo de contenido",
        "review": "Marcar como revisado",
        "reviewed": "Revisado",
        "reviewed_by": "por",
        "empty": "No hay mensajes rechazados por revisar.",
        "show_all": "Ver también los revisados",
        "show_pending": "Ver solo los pendientes",
        "done": "Marcado como revisado",
    },
    "en": {
        "title": "Rejected messages",
        "intro": (
            "What came in on a channel and could not be read or was refused, kept as it came "
            "for review. Access keys are never kept."
        ),
        "when": "Received",
        "channel": "Channel",
        "why": "Reason",
        "raw": "Content received",
        "content_type": "Content type",
        "review": "Mark as reviewed",
        "reviewed": "Reviewed",
        "reviewed_by": "by",
        "empty": "No rejected messages to review.",
        "show_all": "Show reviewed ones too",
        "show_pending": "Show pending only",
        "done": "Marked as reviewed",
    },
}


def mount(app: FastAPI) -> None:
    """Add the rejected payloads page."""
    from urbis.interfaces import web

    def page(
        request: Request,
        actor: identity.Actor,
        *,
        show_all: bool,
        status: int = 200,
        error: errors.DomainError | None = None,
        done: ports.RejectedPayload | None = None,
    ) -> Response:
        container = auth.container_of(request)
        with container.engine.connect() as connection:
            env = engagement_wiring.database_env(
                container=container, actor=actor, connection=connection
            )
            kept = queries.rejected_payloads(env=env, include_reviewed=show_all)
        context: dict[str, Any] = {
            "actor": actor,
            "kept": kept,
            "show_all": show_all,
            "m": WORDS[web.language(request)],
            "error": error,
            "done": done,
        }
        return web.render(request, "rejected.html", status=status, **context)

    def reviewer(request: Request) -> identity.Actor | Response:
        return web.staff_only(request, REVIEWERS, "Only agents review kept messages")

    @app.get("/rejected", response_class=HTMLResponse, include_in_schema=False)
    def rejected(request: Request, all: bool = False) -> Response:
        actor = reviewer(request)
        if isinstance(actor, Response):
            return actor
        return page(request, actor, show_all=all)

    @app.post(
        "/rejected/{payload_id}/reviewed", response_class=HTMLResponse, include_in_schema=False
    )
    def reviewed(request: Request, payload_id: str) -> Response:
        actor = reviewer(request)
        if isinstance(actor, Response):
            return actor
        container = auth.container_of(request)
        try:
            with container.engine.begin() as connection:
                env = engagement_wiring.database_env(
                    container=container, actor=actor, connection=connection
                )
                done = operations.mark_payload_reviewed(env=env, payload_id=payload_id)
        except errors.DomainError as exc:
            return page(request, actor, show_all=False, status=exc.status, error=exc)
        return page(request, actor, show_all=False, done=done)
