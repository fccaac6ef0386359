"""Every anticipated failure as ``{"code", "message", "details"}`` with its 4xx status."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from urbis.kernel import errors

log = logging.getLogger("urbis.api")


def body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"code": code, "message": message, "details": details or {}}


def install(app: FastAPI) -> None:
    """Map domain errors to their status, validation to 422, anything else to a logged 500."""

    @app.exception_handler(errors.DomainError)
    async def domain_error(_request: Request, exc: errors.DomainError) -> JSONResponse:
        return JSONResponse(body(exc.code, exc.message, exc.details), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [
            {"field": ".".join(str(p) for p in e["loc"][1:]), "problem": e["msg"]}
            for e in exc.errors()
        ]
        return JSONResponse(
            body("invalid_request", "The request is not valid", {"fields": fields}),
            status_code=422,
        )

    @app.exception_handler(Exception)
    async def bug(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("Unexpected failure", exc_info=exc)
        return JSONResponse(
            body("internal_error", "Something went wrong on our side; it has been logged"),
            status_code=500,
        )
