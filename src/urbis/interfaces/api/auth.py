"""Signed tokens for the API (bearer) and the web (session cookie), and the acting user."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import jwt
from fastapi import Depends, Request

from urbis import bootstrap
from urbis.application.identity import operations as identity_ops
from urbis.domain import identity
from urbis.kernel import errors, ids

TOKEN_LIFETIME = timedelta(hours=8)
COOKIE = "urbis_session"
ALGORITHM = "HS256"


def issue_token(container: bootstrap.App, actor: identity.Actor) -> str:
    """A signed token naming the user and tenant, valid for a working day."""
    now = container.clock.now()
    claims = {
        "sub": actor.user_id,
        "tenant": actor.tenant_id,
        "iat": int(now.timestamp()),
        "exp": int((now + TOKEN_LIFETIME).timestamp()),
    }
    return jwt.encode(claims, container.secret, algorithm=ALGORITHM)


class InvalidToken(errors.NotAuthenticated):
    code = "invalid_token"


def actor_from_token(container: bootstrap.App, token: str) -> identity.Actor:
    """
    Check a token's signature and expiry and rebuild who it acts for.

    :raises InvalidToken: if the token is forged, expired or malformed.
    :raises WrongCredentials: if the user is gone or inactive.
    """
    try:
        claims = jwt.decode(
            token,
            container.secret,
            algorithms=[ALGORITHM],
            options={"verify_exp": False},
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken("Your sign-in token is not valid; sign in again") from exc
    if int(claims.get("exp", 0)) < container.clock.now().timestamp():
        raise InvalidToken("Your sign-in has expired; sign in again")
    actor = identity_ops.actor_for(uow_factory=container.uow, user_id=ids.UserId(claims["sub"]))
    if actor.tenant_id != claims.get("tenant"):
        raise InvalidToken("Your sign-in token is not valid; sign in again")
    return actor


def container_of(request: Request) -> bootstrap.App:
    app_container: bootstrap.App = request.app.state.container
    return app_container


def current_actor(request: Request) -> identity.Actor:
    """
    The acting user, from ``Authorization: Bearer`` or the web session cookie.

    :raises NotAuthenticated: if the request carries neither.
    """
    container = container_of(request)
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return actor_from_token(container, header[7:].strip())
    cookie = request.cookies.get(COOKIE)
    if cookie:
        return actor_from_token(container, cookie)
    raise errors.NotAuthenticated("Sign in first: send a bearer token or a session cookie")


Actor = Annotated[identity.Actor, Depends(current_actor)]
Container = Annotated[bootstrap.App, Depends(container_of)]
