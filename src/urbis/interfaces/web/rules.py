"""
The rules pages of the agent console: the utility's rule packs, and one version opened in the
JDM editor (a React island built with Vite at set-up into ``static/rules-editor``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from urbis.application.rules import queries
from urbis.bootstrap import rules as wiring
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
