"""
Open311 GeoReport v2 at ``/open311/v2/``: the city's service catalogue and residents' requests,
in JSON or XML, errors in the spec's own format. Each accepted request becomes a case (PQR)
routed to the service's team, in the same transaction.

The utility it serves is ``URBIS_OPEN311_TENANT`` (default ``demo``); client keys are
``URBIS_OPEN311_KEYS`` (comma-separated). The demo utility accepts ``demo-open311-key`` when
no keys are configured. The city's catalogue is ``URBIS_OPEN311_CATALOGUE`` (a YAML file, read
and checked when the app is built), the demo city's by default. A utility fault (a leak) that
names the resident's account also opens a field service order in the same transaction. A
request refused for its api key or a missing location is kept for review (without the key).
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import parse_qs

import sqlalchemy as sa
from fastapi import APIRouter, FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

from urbis import bootstrap
from urbis.adapters.db.city_services import ServiceRequestRepository
from urbis.adapters.open311 import formats
from urbis.application.city_services import open311
from urbis.application.city_services.ports import Open311Env
from urbis.bootstrap import city_services as city_wiring
from urbis.bootstrap import demo
from urbis.bootstrap import engagement as wiring
from urbis.domain import city_services, identity
from urbis.interfaces.api.auth import container_of
from urbis.kernel import errors, ids

router = APIRouter(prefix="/open311/v2", tags=["open311"])
DEMO_KEY = "demo-open311-key"
# refusals whose raw request is kept for review (ADR 0008: committed before the error is answered)
KEPT_FOR_REVIEW = (city_services.InvalidApiKey, city_services.LocationRequired)


def configure(app: FastAPI) -> None:
    """
    Load the city's catalogue (``URBIS_OPEN311_CATALOGUE``) once, when the app is built.

    :raises InvalidCatalogue: naming the setting, the file and what is wrong with it.
    """
    app.state.open311_catalogue = city_wiring.catalogue_from_settings(os.environ)


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


def _env(
    container: bootstrap.App,
    catalogue: city_services.Catalogue,
    tenant: identity.Tenant,
    connection: sa.Connection,
) -> Open311Env:
    actor = identity.Actor(
        user_id=ids.UserId("open311"),
        tenant_id=tenant.id,
        roles=frozenset({identity.Role.AGENT}),
    )
    return Open311Env(
        tenant_id=tenant.id,
        catalogue=catalogue,
        requests=ServiceRequestRepository(connection, catalogue),
        api_keys=_Keys(tenant.code),
        clock=container.clock,
        ids=container.ids,
        engagement=wiring.database_env(container=container, actor=actor, connection=connection),
        field_work=city_wiring.field_work(container=container, actor=actor, connection=connection),
    )


def _answer(
    container: bootstrap.App,
    catalogue: city_services.Catalogue,
    method: str,
    resource: str,
    fields: dict[str, list[str]],
) -> Response:
    path, _, fmt = resource.rpartition(".")
    try:
        tenant = _tenant(container)
        try:
            with container.engine.begin() as connection:
                env = _env(container, catalogue, tenant, connection)
                document, payload = _route(env, method, path, fields)
        except KEPT_FOR_REVIEW as refused:
            if method == "POST":
                with container.engine.begin() as connection:
                    open311.keep_refused_request(
                        env=_env(container, catalogue, tenant, connection),
                        form=fields,
                        error=refused,
                    )
            raise
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
    catalogue = request.app.state.open311_catalogue
    return await run_in_threadpool(
        _answer, container_of(request), catalogue, request.method, resource, fields
    )


@router.get("/{resource:path}")
async def open311_get(request: Request, resource: str) -> Response:
    """GeoReport v2: services.{fmt}, services/{code}.{fmt}, requests.{fmt}, tokens/{id}.{fmt}."""
    return await _serve(request, resource)


@router.post("/{resource:path}")
async def open311_post(request: Request, resource: str) -> Response:
    """GeoReport v2: POST requests.{fmt} (form fields, with api_key)."""
    return await _serve(request, resource)
