"""
What customers do right now, pushed to the agents' consoles (ADR 0072): a call ringing through
the CTI webhook, an SMS, a WhatsApp or email message, a web chat line. ``GET /agent/events`` is
a stream of server-sent events, one per inbound interaction logged after the agent connected
(``Last-Event-ID`` resumes after a reconnection); the console shows each as a notice with a link
to the customer's account ("screen pop"), and the account page adds it to its timeline.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from urbis import bootstrap
from urbis.application.engagement import queries
from urbis.bootstrap import engagement as engagement_wiring
from urbis.domain import engagement, identity
from urbis.interfaces.api import auth
from urbis.interfaces.web import catalogue
from urbis.kernel import errors

POLL_SECONDS = 1.0
KEEPALIVE_SECONDS = 15.0

_HEADLINES = {
    "es": {
        engagement.InteractionChannel.PHONE: "Llamada entrante",
        engagement.InteractionChannel.SMS: "SMS recibido",
        engagement.InteractionChannel.WHATSAPP: "Mensaje de WhatsApp",
        engagement.InteractionChannel.EMAIL: "Correo recibido",
        engagement.InteractionChannel.WEB_CHAT: "Mensaje en el chat",
        engagement.InteractionChannel.WALK_IN: "Cliente en la oficina",
        engagement.InteractionChannel.PORTAL: "Actividad en el portal",
    },
    "en": {
        engagement.InteractionChannel.PHONE: "Incoming call",
        engagement.InteractionChannel.SMS: "SMS received",
        engagement.InteractionChannel.WHATSAPP: "WhatsApp message",
        engagement.InteractionChannel.EMAIL: "Email received",
        engagement.InteractionChannel.WEB_CHAT: "Chat message",
        engagement.InteractionChannel.WALK_IN: "Customer at the office",
        engagement.InteractionChannel.PORTAL: "Portal activity",
    },
}
_UNKNOWN = {"es": "Remitente sin identificar", "en": "Unidentified sender"}
_OPEN = {"es": "Abrir la cuenta", "en": "Open the account"}
_MATCH = {"es": "Asignar a un cliente", "en": "Match to a customer"}


def event_data(event: queries.LiveEvent, language: str) -> dict[str, Any]:
    """One event as the console's script reads it, its words in the agent's language."""
    words = language if language in _HEADLINES else "es"
    i = event.interaction
    entry = engagement.interaction_entry(i)
    said = i.summary if entry.fact is engagement.TimelineFact.MESSAGE else None
    return {
        "id": i.id,
        "channel": i.channel.value,
        "headline": _HEADLINES[words][i.channel],
        "customer": event.customer or _UNKNOWN[words],
        "sender": i.sender,
        "summary": (said if said is not None else catalogue.describe(entry, words))[:280],
        "at": i.at.isoformat(),
        "party_id": i.party_id,
        "account_id": i.account_id,
        "url": f"/accounts/{i.account_id}" if i.account_id else None if i.party_id else "/matching",
        "open": _OPEN[words] if i.party_id else _MATCH[words],
    }


def _poll(
    container: bootstrap.App, actor: identity.Actor, after: str | None
) -> tuple[str, tuple[queries.LiveEvent, ...]]:
    with container.engine.connect() as connection:
        env = engagement_wiring.database_env(
            container=container, actor=actor, connection=connection
        )
        return queries.inbound_since(env=env, after=after)


async def _stream(
    request: Request, container: bootstrap.App, actor: identity.Actor, language: str, cursor: str
) -> AsyncIterator[str]:
    yield "retry: 3000\n\n"
    quiet = 0.0
    while not await request.is_disconnected():
        cursor, events = await run_in_threadpool(_poll, container, actor, cursor)
        for event in events:
            data = json.dumps(event_data(event, language), ensure_ascii=False)
            yield f"id: {event.interaction.id}\nevent: interaction\ndata: {data}\n\n"
        if events:
            quiet = 0.0
        else:
            quiet += POLL_SECONDS
            if quiet >= KEEPALIVE_SECONDS:
                quiet = 0.0
                yield ": still here\n\n"
        await asyncio.sleep(POLL_SECONDS)


def mount(app: FastAPI) -> None:
    """Add the agents' live event stream."""

    @app.get("/agent/events", include_in_schema=False)
    async def agent_events(request: Request) -> Response:
        try:
            actor = auth.current_actor(request)
        except errors.DomainError as exc:
            return Response(status_code=exc.status, content=exc.code)
        if not actor.roles & identity.STAFF_ROLES:
            return Response(status_code=403, content="staff_only")
        from urbis.interfaces import web

        language = web.language(request)
        container = auth.container_of(request)
        # the cursor is fixed before the answer starts: whatever is logged once the console
        # sees the stream open is sent
        cursor, _ = await run_in_threadpool(
            _poll, container, actor, request.headers.get("last-event-id")
        )
        return StreamingResponse(
            _stream(request, container, actor, language, cursor),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )
