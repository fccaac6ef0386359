"""
Open311 GeoReport v2 at ``/open311/v2/``: the city's service catalogue and residents' requests,
in JSON or XML, errors in the spec's own format. Each accepted request becomes a case (PQR)
routed to the service's team, in the same transaction.

The utility it serves is ``URBIS_OPEN311_TENANT`` (default ``demo``); client keys are
``URBIS_OPEN311_KEYS`` (comma-separated). The demo utility accepts ``demo-open311-key`` when
no keys are configured.
"""

from __future__ import annotations

import functools
import os
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from urbis import bootstrap
from urbis.adapters.db.city_services import ServiceRequestRepository
from urbis.adapters.open311 import catalogue as catalogue_file
from urbis.adapters.open311 import formats
from urbis.application.city_services import open311
from urbis.application.city_services.ports import Open311Env
from urbis.bootstrap import demo
from urbis.bootstrap import engagement as wiring
from urbis.domain import city_services, identity
from urbis.interfaces.api.auth import container_of
from urbis.kernel import errors, ids

router = APIRouter(prefix="/open311/v2", tags=["open311"])
DEMO_KEY = "demo-open311-key"


@functools.cache
def _catalogue() -> city_services.Catalogue:
    return catalogue_file.load_catalogue_file()


class _Keys:
    def __init__(self, tenant_code: str) -> None:
        configured = os.environ.get("URBIS_OPEN311_KEYS", "")
        self._keys = {k.strip() for k in configured.split(",") if k.strip()}
        if not self._keys and tenant_code == demo.TENANT_CODE:
            self._keys = {DEMO_KEY}

    def is_valid(self, key: str) -> bool:
        return key in self._keys


def _tenant(container: bootstrap.App) -> identity.Tenant:
    code = os.environ.get("URBIS_OPEN311_TENANT", demo.TENANT_CODE)
    with container.uow() as uow:
        tenant = uow.tenants.by_code(code)
    if tenant is None:
        raise city_services.JurisdictionNotFound(f"No utility {code!r} serves Open311 here")
    return tenant


def _route(env: Open311Env, method: str, path: str, fields: dict[str, list[str]]) -> Any:
    parts = path.split("/")
    jurisdiction = fields.get("jurisdiction_id", [None])[0]
    if method == "POST":
        if parts != ["requests"]:
            raise errors.NotFound(f"No resource {path} accepts POST")
        key = fields.get("api_key", [None])[0]
        return "service_requests", open311.submit_request(env=env, form=fields, api_key=key)
    if parts == ["services"]:
        return "services", open311.list_services(env=env, jurisdiction_id=jurisdiction)
    if len(parts) == 2 and parts[0] == "services":
        return "service_definition", open311.service_definition(
            env=env, service_code=parts[1], jurisdiction_id=jurisdiction
        )
    if parts == ["requests"]:
        return "service_requests", open311.get_requests(env=env, query=fields)
    if len(parts) == 2 and parts[0] == "requests":
        return "service_requests", open311.get_request(
            env=env, service_request_id=parts[1], jurisdiction_id=jurisdiction
        )
    if len(parts) == 2 and parts[0] == "tokens":
        return "service_requests", open311.request_from_token(env=env, token=parts[1])
    raise errors.NotFound(f"No resource {path}")


def _answer(
    container: bootstrap.App, method: str, resource: str, fields: dict[str, list[str]]
) -> Response:
    path, _, fmt = resource.rpartition(".")
    try:
        tenant = _tenant(container)
        with container.engine.begin() as connection:
            actor = identity.Actor(
                user_id=ids.UserId("open311"),
                tenant_id=tenant.id,
                roles=frozenset({identity.Role.AGENT}),
            )
            env = Open311Env(
                tenant_id=tenant.id,
                catalogue=_catalogue(),
                requests=ServiceRequestRepository(connection, _catalogue()),
                api_keys=_Keys(tenant.code),
                clock=container.clock,
                ids=container.ids,
                engagement=wiring.database_env(
                    container=container, actor=actor, connection=connection
                ),
            )
            document, payload = _route(env, method, path, fields)
        status = 201 if method == "POST" else 200
    except errors.DomainError as exc:
        document, payload, status = "errors", formats.error_document(exc), exc.status
    try:
        content, content_type = formats.render(document, payload, fmt=fmt)
    except errors.DomainError as exc:
        content, content_type = formats.render("errors", formats.error_document(exc), fmt="json")
        status = exc.status
    return Response(content=content, status_code=status, media_type=content_type)


async def _serve(request: Request, resource: str) -> Response:
    fields = {k: list(v) for k, v in parse_qs(request.url.query).items()}
    if request.method == "POST":
        body = (await request.body()).decode("utf-8", errors="replace")
        for key, values in parse_qs(body).items():
            fields.setdefault(key, []).extend(values)
    # the database work runs off the event loop
    return await run_in_threadpool(_answer, container_of(request), request.method, resource, fields)


@router.get("/{resource:path}")
async def open311_get(request: Request, resource: str) -> Response:
    """GeoReport v2: services.{fmt}, services/{code}.{fmt}, requests.{fmt}, tokens/{id}.{fmt}."""
    return await _serve(request, resource)


@router.post("/{resource:path}")
async def open311_post(request: Request, resource: str) -> Response:
    """GeoReport v2: POST requests.{fmt} (form fields, with api_key)."""
    return await _serve(request, resource)
