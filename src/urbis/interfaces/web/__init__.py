"""The web app: server-rendered pages (Jinja2) enhanced with htmx when it is installed."""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from urbis.application.accounts import queries as account_queries
from urbis.application.billing import queries as billing_queries
from urbis.application.collections import operations as collections_ops
from urbis.application.collections import queries as collections_queries
from urbis.application.consumption import queries as consumption_queries
from urbis.application.engagement import operations as engagement_ops
from urbis.application.engagement import queries as engagement_queries
from urbis.application.identity import operations as identity_ops
from urbis.application.identity import queries as identity_queries
from urbis.application.payments import queries as payments_queries
from urbis.application.portal import queries as portal_queries
from urbis.application.service_orders import operations as order_ops
from urbis.application.service_orders import queries as order_queries
from urbis.bootstrap import billing as billing_wiring
from urbis.bootstrap import collections as collections_wiring
from urbis.bootstrap import engagement as engagement_wiring
from urbis.bootstrap import ledger as ledger_wiring
from urbis.bootstrap import metering as metering_wiring
from urbis.bootstrap import payments as payments_wiring
from urbis.bootstrap import portal as portal_wiring
from urbis.bootstrap import service_orders as orders_wiring
from urbis.domain import billing, engagement, identity, service_orders
from urbis.interfaces.api import auth
from urbis.interfaces.web import catalogue, portal
from urbis.kernel import errors, ids

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")


def _language(request: Request) -> str:
    asked = request.query_params.get("lang") or request.cookies.get("urbis_lang") or "es"
    return asked if asked in catalogue.LANGUAGES else "es"


def _render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    lang = _language(request)
    response = templates.TemplateResponse(
        request,
        name,
        {
            "t": catalogue.LANGUAGES[lang],
            "v": catalogue.VALUES[lang],
            "lang": lang,
            "f": catalogue.FACTS[lang],
            "describe": lambda entry: catalogue.describe(entry, lang),
            "error_text": lambda error: catalogue.error_text(error, lang),
            "htmx": _has_htmx(),
            **context,
        },
        status_code=status,
    )
    if request.query_params.get("lang") in catalogue.LANGUAGES:
        response.set_cookie("urbis_lang", lang, samesite="lax", httponly=True)
    return response


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page in the visitor's language (for the page modules beside this one)."""
    return _render(request, name, status, **context)


def language(request: Request) -> str:
    """The visitor's language: ``es`` or ``en``."""
    return _language(request)


def staff_only(
    request: Request, allowed: frozenset[identity.Role], why: str
) -> identity.Actor | Response:
    """
    The signed-in user when they hold one of the ``allowed`` roles; otherwise the answer to
    give instead: the sign-in page, or the error page saying ``why`` (403).
    """
    actor = _signed_in(request)
    if actor is None:
        return RedirectResponse("/login", status_code=303)
    if not actor.roles & allowed:
        exc = errors.Forbidden(why)
        return _render(request, "error.html", status=exc.status, actor=actor, error=exc)
    return actor


def signed_in(request: Request) -> identity.Actor | None:
    """The signed-in user, or None."""
    return _signed_in(request)


def _has_htmx() -> bool:
    return (HERE / "static" / "vendor" / "htmx.min.js").exists()


def _signed_in(request: Request) -> identity.Actor | None:
    try:
        return auth.current_actor(request)
    except errors.DomainError:
        return None


def mount(app: FastAPI) -> None:
    """Add the pages and static files to the app."""
    from urbis.interfaces.web import cases, live, matching, rejected
    from urbis.interfaces.web import rules as rules_pages

    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    rules_pages.mount(app)
    live.mount(app)
    matching.mount(app)
    rejected.mount(app)
    cases.mount(app)
    portal.mount(app)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request) -> Response:
        actor = _signed_in(request)
        if actor is None:
            return RedirectResponse("/login", status_code=303)
        if actor.is_customer:
            return RedirectResponse("/portal/", status_code=303)
        return _render(request, "search.html", actor=actor, query="", page=None)

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_form(request: Request) -> Response:
        return _render(request, "login.html", error=None, tenant="demo", username="")

    @app.post("/login", response_class=HTMLResponse, include_in_schema=False)
    def login(
        request: Request,
        tenant: str = Form(...),
        username: str = Form(...),
        password: str = Form(...),
    ) -> Response:
        container = auth.container_of(request)
        try:
            actor = identity_ops.authenticate(
                uow_factory=container.uow,
                hasher=container.hasher,
                tenant_code=tenant,
                username=username,
                password=password,
            )
        except errors.DomainError as exc:
            return _render(
                request,
                "login.html",
                status=exc.status,
                error=exc,
                tenant=tenant,
                username=username,
            )
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(
            auth.COOKIE,
            auth.issue_token(container, actor),
            httponly=True,
            samesite="lax",
            max_age=int(auth.TOKEN_LIFETIME.total_seconds()),
        )
        return response

    @app.post("/logout", include_in_schema=False)
    def logout() -> Response:
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(auth.COOKIE)
        return response

    @app.get("/search", response_class=HTMLResponse, include_in_schema=False)
    def search(request: Request, q: str = "", offset: int = 0) -> Response:
        actor = _signed_in(request)
        if actor is None:
            return RedirectResponse("/login", status_code=303)
        container = auth.container_of(request)
        try:
            page = account_queries.search(
                env=container.env(actor), text=q, limit=20, offset=max(0, offset)
            )
        except errors.DomainError as exc:
            return _render(request, "error.html", status=exc.status, actor=actor, error=exc)
        name = "_results.html" if request.headers.get("hx-request") else "search.html"
        return _render(request, name, actor=actor, query=q, page=page)

    @app.get("/accounts/{account_id}", response_class=HTMLResponse, include_in_schema=False)
    def account(request: Request, account_id: str) -> Response:
        actor = _signed_in(request)
        if actor is None:
            return RedirectResponse("/login", status_code=303)
        return _account_page(request, actor, account_id)

    @app.post("/accounts/{account_id}/promises", include_in_schema=False)
    def register_promise(
        request: Request,
        account_id: str,
        amount: str = Form(...),
        promised_date: str = Form(...),
        channel: str = Form("PHONE"),
        note: str = Form(""),
    ) -> Response:
        actor = _signed_in(request)
        if actor is None:
            return RedirectResponse("/login", status_code=303)
        container = auth.container_of(request)
        try:
            promised_on = _date_field(promised_date, "promised_date")
            amount_value = _amount_field(amount)
            with container.engine.begin() as connection:
                collections_ops.register_promise(
                    env=collections_wiring.database_env(
                        container=container, actor=actor, connection=connection
                    ),
                    account_id=ids.AccountId(account_id),
                    amount=amount_value,
                    promised_date=promised_on,
                    channel=channel,
                    note=note,
                    as_of=container.clock.now().date(),
                )
        except errors.DomainError as exc:
            if isinstance(exc, errors.NotFound | errors.Forbidden | errors.NotAuthenticated):
                return _render(request, "error.html", status=exc.status, actor=actor, error=exc)
            return _account_page(request, actor, account_id, status=exc.status, promise_error=exc)
        return RedirectResponse(f"/accounts/{account_id}#collections", status_code=303)

    @app.post("/accounts/{account_id}/service-orders", include_in_schema=False)
    def create_order(
        request: Request,
        account_id: str,
        kind: str = Form(...),
        reason: str = Form(...),
        scheduled_date: str = Form(""),
        service_point_id: str = Form(""),
    ) -> Response:
        actor = _signed_in(request)
        if actor is None:
            return RedirectResponse("/login", status_code=303)
        container = auth.container_of(request)
        fragment = bool(request.headers.get("hx-request"))
        account = ids.AccountId(account_id)
        try:
            try:
                order_kind = service_orders.OrderKind(kind)
            except ValueError:
                raise service_orders.InvalidServiceOrder(
                    f"Unknown kind of order {kind!r}", details={"kind": kind}
                ) from None
            day = _date_field(scheduled_date, "scheduled_date") if scheduled_date else None
            with container.engine.begin() as connection:
                order_ops.create_order(
                    env=orders_wiring.database_env(
                        container=container, actor=actor, connection=connection
                    ),
                    account_id=account,
                    kind=order_kind,
                    reason=reason,
                    service_point_id=ids.ServicePointId(service_point_id)
                    if service_point_id
                    else None,
                    scheduled_date=day,
                )
        except errors.DomainError as exc:
            if not fragment:
                if isinstance(exc, errors.NotFound | errors.Forbidden | errors.NotAuthenticated):
                    return _render(request, "error.html", status=exc.status, actor=actor, error=exc)
                return _account_page(
                    request, actor, account_id, status=exc.status, orders_error=exc
                )
            return _render(
                request,
                "_orders.html",
                status=exc.status,
                orders=_orders_of(container, actor, account),
                orders_error=exc,
            )
        if not fragment:
            return RedirectResponse(f"/accounts/{account_id}#field", status_code=303)
        return _render(
            request,
            "_orders.html",
            orders=_orders_of(container, actor, account),
            orders_saved=True,
        )

    @app.post("/accounts/{account_id}/cases", include_in_schema=False)
    def file_case(
        request: Request,
        account_id: str,
        kind: str = Form(...),
        subject: str = Form(...),
        description: str = Form(...),
        channel: str = Form("WALK_IN"),
    ) -> Response:
        def action(env: Any, view: Any) -> object:
            case = engagement_ops.open_case(
                env=env,
                kind=_choice(engagement.CaseKind, kind, "kind", engagement.InvalidCase),
                subject=subject,
                description=description,
                party_id=view.holder.id,
                account_id=view.account.id,
                channel=_choice(
                    engagement.InteractionChannel, channel, "channel", engagement.InvalidCase
                ),
            )
            # the customer hears of the case in the same transaction (as from the API)
            portal_wiring.notify_case_changed_in(
                container=auth.container_of(request), engaging=env, case=case
            )
            return case

        return _act(request, account_id, action, panel="cases")

    @app.post("/accounts/{account_id}/interactions", include_in_schema=False)
    def log_interaction(
        request: Request,
        account_id: str,
        channel: str = Form(...),
        summary: str = Form(...),
    ) -> Response:
        def action(env: Any, view: Any) -> object:
            return engagement_ops.record_interaction(
                env=env,
                channel=_choice(
                    engagement.InteractionChannel,
                    channel,
                    "channel",
                    engagement.InvalidInteraction,
                ),
                direction=engagement.Direction.INBOUND,
                summary=summary,
                party_id=view.holder.id,
                account_id=view.account.id,
            )

        return _act(request, account_id, action, panel="timeline")

    @app.get("/accounts/{account_id}/bills/{bill_id}/lines", include_in_schema=False)
    def bill_lines(request: Request, account_id: str, bill_id: str) -> Response:
        actor = _signed_in(request)
        if actor is None:
            return RedirectResponse("/login", status_code=303)
        container = auth.container_of(request)
        try:
            bill = billing_queries.get_bill(
                env=billing_wiring.billing_env(container=container, actor=actor), bill_id=bill_id
            )
            if bill["account_id"] != account_id:
                raise billing.BillNotFound(f"No bill {bill_id}", details={"bill_id": bill_id})
        except errors.DomainError as exc:
            return _render(request, "error.html", status=exc.status, actor=actor, error=exc)
        name = "_bill_lines.html" if request.headers.get("hx-request") else "bill_lines.html"
        return _render(
            request,
            name,
            actor=actor,
            account_id=account_id,
            bill=bill,
            has_quantities=any(line.get("quantity") is not None for line in bill["lines"]),
        )

    @app.get("/reading-photos/{photo_id}", include_in_schema=False)
    def reading_photo(request: Request, photo_id: str) -> Response:
        actor = _signed_in(request)
        if actor is None:
            return RedirectResponse("/login", status_code=303)
        container = auth.container_of(request)
        try:
            with container.engine.connect() as connection:
                found = portal_queries.photo(
                    env=container.env(actor),
                    photos=portal_wiring.photo_repository(connection),
                    photo_id=photo_id,
                )
        except errors.DomainError as exc:
            return _render(request, "error.html", status=exc.status, actor=actor, error=exc)
        return Response(
            found.photo.data,
            media_type=found.photo.content_type,
            headers={
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "default-src 'none'",
                "Cache-Control": "private, max-age=3600",
            },
        )

    @app.post("/accounts/{account_id}/chat", include_in_schema=False)
    def reply_in_chat(request: Request, account_id: str, text: str = Form(...)) -> Response:
        return _act(
            request,
            account_id,
            lambda env, view: engagement_ops.record_interaction(
                env=env,
                channel=engagement.InteractionChannel.WEB_CHAT,
                direction=engagement.Direction.OUTBOUND,
                summary=text,
                party_id=view.holder.id,
                account_id=view.account.id,
            ),
        )


def _account_page(
    request: Request, actor: identity.Actor, account_id: str, status: int = 200, **extra: Any
) -> Response:
    """The account's 360° page (with an action's error, when one failed)."""
    container = auth.container_of(request)
    try:
        view = account_queries.account_view(
            env=container.env(actor), account_id=ids.AccountId(account_id)
        )
    except errors.DomainError as exc:
        return _render(request, "error.html", status=exc.status, actor=actor, error=exc)
    today = container.clock.now().date()
    statement = ledger_wiring.statement(
        container=container, actor=actor, account_id=view.account.id, as_of=today
    )
    cases, timeline = _cases_and_timeline(container, actor, view.holder.id)
    with container.engine.begin() as connection:
        photos = (
            ()
            if actor.is_customer
            else portal_queries.photos_of_meters(
                env=container.env(actor),
                photos=portal_wiring.photo_repository(connection),
                serials=tuple(m.serial for s in view.services for m, _ in s.meters),
            )
        )
    return _render(
        request,
        "account.html",
        status=status,
        usage={u.serial: u for u in _usage(container, actor, view)},
        actor=actor,
        view=view,
        statement=statement,
        **_money_and_field(container, actor, view.account.id),
        photos=photos,
        cases=cases,
        timeline=timeline,
        party_id=view.holder.id,
        case_kinds=list(engagement.CaseKind),
        channels=list(engagement.InteractionChannel),
        order_kinds=list(service_orders.OrderKind),
        can_act=bool(actor.roles & collections_ops.WRITERS),
        today=today.isoformat(),
        **extra,
    )


def _usage(
    container: Any, actor: identity.Actor, view: account_queries.AccountView
) -> tuple[consumption_queries.MeterUse, ...]:
    """The consumption of the account's meters, as the customer portal shows it."""
    env = container.env(actor)
    tenant = identity_queries.tenant(env=env)
    if tenant is None or not any(s.meters for s in view.services):
        return ()
    stores = metering_wiring.for_tenant(
        engine=container.engine, data_dir=container.data_dir, tenant_code=tenant.code
    )
    return consumption_queries.account_usage(
        view=view,
        intervals=stores.intervals,
        registers=stores.registers,
        zone=ZoneInfo(tenant.timezone),
        as_at=container.clock.now(),
    )


def _date_field(text: str, field: str) -> date:
    """A form's date (YYYY-MM-DD)."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise errors.InvalidValue(
            f"{text!r} is not a date (YYYY-MM-DD)", details={"field": field}
        ) from None


_AMOUNT = re.compile(r"-?[0-9]{1,15}([.,][0-9]{1,2})?")


def _amount_field(text: str) -> Decimal:
    """
    A form's amount of money: digits with up to two decimals after a point or a comma. Thousands
    separators are refused rather than guessed ("50.000" is fifty thousand pesos to most
    Colombians and fifty to a computer).
    """
    cleaned = text.strip().replace(" ", "")
    if not _AMOUNT.fullmatch(cleaned):
        raise errors.InvalidValue(
            f"{text!r} is not an amount: write digits only, with up to two decimals",
            details={"field": "amount"},
        )
    return Decimal(cleaned.replace(",", "."))


def _orders_of(
    container: Any, actor: identity.Actor, account_id: ids.AccountId
) -> list[dict[str, Any]]:
    with container.engine.begin() as connection:
        orders: list[dict[str, Any]] = order_queries.list_orders(
            env=orders_wiring.database_env(container=container, actor=actor, connection=connection),
            account_id=account_id,
        )
    return orders


def _money_and_field(container: Any, actor: identity.Actor, account_id: str) -> dict[str, Any]:
    """The 360° view's other contexts: bills, payments, service orders and collections."""
    account = ids.AccountId(account_id)
    found: dict[str, Any] = {
        "bills": [],
        "payments": [],
        "orders": [],
        "collections": None,
        "taken_by": {},
    }
    if not actor.roles & identity.STAFF_ROLES:
        return found
    billing_env = billing_wiring.billing_env(container=container, actor=actor)
    found["bills"] = billing_queries.bills_of_account(env=billing_env, account_id=account)
    found["payments"] = payments_queries.account_payments(
        env=payments_wiring.env(container=container, actor=actor), account_id=account
    )
    with container.engine.begin() as connection:
        found["orders"] = order_queries.list_orders(
            env=orders_wiring.database_env(container=container, actor=actor, connection=connection),
            account_id=account,
        )
        found["collections"] = collections_queries.account_collections(
            env=collections_wiring.database_env(
                container=container, actor=actor, connection=connection
            ),
            account_id=account,
            as_of=container.clock.now().date(),
        )
    found["taken_by"] = identity_queries.display_names(
        env=container.env(actor),
        user_ids=(p["taken_by"] for p in found["collections"]["promises"]),
    )
    return found


def _cases_and_timeline(
    container: Any, actor: identity.Actor, party_id: ids.PartyId
) -> tuple[list[tuple[Any, Any, date]], tuple[engagement.TimelineEntry, ...]]:
    """The customer's cases with their clocks and last days, and the newest of the timeline."""
    with container.engine.begin() as connection:
        env = engagement_wiring.database_env(
            container=container, actor=actor, connection=connection
        )
        now = container.clock.now()
        cases = [
            (
                case,
                engagement.sla_clock(case=case, as_at=now, calendar=env.calendar),
                # the deadline is the first instant after the last day to answer
                (case.deadline.astimezone(env.calendar.zone) - timedelta(days=1)).date(),
            )
            for case in reversed(env.cases.for_party(actor.tenant_id, party_id))
        ]
        timeline = engagement_queries.customer_timeline(env=env, party_id=party_id)
    return cases, timeline[:30]


_Choice = TypeVar("_Choice", bound=enum.Enum)


def _choice(
    kind: type[_Choice], value: str, field: str, problem: type[errors.DomainError]
) -> _Choice:
    """A form's choice among an enumeration's values."""
    try:
        return kind(value)
    except ValueError:
        raise problem(f"Unknown {field} {value!r}", details={field: value}) from None


def _act(
    request: Request,
    account_id: str,
    action: Callable[[Any, Any], object],
    *,
    panel: str = "timeline",
) -> Response:
    """
    Run one engagement action for an account's holder. htmx gets the ``panel`` it changed
    (cases or timeline, the timeline beside the cases) with the error or a confirmation in it;
    a plain form post goes back to the page (or shows it with the error beside the form).
    """
    actor = _signed_in(request)
    if actor is None:
        return RedirectResponse("/login", status_code=303)
    container = auth.container_of(request)
    fragment = bool(request.headers.get("hx-request"))
    try:
        identity.require_role(actor=actor, allowed=frozenset({identity.Role.AGENT}))
        view = account_queries.account_view(
            env=container.env(actor), account_id=ids.AccountId(account_id)
        )
    except errors.DomainError as exc:
        return _render(request, "error.html", status=exc.status, actor=actor, error=exc)
    try:
        with container.engine.begin() as connection:
            action(
                engagement_wiring.database_env(
                    container=container, actor=actor, connection=connection
                ),
                view,
            )
    except errors.DomainError as exc:
        if isinstance(exc, errors.NotFound | errors.Forbidden | errors.NotAuthenticated):
            return _render(request, "error.html", status=exc.status, actor=actor, error=exc)
        if not fragment:
            return _account_page(
                request, actor, account_id, status=exc.status, **{f"{panel}_error": exc}
            )
        cases, timeline = _cases_and_timeline(container, actor, view.holder.id)
        return _render(
            request,
            "_after_action.html",
            status=exc.status,
            primary=panel,
            cases=cases,
            timeline=timeline,
            party_id=view.holder.id,
            **{f"{panel}_error": exc},
        )
    if not fragment:
        return RedirectResponse(f"/accounts/{account_id}#{panel}", status_code=303)
    cases, timeline = _cases_and_timeline(container, actor, view.holder.id)
    return _render(
        request,
        "_after_action.html",
        primary=panel,
        cases=cases,
        timeline=timeline,
        party_id=view.holder.id,
        **{f"{panel}_saved": True},
    )
