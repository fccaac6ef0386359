"""
Rule packs over HTTP: list and read versions, draft, edit the graph, test, submit, approve,
publish, and simulate a draft against a history of inputs.

Answers are canonical JSON: the graph's numbers come back exactly as they were saved, and a
graph is read from the request body as exact JSON too (never through binary floats).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

import polars as pl
from fastapi import APIRouter, Body, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from urbis.application.rules import operations, ports, queries
from urbis.bootstrap import rules as wiring
from urbis.domain import rules
from urbis.interfaces.api.auth import Actor, Container

router = APIRouter(prefix="/api/v1/rules", tags=["rules"])

MAX_HISTORY_ROWS = 200_000
MAX_GRAPH_BYTES = 2_000_000


def _json(data: Any, status_code: int = 200) -> Response:
    return Response(
        content=rules.canonical_json(data), media_type="application/json", status_code=status_code
    )


def _run(container: Any, actor: Any, use_case: Callable[[ports.RulesEnv], Any]) -> Any:
    return wiring.in_transaction(container=container, actor=actor, use_case=use_case)


class NewDraft(BaseModel):
    effective_from: date | None = Field(
        default=None, description="From when the new version answers (default: as the source)"
    )


class NewPack(BaseModel):
    pack_key: str = Field(min_length=2, max_length=64)
    extension_point: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=200)
    effective_from: date
    content: dict[str, Any] = Field(description="The JDM graph: nodes and edges")
    test_cases: list[dict[str, Any]] = []


class DraftChanges(BaseModel):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    effective_from: date | None = None
    test_cases: list[dict[str, Any]] | None = Field(
        default=None, description='Saved examples: [{"name", "given": {...}, "expected": {...}}]'
    )


class SimulationIn(BaseModel):
    as_of: date = Field(description="The day whose published version is the baseline")
    history: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=MAX_HISTORY_ROWS,
        description="Inputs to answer, one object per account (e.g. the last bill cycle's)",
    )
    account_column: str = "account"
    baseline_version_id: str | None = None
    samples: int = Field(default=10, ge=0, le=100)


_GRAPH_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"type": "object"}}},
        "description": "The JDM graph (nodes and edges), read with exact numbers",
    }
}


@router.get("/extension-points")
def extension_points(actor: Actor) -> Response:
    """The questions the system asks, with their input and output fields."""
    del actor  # signed-in users only
    return _json(queries.extension_points())


@router.get("/packs")
def list_packs(actor: Actor, container: Container) -> Response:
    """Every pack of the utility with its versions (newest first), without their graphs."""
    return _json(_run(container, actor, lambda env: queries.list_packs(env=env)))


@router.post("/packs", status_code=201)
def create_pack(body: NewPack, actor: Actor, container: Container) -> Response:
    """Start a new pack (or the next version of one) as a draft."""
    draft = _run(
        container,
        actor,
        lambda env: operations.create_draft(
            env=env,
            pack_key=body.pack_key,
            extension_point=body.extension_point,
            title=body.title,
            effective_from=body.effective_from,
            content=body.content,
            test_cases=body.test_cases,
        ),
    )
    return _json(draft, status_code=201)


@router.get("/packs/{pack_key}/versions/{version}")
def find_version(pack_key: str, version: int, actor: Actor, container: Container) -> Response:
    """One version of a pack by number, with its JDM graph and test cases."""
    return _json(
        _run(
            container,
            actor,
            lambda env: queries.find_version(env=env, pack_key=pack_key, version=version),
        )
    )


@router.get("/versions/{version_id}")
def get_version(version_id: str, actor: Actor, container: Container) -> Response:
    """One version with its JDM graph (``content``), test cases and lifecycle."""
    return _json(
        _run(container, actor, lambda env: queries.get_version(env=env, version_id=version_id))
    )


@router.get("/versions/{version_id}/history")
def version_history(version_id: str, actor: Actor, container: Container) -> Response:
    """The audit trail of one version, oldest first."""
    return _json(
        _run(container, actor, lambda env: queries.history(env=env, version_id=version_id))
    )


@router.post("/versions/{version_id}/drafts", status_code=201)
def create_draft_from(
    version_id: str,
    actor: Actor,
    container: Container,
    body: Annotated[NewDraft | None, Body()] = None,
) -> Response:
    """Start the next version of a pack as a copy of this version."""
    effective_from = None if body is None else body.effective_from
    draft = _run(
        container,
        actor,
        lambda env: operations.create_draft_from(
            env=env, version_id=version_id, effective_from=effective_from
        ),
    )
    return _json(draft, status_code=201)


@router.put("/versions/{version_id}/content", openapi_extra=_GRAPH_BODY)
async def save_graph(version_id: str, request: Request, actor: Actor) -> Response:
    """Save a draft's graph (a tested draft goes back to draft and must be tested again)."""
    raw = await request.body()
    if len(raw) > MAX_GRAPH_BYTES:
        raise rules.MalformedGraph(
            f"The rule graph is larger than {MAX_GRAPH_BYTES:,} bytes",
            details={"limit_bytes": MAX_GRAPH_BYTES},
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise rules.MalformedGraph("The rule graph must be UTF-8 JSON") from None
    container = request.app.state.container
    saved = await run_in_threadpool(
        _run,
        container,
        actor,
        lambda env: operations.edit_draft(env=env, version_id=version_id, content=text),
    )
    return _json(saved)


@router.patch("/versions/{version_id}")
def change_draft(
    version_id: str, body: DraftChanges, actor: Actor, container: Container
) -> Response:
    """Change a draft's title, effective date or saved test cases."""
    return _json(
        _run(
            container,
            actor,
            lambda env: operations.edit_draft(
                env=env,
                version_id=version_id,
                title=body.title,
                effective_from=body.effective_from,
                test_cases=body.test_cases,
            ),
        )
    )


@router.post("/versions/{version_id}/tests")
def run_tests(version_id: str, actor: Actor, container: Container) -> Response:
    """Check the graph and run its saved test cases; a draft that passes becomes tested."""
    return _json(
        _run(container, actor, lambda env: operations.run_tests(env=env, version_id=version_id))
    )


@router.post("/versions/{version_id}/submit")
def submit(version_id: str, actor: Actor, container: Container) -> Response:
    """Submit a draft for approval; refused (409) unless every check and test case passes."""
    return _json(
        _run(container, actor, lambda env: operations.submit(env=env, version_id=version_id))
    )


@router.post("/versions/{version_id}/approve")
def approve(version_id: str, actor: Actor, container: Container) -> Response:
    """Approve a tested version; the approver must not have written or edited it."""
    return _json(
        _run(container, actor, lambda env: operations.approve(env=env, version_id=version_id))
    )


@router.post("/versions/{version_id}/publish")
def publish(version_id: str, actor: Actor, container: Container) -> Response:
    """Publish an approved version: from its effective date it answers its extension point."""
    return _json(
        _run(container, actor, lambda env: operations.publish(env=env, version_id=version_id))
    )


def _history(rows: list[dict[str, Any]]) -> pl.DataFrame:
    try:
        return pl.DataFrame(rows, infer_schema_length=None)
    except (pl.exceptions.PolarsError, TypeError, ValueError) as exc:
        raise rules.InvalidHistory(
            "The history's rows must be objects whose fields keep one type in every row",
            details={"problem": str(exc)[:300]},
        ) from None


@router.post("/versions/{version_id}/simulations")
def simulate(version_id: str, body: SimulationIn, actor: Actor, container: Container) -> Response:
    """
    Run a version (usually a draft) over a history of inputs and compare it with the version in
    force (or the one named): how many answers change, how, by how much money, sample accounts.
    """
    frame = _history(body.history)
    return _json(
        _run(
            container,
            actor,
            lambda env: queries.simulate(
                env=env,
                version_id=version_id,
                history=frame,
                as_of=body.as_of,
                account_column=body.account_column,
                baseline_version_id=body.baseline_version_id,
                samples=body.samples,
            ),
        )
    )
