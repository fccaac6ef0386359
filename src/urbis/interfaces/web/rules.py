"""
The rules pages of the agent console: the utility's rule packs, and one version opened in the
JDM editor (a React island built with Vite at set-up into ``static/rules-editor``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from urbis.adapters import compute
from urbis.application.billing import queries as billing_queries
from urbis.application.collections import queries as collections_queries
from urbis.application.engagement import queries as engagement_queries
from urbis.application.rules import queries
from urbis.bootstrap import billing as billing_wiring
from urbis.bootstrap import collections as collections_wiring
from urbis.bootstrap import engagement as engagement_wiring
from urbis.bootstrap import metering as metering_wiring
from urbis.bootstrap import rules as wiring
from urbis.domain import billing
from urbis.interfaces.api import auth
from urbis.kernel import errors, ids

EDITOR = Path(__file__).parent / "static" / "rules-editor" / "rules-editor.js"

WORDS: dict[str, dict[str, Any]] = {
    "es": {
        "rules": "Reglas de negocio",
        "pack": "Paquete",
        "extension_point": "Pregunta que responde",
        "version": "Versión",
        "effective_from": "Vigente desde",
        "author": "Autor",
        "approved_by": "Aprobó",
        "open": "Abrir",
        "not_built": "El editor no está construido: ejecute «make setup». Se muestra el grafo.",
        "simulate": "Simular contra la versión vigente",
        "simulation": {
            "title": "Simulación",
            "intro": "Compare lo que respondería esta versión con la versión vigente sobre "
            "datos reales de la empresa.",
            "history": "Historia",
            "histories": {
                "last_bill_run": "Las facturas de la última facturación definitiva",
                "arrears": "Las cuentas en mora hoy",
                "open_cases": "Los casos abiertos hoy",
                "meters": "Los medidores de la empresa",
            },
            "none_for_point": "Esta pregunta aún no tiene una historia en pantalla; use la API "
            "de simulaciones con sus propias filas.",
            "run": "Simular",
            "empty": "La historia elegida no tiene filas: nada que comparar.",
            "run_used": "Facturación {period} (ciclo {cycle})",
            "as_of": "Con la versión vigente el {as_of}",
            "baseline": "Versión vigente",
            "candidate": "Esta versión",
            "rows": "Decisiones comparadas",
            "changed": "Decisiones que cambian",
            "money": "Dinero en juego",
            "increase": "aumenta",
            "decrease": "disminuye",
            "transitions": "Cómo cambian",
            "field": "Respuesta",
            "before": "Antes",
            "after": "Después",
            "count": "Cuentas",
            "samples": "Cuentas de ejemplo",
            "account": "Cuenta",
            "back": "Volver a la versión",
        },
        "editor": {
            "loading": "Cargando el grafo…",
            "toolbar": "Acciones del borrador",
            "save": "Guardar borrador",
            "saved": "Borrador guardado",
            "unsaved": "Cambios sin guardar",
            "runTests": "Ejecutar pruebas",
            "newDraft": "Nuevo borrador a partir de esta versión",
            "approve": "Aprobar",
            "approved": "Versión aprobada",
            "publish": "Publicar",
            "published": "Versión publicada",
            "results": "Resultado de las pruebas",
            "passed": "pasaron",
            "pass": "Pasa",
            "fail": "Falla",
            "problems": "Por qué no se guardó",
            "status": {
                "DRAFT": "Borrador",
                "TESTED": "Probado",
                "APPROVED": "Aprobado",
                "PUBLISHED": "Publicado",
            },
        },
    },
    "en": {
        "rules": "Business rules",
        "pack": "Pack",
        "extension_point": "Question it answers",
        "version": "Version",
        "effective_from": "Effective from",
        "author": "Author",
        "approved_by": "Approved by",
        "open": "Open",
        "not_built": "The editor is not built: run 'make setup'. The graph is shown instead.",
        "simulate": "Simulate against the version in force",
        "simulation": {
            "title": "Simulation",
            "intro": "Compare what this version would answer with the version in force, over "
            "the utility's own data.",
            "history": "History",
            "histories": {
                "last_bill_run": "The bills of the last final bill run",
                "arrears": "The accounts in arrears today",
                "open_cases": "The cases open today",
                "meters": "The utility's meters",
            },
            "none_for_point": "This question has no history on screen yet; use the simulations "
            "API with your own rows.",
            "run": "Simulate",
            "empty": "The chosen history has no rows: nothing to compare.",
            "run_used": "Bill run {period} (cycle {cycle})",
            "as_of": "Against the version in force on {as_of}",
            "baseline": "Version in force",
            "candidate": "This version",
            "rows": "Decisions compared",
            "changed": "Decisions that change",
            "money": "Money at stake",
            "increase": "up",
            "decrease": "down",
            "transitions": "How they change",
            "field": "Answer",
            "before": "Before",
            "after": "After",
            "count": "Accounts",
            "samples": "Sample accounts",
            "account": "Account",
            "back": "Back to the version",
        },
        "editor": {
            "loading": "Loading the graph…",
            "toolbar": "Draft actions",
            "save": "Save draft",
            "saved": "Draft saved",
            "unsaved": "Unsaved changes",
            "runTests": "Run tests",
            "newDraft": "New draft from this version",
            "approve": "Approve",
            "approved": "Version approved",
            "publish": "Publish",
            "published": "Version published",
            "results": "Test results",
            "passed": "passed",
            "pass": "Pass",
            "fail": "Fail",
            "problems": "Why it was not saved",
            "status": {
                "DRAFT": "Draft",
                "TESTED": "Tested",
                "APPROVED": "Approved",
                "PUBLISHED": "Published",
            },
        },
    },
}


def _names(container: Any, actor: Any, *user_ids: str | None) -> dict[str, str]:
    """The display names of the tenant's users among ``user_ids`` (others keep their id)."""
    names: dict[str, str] = {}
    with container.uow() as uow:
        for user_id in filter(None, user_ids):
            user = uow.users.get(ids.UserId(user_id))
            if user is not None and user.tenant_id == actor.tenant_id:
                names[user_id] = user.display_name
    return names


HISTORIES: dict[str, tuple[str, ...]] = {
    "bill_validation": ("last_bill_run",),
    "collection_action": ("arrears",),
    "subsidy_factor": ("last_bill_run",),
    "case_routing": ("open_cases",),
    "vee_thresholds": ("meters",),
}
"""The histories the simulation page reads from the database, per extension point."""


def _today(container: Any, actor: Any) -> date:
    with container.uow() as uow:
        tenant = uow.tenants.get(actor.tenant_id)
    zone = ZoneInfo(tenant.timezone if tenant is not None else "UTC")
    now: datetime = container.clock.now()
    return now.astimezone(zone).date()


def _history(
    container: Any, actor: Any, kind: str, point: str
) -> tuple[pl.DataFrame, date, dict[str, Any] | None]:
    """The chosen history's rows, the day whose version in force is the baseline, and the run."""
    if kind == "last_bill_run":
        bills = billing_wiring.billing_env(
            container=container, actor=actor, runner=compute.InProcess()
        )
        if point == "subsidy_factor":
            run, frame = billing_queries.last_run_solidarity_history(env=bills)
        else:
            run, frame = billing_queries.last_run_validation_history(env=bills)
        if run is None:
            return frame, _today(container, actor), None
        return frame, billing.billing_period(label=run["period"]).start, run
    as_of = _today(container, actor)
    if kind == "meters":
        with container.uow() as uow:
            tenant = uow.tenants.get(actor.tenant_id)
        assert tenant is not None
        meters = metering_wiring.vee_history(engine=container.engine, tenant_code=tenant.code)
        return meters, as_of, None
    if kind == "open_cases":
        with container.engine.connect() as connection:
            cases = engagement_wiring.database_env(
                container=container, actor=actor, connection=connection
            )
            return engagement_queries.open_cases_routing_history(env=cases), as_of, None
    with container.engine.connect() as connection:
        env = collections_wiring.database_env(
            container=container, actor=actor, connection=connection
        )
        return collections_queries.arrears_history(env=env, as_of=as_of), as_of, None


def _pricer(
    container: Any, actor: Any, point: str, run: dict[str, Any] | None
) -> Callable[[pl.DataFrame, pl.DataFrame, pl.DataFrame], pl.Series] | None:
    """Subsidy factors over a bill run are priced by re-pricing its bills; else the impact."""
    if point != "subsidy_factor" or run is None:
        return None
    bills = billing_wiring.billing_env(container=container, actor=actor, runner=compute.InProcess())
    return billing_queries.solidarity_pricer(env=bills, period=run["period"])


def editor_built() -> bool:
    """Whether ``make setup`` built the editor island."""
    return EDITOR.exists()


def mount(app: FastAPI) -> None:
    """Add the rules pages to the web app."""
    from urbis.interfaces import web

    @app.get("/rules", response_class=HTMLResponse, include_in_schema=False)
    def packs(request: Request) -> Response:
        actor = web.signed_in(request)
        if actor is None:
            return RedirectResponse("/login", status_code=303)
        container = auth.container_of(request)
        try:
            found = wiring.in_transaction(
                container=container, actor=actor, use_case=lambda env: queries.list_packs(env=env)
            )
        except errors.DomainError as exc:
            return web.render(request, "error.html", status=exc.status, actor=actor, error=exc)
        return web.render(
            request, "rules.html", actor=actor, packs=found, r=WORDS[web.language(request)]
        )

    @app.get("/rules/{pack_key}/{version}", response_class=HTMLResponse, include_in_schema=False)
    def version_page(request: Request, pack_key: str, version: int) -> Response:
        actor = web.signed_in(request)
        if actor is None:
            return RedirectResponse("/login", status_code=303)
        container = auth.container_of(request)
        try:
            found = wiring.in_transaction(
                container=container,
                actor=actor,
                use_case=lambda env: queries.find_version(
                    env=env, pack_key=pack_key, version=version
                ),
            )
        except errors.DomainError as exc:
            return web.render(request, "error.html", status=exc.status, actor=actor, error=exc)
        words = WORDS[web.language(request)]
        names = _names(container, actor, found["author_id"], found["approved_by"])
        return web.render(
            request,
            "rule_version.html",
            actor=actor,
            version=found,
            names=names,
            r=words,
            editor_built=editor_built(),
            editor_words=json.dumps(words["editor"], ensure_ascii=False),
            graph=json.dumps(found["content"], indent=2, default=str, ensure_ascii=False),
        )

    @app.get(
        "/rules/{pack_key}/{version}/simulation",
        response_class=HTMLResponse,
        include_in_schema=False,
    )
    def simulation_page(
        request: Request, pack_key: str, version: int, history: str | None = None
    ) -> Response:
        actor = web.signed_in(request)
        if actor is None:
            return RedirectResponse("/login", status_code=303)
        container = auth.container_of(request)
        words = WORDS[web.language(request)]
        try:
            found = wiring.in_transaction(
                container=container,
                actor=actor,
                use_case=lambda env: queries.find_version(
                    env=env, pack_key=pack_key, version=version
                ),
            )
        except errors.DomainError as exc:
            return web.render(request, "error.html", status=exc.status, actor=actor, error=exc)
        choices = HISTORIES.get(found["extension_point"], ())
        context: dict[str, Any] = {
            "actor": actor,
            "version": found,
            "r": words,
            "s": words["simulation"],
            "choices": choices,
            "chosen": history if history in choices else None,
            "report": None,
            "problem": None,
            "empty": False,
            "run": None,
            "as_of": None,
        }
        if context["chosen"] is not None:
            try:
                frame, as_of, run = _history(
                    container, actor, context["chosen"], found["extension_point"]
                )
                pricer = _pricer(container, actor, found["extension_point"], run)
                context.update(run=run, as_of=as_of.isoformat())
                if frame.is_empty():
                    context["empty"] = True
                else:
                    context["report"] = wiring.in_transaction(
                        container=container,
                        actor=actor,
                        use_case=lambda env: queries.simulate(
                            env=env,
                            version_id=found["id"],
                            history=frame,
                            as_of=as_of,
                            pricer=pricer,
                        ),
                    )
            except errors.DomainError as exc:
                context["problem"] = exc
        return web.render(request, "rule_simulation.html", **context)
