"""
Inbound channels as webhooks: Twilio (SMS and WhatsApp form posts), the WhatsApp Cloud API and
a telephony (CTI) call event, per utility: ``/webhooks/{tenant}/{twilio|whatsapp|cti}``.

Each request must carry the provider's signature, checked with the secret configured for it
(``URBIS_TWILIO_AUTH_TOKEN``, ``URBIS_WHATSAPP_APP_SECRET``, ``URBIS_CTI_SECRET`` as a
``Bearer`` token); a channel without a configured secret refuses everything. A payload that
cannot be read is answered 422 and kept, as it came, for an agent to review.

The WhatsApp Cloud API first checks the endpoint with ``GET
/webhooks/{tenant}/whatsapp?hub.mode=subscribe&hub.verify_token=...&hub.challenge=...``: the
challenge is answered when the token matches ``URBIS_WHATSAPP_VERIFY_TOKEN``, 403 otherwise.
"""

from __future__ import annotations

import hmac
import os
from typing import Any

import attrs
from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool

from urbis import bootstrap
from urbis.adapters.channels import webhooks
from urbis.application.engagement import operations, ports
from urbis.bootstrap import engagement as wiring
from urbis.domain import identity
from urbis.interfaces.api.auth import container_of
from urbis.kernel import errors, ids

router = APIRouter(prefix="/webhooks", tags=["channels"])


class WebhookNotConfigured(errors.Forbidden):
    code = "webhook_not_configured"


class VerificationRefused(errors.Forbidden):
    code = "webhook_verification_refused"


class ChallengeRequired(errors.InvalidValue):
    code = "webhook_challenge_required"


def _secret(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise WebhookNotConfigured(f"This channel is not configured ({name} is not set)")
    return value


def _check_signature(provider: str, request: Request, body: bytes) -> None:
    if provider == "twilio":
        webhooks.verify_twilio_signature(
            auth_token=_secret("URBIS_TWILIO_AUTH_TOKEN"),
            url=str(request.url),
            body=body,
            signature=request.headers.get("x-twilio-signature"),
        )
    elif provider == "whatsapp":
        webhooks.verify_meta_signature(
            app_secret=_secret("URBIS_WHATSAPP_APP_SECRET"),
            body=body,
            signature=request.headers.get("x-hub-signature-256"),
        )
    else:
        expected = f"Bearer {_secret('URBIS_CTI_SECRET')}"
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(expected, given):
            raise webhooks.InvalidWebhookSignature("The call event's token does not match")


class _CountingRejections:
    """Knows whether a payload was kept for review during this request."""

    def __init__(self, inner: ports.RejectedPayloadRepository) -> None:
        self.inner = inner
        self.kept = 0

    def add(self, rejected: ports.RejectedPayload) -> None:
        self.inner.add(rejected)
        self.kept += 1

    def list(self, tenant_id: ids.TenantId) -> Any:
        return self.inner.list(tenant_id)

    def get(self, tenant_id: ids.TenantId, payload_id: str) -> ports.RejectedPayload | None:
        return self.inner.get(tenant_id, payload_id)

    def mark_reviewed(self, rejected: ports.RejectedPayload) -> None:
        self.inner.mark_reviewed(rejected)


def _accept(
    container: bootstrap.App, tenant_code: str, provider: str, content_type: str, body: bytes
) -> list[dict[str, Any]]:
    with container.uow() as uow:
        tenant = uow.tenants.by_code(tenant_code)
    if tenant is None:
        raise errors.NotFound(f"No utility {tenant_code!r}")
    failure: errors.DomainError | None = None
    with container.engine.begin() as connection:
        actor = identity.Actor(
            user_id=ids.UserId(f"webhook:{provider}"),
            tenant_id=tenant.id,
            roles=frozenset({identity.Role.AGENT}),
        )
        env = wiring.database_env(container=container, actor=actor, connection=connection)
        rejections = _CountingRejections(env.rejected)
        env = attrs.evolve(env, rejected=rejections)
        channel, parse = wiring.webhook_parsers(env=env)[provider]
        try:
            logged = operations.accept_payload(
                env=env, channel=channel, content_type=content_type, body=body, parse=parse
            )
        except errors.DomainError as exc:
            if not rejections.kept:
                raise
            failure = exc  # the raw payload is kept: commit it, then answer with the error
    if failure is not None:
        raise failure
    return [
        {
            "interaction_id": i.id,
            "matched": i.is_matched,
            "party_id": i.party_id,
            "account_id": i.account_id,
        }
        for i in logged
    ]


@router.post("/{tenant_code}/{provider}", status_code=202)
async def inbound(tenant_code: str, provider: str, request: Request) -> list[dict[str, Any]]:
    """Log inbound messages and calls on the customer's timeline (or the matching queue)."""
    if provider not in ("twilio", "whatsapp", "cti"):
        raise errors.NotFound(f"No webhook {provider!r}")
    body = await request.body()
    _check_signature(provider, request, body)
    content_type = request.headers.get("content-type", "application/octet-stream")
    return await run_in_threadpool(
        _accept, container_of(request), tenant_code, provider, content_type, body
    )


def _tenant_exists(container: bootstrap.App, tenant_code: str) -> None:
    with container.uow() as uow:
        if uow.tenants.by_code(tenant_code) is None:
            raise errors.NotFound(f"No utility {tenant_code!r}")


@router.get("/{tenant_code}/whatsapp", response_class=PlainTextResponse)
async def verify_whatsapp(tenant_code: str, request: Request) -> PlainTextResponse:
    """
    The WhatsApp Cloud API's subscription check: answer ``hub.challenge`` when ``hub.mode`` is
    ``subscribe`` and ``hub.verify_token`` matches ``URBIS_WHATSAPP_VERIFY_TOKEN``; 403 otherwise.
    """
    expected = _secret("URBIS_WHATSAPP_VERIFY_TOKEN")
    query = request.query_params
    given = query.get("hub.verify_token", "")
    if query.get("hub.mode") != "subscribe" or not hmac.compare_digest(
        expected.encode(), given.encode()
    ):
        raise VerificationRefused("The WhatsApp verification token or mode does not match")
    challenge = query.get("hub.challenge", "")
    if not challenge:
        raise ChallengeRequired("hub.challenge is missing")
    await run_in_threadpool(_tenant_exists, container_of(request), tenant_code)
    return PlainTextResponse(challenge)
