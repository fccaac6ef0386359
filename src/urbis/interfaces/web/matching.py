"""
The matching queue of the agent console: inbound messages and calls nobody could link to a
customer, each assigned by the agent naming the customer by what they know (account number,
identity document, phone or email).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, Response

from urbis.application.engagement import operations, queries
from urbis.bootstrap import engagement as engagement_wiring
from urbis.domain import engagement, identity
from urbis.interfaces.api import auth
from urbis.kernel import errors

AGENTS = frozenset({identity.Role.AGENT, identity.Role.COLLECTIONS})

WORDS: dict[str, dict[str, str]] = {
    "es": {
        "title": "Mensajes por asignar",
        "intro": (
            "Llamadas y mensajes que no pudimos relacionar con un cliente. Escriba la cuenta, "
            "el documento, el teléfono o el correo del cliente para asignarlo."
        ),
        "when": "Recibido",
        "channel": "Canal",
        "sender": "Remitente",
        "message": "Mensaje",
        "key": "Cuenta, documento, teléfono o correo del cliente",
        "assign": "Asignar",
        "empty": "No hay mensajes por asignar.",
        "assigned": "Asignado a",
        "open": "Abrir la cuenta",
    },
    "en": {
        "title": "Messages to match",
        "intro": (
            "Calls and messages we could not link to a customer. Type the customer's account, "
            "document, phone or email to assign one."
        ),
        "when": "Received",
        "channel": "Channel",
        "sender": "Sender",
        "message": "Message",
        "key": "Customer's account, document, phone or email",
        "assign": "Assign",
        "empty": "No messages to match.",
        "assigned": "Assigned to",
        "open": "Open the account",
    },
}


def mount(app: FastAPI) -> None:
    """Add the matching queue's pages."""
    from urbis.interfaces import web

    def page(
        request: Request,
        actor: identity.Actor,
        status: int = 200,
        error: errors.DomainError | None = None,
        failed: str | None = None,
        done: engagement.Interaction | None = None,
        done_name: str = "",
    ) -> Response:
        container = auth.container_of(request)
        with container.engine.connect() as connection:
            env = engagement_wiring.database_env(
                container=container, actor=actor, connection=connection
            )
            waiting = queries.unmatched_queue(env=env)
        context: dict[str, Any] = {
            "actor": actor,
            "waiting": waiting,
            "m": WORDS[web.language(request)],
            "error": error,
            "failed": failed,
            "done": done,
            "done_name": done_name,
        }
        return web.render(request, "matching.html", status=status, **context)

    def staff(request: Request) -> identity.Actor | Response:
        return web.staff_only(request, AGENTS, "Only agents match messages to customers")

    @app.get("/matching", response_class=HTMLResponse, include_in_schema=False)
    def matching(request: Request) -> Response:
        actor = staff(request)
        if isinstance(actor, Response):
            return actor
        return page(request, actor)

    @app.post("/matching/{interaction_id}", response_class=HTMLResponse, include_in_schema=False)
    def assign(request: Request, interaction_id: str, key: str = Form("")) -> Response:
        actor = staff(request)
        if isinstance(actor, Response):
            return actor
        container = auth.container_of(request)
        try:
            with container.engine.begin() as connection:
                env = engagement_wiring.database_env(
                    container=container, actor=actor, connection=connection
                )
                done = operations.match_interaction_by(
                    env=env, interaction_id=engagement.InteractionId(interaction_id), key=key
                )
                party = env.directory.party(env.tenant_id, done.party_id) if done.party_id else None
        except errors.DomainError as exc:
            return page(request, actor, status=exc.status, error=exc, failed=interaction_id)
        return page(request, actor, done=done, done_name="" if party is None else party.name)
