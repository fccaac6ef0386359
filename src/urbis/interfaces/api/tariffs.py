"""Tariffs over HTTP: create (urbis document or URDB record), list, add versions, validate."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request

from urbis import bootstrap
from urbis.application.tariffs import operations, ports, queries
from urbis.bootstrap import rating as wiring
from urbis.domain import identity
from urbis.interfaces.api.auth import Actor, Container
from urbis.kernel import errors

router = APIRouter(prefix="/api/v1/tariffs", tags=["tariffs"])
T = TypeVar("T")


class InvalidJson(errors.InvalidValue):
    code = "invalid_json"


async def exact_json(request: Request) -> Any:
    """
    The request body as JSON with every number with a fraction read as an exact ``Decimal``
    (a tariff's prices must reach the model digit for digit, never through a float).

    :raises InvalidJson: if the body is not JSON.
    """
    raw = await request.body()
    try:
        return json.loads(raw or b"null", parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as problem:
        raise InvalidJson(f"The body is not JSON: {problem}") from None


ExactJson = Annotated[Any, Depends(exact_json)]


def in_transaction(
    container: bootstrap.App, actor: identity.Actor, use_case: Callable[[ports.TariffsEnv], T]
) -> T:
    """Run one tariff use case in one transaction: all of it is written, or none."""
    with container.engine.begin() as connection:
        return use_case(wiring.tariffs_env(container=container, actor=actor, connection=connection))


def _object(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidJson(f"{what} must be a JSON object", details={"what": what})
    return value


def document_and_format(body: Any) -> tuple[Mapping[str, Any], str]:
    """
    A bare urbis tariff document, or ``{"format": "urbis" | "urdb", "document": {...}}``.

    :raises InvalidJson: if the body is not a JSON object (or its document is not one).
    """
    body = _object(body, "The body")
    if "document" in body:
        return _object(body["document"], "document"), str(body.get("format") or "urbis")
    return body, "urbis"


@router.post("", status_code=201)
def create_tariff(body: ExactJson, actor: Actor, container: Container) -> dict[str, Any]:
    """Store a tariff from a urbis tariff document, or a URDB record (``format: urdb``)."""
    document, format_ = document_and_format(body)
    return in_transaction(
        container,
        actor,
        lambda env: operations.create_tariff(env=env, document=document, format=format_),
    )


@router.get("")
def list_tariffs(actor: Actor, container: Container) -> list[dict[str, Any]]:
    """The utility's tariffs by code, each with its versions."""
    return in_transaction(container, actor, lambda env: queries.list_tariffs(env=env))


@router.post("/validate")
def validate_tariff(body: ExactJson, actor: Actor, container: Container) -> dict[str, Any]:
    """Check a document (urbis or URDB) and answer whether it is a valid tariff; never stores."""
    document, format_ = document_and_format(body)
    with container.engine.connect() as connection:
        env = wiring.tariffs_env(container=container, actor=actor, connection=connection)
        return operations.validate_tariff(env=env, document=document, format=format_)


@router.get("/{code}")
def get_tariff(code: str, actor: Actor, container: Container) -> dict[str, Any]:
    """One tariff with its versions and its document in urbis's tariff format."""
    return in_transaction(container, actor, lambda env: queries.get_tariff(env=env, code=code))


@router.post("/{code}/versions", status_code=201)
def add_version(code: str, body: ExactJson, actor: Actor, container: Container) -> dict[str, Any]:
    """Add a version (a urbis tariff version object); stored versions are never edited."""
    version = _object(body, "The body")
    return in_transaction(
        container,
        actor,
        lambda env: operations.add_version(env=env, code=code, version=version),
    )
