"""
The customer portal at ``/portal/``: a signed-in customer's accounts, consumption, readings with
a photo, problems reported as cases, payments, notification preferences and consents, and their
data as Green Button XML. Server-rendered (Jinja2), Spanish and English.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

from babel import numbers as babel_numbers
from fastapi import FastAPI, File, Form, Request, UploadFile, WebSocket, WebSocketDisconnect
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from urbis import bootstrap
from urbis.application.identity import queries as identity_queries
from urbis.application.portal import operations, ports, queries
from urbis.bootstrap import ledger as ledger_wiring
from urbis.bootstrap import portal as portal_wiring
from urbis.domain import customers, engagement, identity, portal
from urbis.interfaces.api import auth
from urbis.interfaces.web import catalogue, portal_catalogue
from urbis.kernel import errors, ids
from urbis.kernel.money import Money

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
T = TypeVar("T")
_LOCALES = {"es": "es_CO", "en": "en_US"}


def _money(value: Money | str, lang: str, currency: str | None = None) -> str:
    """An amount as people read it in the page's language (``$ 85.000,00`` in Spanish)."""
    if isinstance(value, Money):
        amount, code = value.amount, value.currency
    else:
        amount, code = Decimal(str(value)), currency or "COP"
    return str(babel_numbers.format_currency(amount, code, locale=_LOCALES.get(lang, "es_CO")))


templates.env.filters["money"] = _money

CONSENT_CHANNELS = (
    customers.Channel.EMAIL,
    customers.Channel.SMS,
    customers.Channel.WHATSAPP,
)
CONSENT_PURPOSES = (customers.ConsentPurpose.SERVICE, customers.ConsentPurpose.MARKETING)


class NotACustomer(errors.Forbidden):
    code = "portal_customers_only"


def _language(request: Request) -> str:
    asked = request.query_params.get("lang") or request.cookies.get("urbis_lang") or "es"
    return asked if asked in catalogue.LANGUAGES else "es"


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A portal page in the visitor's language (the agent pages' words plus the portal's)."""
    lang = _language(request)
    words = {**catalogue.LANGUAGES[lang], **portal_catalogue.LANGUAGES[lang]}
    values = {**catalogue.VALUES[lang], **portal_catalogue.LANGUAGES[lang]}
    response = templates.TemplateResponse(
        request,
        name,
        {
            "t": words,
            "v": values,
            "lang": lang,
            "htmx": (HERE / "static" / "vendor" / "htmx.min.js").exists(),
            **context,
        },
        status_code=status,
    )
    if request.query_params.get("lang") in catalogue.LANGUAGES:
        response.set_cookie("urbis_lang", lang, samesite="lax", httponly=True)
    return response


def _customer(request: Request) -> identity.Actor | Response:
    """The signed-in customer, or the response that sends anyone else away."""
    try:
        actor = auth.current_actor(request)
    except errors.DomainError:
        return RedirectResponse("/login", status_code=303)
    if not actor.is_customer:
        error = NotACustomer("The portal is for customers; staff use the agent console")
        return render(request, "portal_error.html", status=error.status, actor=actor, error=error)
    return actor


@contextmanager
def _session(request: Request, actor: identity.Actor) -> Iterator[ports.PortalEnv]:
    """The portal's use cases inside one transaction that commits when the block succeeds."""
    container = auth.container_of(request)
    with container.engine.begin() as connection:
        yield portal_wiring.portal_env(container=container, actor=actor, connection=connection)


def _zone(request: Request, actor: identity.Actor) -> ZoneInfo:
    container = auth.container_of(request)
    tenant = identity_queries.tenant(env=container.env(actor))
    return ZoneInfo(tenant.timezone if tenant is not None else "America/Bogota")


def _account_page(
    request: Request,
    actor: identity.Actor,
    account_id: str,
    *,
    status: int = 200,
    error: errors.DomainError | None = None,
    **extra: Any,
) -> Response:
    container = auth.container_of(request)
    try:
        with _session(request, actor) as penv:
            page = queries.account_page(penv=penv, account_id=ids.AccountId(account_id))
            cases = queries.my_cases(penv=penv, account_id=ids.AccountId(account_id))
    except errors.DomainError as exc:
        return render(request, "portal_error.html", status=exc.status, actor=actor, error=exc)
    zone = _zone(request, actor)
    now = container.clock.now().astimezone(zone)
    return render(
        request,
        "portal_account.html",
        status=status,
        actor=actor,
        page=page,
        statement=_statement(request, actor, page.view.account.id),
        error=error,
        zone=zone,
        now_local=now.strftime("%Y-%m-%dT%H:%M"),
        tomorrow=now.date() + timedelta(days=1),
        month_ago=now.date() - timedelta(days=30),
        problem_kinds=operations.PROBLEM_KINDS,
        cases=cases,
        appeal_kinds=(engagement.CaseKind.RECONSIDERATION, engagement.CaseKind.APPEAL),
        **extra,
    )


def _statement(request: Request, actor: identity.Actor, account_id: ids.AccountId) -> Any:
    """What the account owes and its unpaid bills, from the ledger."""
    container = auth.container_of(request)
    return ledger_wiring.statement(
        container=container,
        actor=actor,
        account_id=account_id,
        as_of=container.clock.now().astimezone(_zone(request, actor)).date(),
    )


def _domain_error(exc: Exception) -> errors.DomainError:
    return exc if isinstance(exc, errors.DomainError) else errors.InvalidValue(str(exc))


def mount(app: FastAPI) -> None:
    """Add the portal's pages and its web chat."""
    mount_chat(app)

    @app.get("/portal", include_in_schema=False)
    def portal_root() -> Response:
        return RedirectResponse("/portal/", status_code=307)

    @app.get("/portal/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request) -> Response:
        actor = _customer(request)
        if isinstance(actor, Response):
            return actor
        with _session(request, actor) as penv:
            mine = queries.my_accounts(penv=penv)
        return render(request, "portal_home.html", actor=actor, accounts=mine)

    @app.get("/portal/accounts/{account_id}", response_class=HTMLResponse, include_in_schema=False)
    def account(request: Request, account_id: str) -> Response:
        actor = _customer(request)
        if isinstance(actor, Response):
            return actor
        return _account_page(
            request,
            actor,
            account_id,
            done=request.query_params.get("done"),
            case_number=request.query_params.get("case"),
            paid=request.query_params.get("paid"),
        )

    def _act(
        request: Request,
        account_id: str,
        action: Callable[[ports.PortalEnv, identity.Actor], T],
        then: Callable[[T], str],
    ) -> Response:
        actor = _customer(request)
        if isinstance(actor, Response):
            return actor
        try:
            with _session(request, actor) as penv:
                result = action(penv, actor)
        except (errors.DomainError, ValueError) as exc:
            error = _domain_error(exc)
            return _account_page(request, actor, account_id, status=error.status, error=error)
        return RedirectResponse(then(result), status_code=303)

    @app.post("/portal/accounts/{account_id}/readings", include_in_schema=False)
    async def send_reading(
        request: Request,
        account_id: str,
        meter: str = Form(...),
        value: str = Form(...),
        read_at: str = Form(...),
        photo: Annotated[UploadFile | None, File()] = None,
    ) -> Response:
        actor = _customer(request)
        if isinstance(actor, Response):
            return actor
        picture = None
        if photo is not None and photo.filename:
            # read one byte past the limit: enough to refuse an oversized photo without
            # holding all of it
            data = await photo.read(portal.MAX_PHOTO_BYTES + 1)
            picture = portal.Photo(
                content_type=photo.content_type or "", data=data, filename=photo.filename
            )
        zone = _zone(request, actor)

        def act(penv: ports.PortalEnv, _actor: identity.Actor) -> object:
            try:
                number = float(value.replace(",", "."))
                taken = datetime.fromisoformat(read_at)
            except ValueError:
                raise portal.InvalidReading(
                    "Write the reading as a number and its date and time"
                ) from None
            taken = taken.replace(tzinfo=zone) if taken.tzinfo is None else taken
            return operations.send_reading(
                penv=penv,
                account_id=ids.AccountId(account_id),
                meter=meter,
                value=number,
                read_at=taken.astimezone(UTC),
                photo=picture,
            )

        return _act(
            request, account_id, act, lambda _r: f"/portal/accounts/{account_id}?done=reading"
        )

    @app.post("/portal/accounts/{account_id}/problems", include_in_schema=False)
    def report_problem(
        request: Request,
        account_id: str,
        kind: str = Form("COMPLAINT"),
        subject: str = Form(...),
        description: str = Form(...),
    ) -> Response:
        return _act(
            request,
            account_id,
            lambda penv, _a: operations.report_problem(
                penv=penv,
                account_id=ids.AccountId(account_id),
                kind=engagement.CaseKind(kind),
                subject=subject,
                description=description,
            ),
            lambda case: f"/portal/accounts/{account_id}?done=case&case={case.number}",
        )

    @app.post("/portal/accounts/{account_id}/cases/{case_id}/appeal", include_in_schema=False)
    def appeal_case(
        request: Request,
        account_id: str,
        case_id: str,
        kind: str = Form("RECONSIDERATION"),
        reason: str = Form(""),
    ) -> Response:
        return _act(
            request,
            account_id,
            lambda penv, _a: operations.appeal_case(
                penv=penv,
                case_id=engagement.CaseId(case_id),
                kind=engagement.CaseKind(kind),
                reason=reason,
            ),
            lambda case: f"/portal/accounts/{account_id}?done=appeal&case={case.number}",
        )

    @app.get(
        "/portal/accounts/{account_id}/pay", response_class=HTMLResponse, include_in_schema=False
    )
    def pay_form(request: Request, account_id: str) -> Response:
        actor = _customer(request)
        if isinstance(actor, Response):
            return actor
        return _pay_page(request, actor, account_id)

    def _pay_page(
        request: Request,
        actor: identity.Actor,
        account_id: str,
        *,
        status: int = 200,
        error: errors.DomainError | None = None,
        amount: str = "",
    ) -> Response:
        container = auth.container_of(request)
        try:
            with _session(request, actor) as penv:
                view = operations.own_account(penv=penv, account_id=ids.AccountId(account_id))
                currency = penv.currency
        except errors.DomainError as exc:
            return render(request, "portal_error.html", status=exc.status, actor=actor, error=exc)
        if not amount:
            owed = _statement(request, actor, view.account.id)["owed"]
            amount = owed if Decimal(owed) > 0 else ""
        return render(
            request,
            "portal_pay.html",
            status=status,
            actor=actor,
            view=view,
            error=error,
            amount=amount,
            currency=currency,
            key=container.ids.new_id(),
        )

    @app.post("/portal/accounts/{account_id}/pay", include_in_schema=False)
    def pay(
        request: Request,
        account_id: str,
        amount: str = Form(...),
        card_number: str = Form(...),
        idempotency_key: str = Form(...),
    ) -> Response:
        actor = _customer(request)
        if isinstance(actor, Response):
            return actor
        try:
            with _session(request, actor) as penv:
                charge = operations.pay(
                    penv=penv,
                    account_id=ids.AccountId(account_id),
                    amount=amount,
                    card_number=card_number,
                    idempotency_key=idempotency_key,
                )
        except errors.DomainError as exc:
            return _pay_page(
                request, actor, account_id, status=exc.status, error=exc, amount=amount
            )
        if charge.status is portal.ChargeStatus.DECLINED:
            declined = PaymentDeclined(
                f"{charge.decline_code}", details={"decline_code": charge.decline_code}
            )
            return _pay_page(request, actor, account_id, status=402, error=declined, amount=amount)
        return RedirectResponse(
            f"/portal/accounts/{account_id}?done=paid&paid={charge.reference}", status_code=303
        )

    @app.get("/portal/accounts/{account_id}/greenbutton", include_in_schema=False)
    def download(
        request: Request,
        account_id: str,
        meter: str,
        start: str = "",
        end: str = "",
    ) -> Response:
        actor = _customer(request)
        if isinstance(actor, Response):
            return actor
        container = auth.container_of(request)
        zone = _zone(request, actor)
        try:
            today = container.clock.now().astimezone(zone).date()
            last = date.fromisoformat(end) if end else today + timedelta(days=1)
            first = date.fromisoformat(start) if start else last - timedelta(days=31)
            if first >= last:
                raise InvalidSpan("The first day must come before the last")
            with _session(request, actor) as penv:
                reads = queries.reads_for_download(
                    penv=penv,
                    account_id=ids.AccountId(account_id),
                    meter=meter,
                    start=datetime.combine(first, time(), tzinfo=zone),
                    end=datetime.combine(last, time(), tzinfo=zone),
                )
            serial = reads.item(0, "meter")
            body = portal_wiring.green_button(
                reads=reads, meter=serial, as_at=container.clock.now()
            )
        except (errors.DomainError, ValueError) as exc:
            return _account_page(
                request,
                actor,
                account_id,
                status=_domain_error(exc).status,
                error=_domain_error(exc),
            )
        filename = f"greenbutton-{serial}-{first.isoformat()}-{last.isoformat()}.xml"
        return Response(
            body,
            media_type="application/atom+xml",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    @app.get("/portal/preferences", response_class=HTMLResponse, include_in_schema=False)
    def preferences_form(request: Request) -> Response:
        actor = _customer(request)
        if isinstance(actor, Response):
            return actor
        return _preferences_page(request, actor, saved=request.query_params.get("saved") == "1")

    def _preferences_page(
        request: Request,
        actor: identity.Actor,
        *,
        status: int = 200,
        error: errors.DomainError | None = None,
        saved: bool = False,
    ) -> Response:
        with _session(request, actor) as penv:
            chosen = queries.preferences(penv=penv)
            assert actor.party_id is not None
            party = penv.engagement.directory.party(actor.tenant_id, actor.party_id)
        assert party is not None
        consents = {
            (c.value, p.value): party.consents_to(channel=c, purpose=p)
            for c in CONSENT_CHANNELS
            for p in CONSENT_PURPOSES
        }
        return render(
            request,
            "portal_preferences.html",
            status=status,
            actor=actor,
            error=error,
            saved=saved,
            prefs=chosen,
            consents=consents,
            channels=CONSENT_CHANNELS,
            purposes=CONSENT_PURPOSES,
            kinds=list(engagement.NotificationKind),
            languages=engagement.LANGUAGES,
        )

    @app.post("/portal/preferences", include_in_schema=False)
    async def save_preferences(request: Request) -> Response:
        actor = _customer(request)
        if isinstance(actor, Response):
            return actor
        form = await request.form()
        try:
            order = [str(form.get(f"channel_{i}", "")) for i in (1, 2, 3)]
            channels = [customers.Channel(c) for c in order if c]
            muted = [engagement.NotificationKind(str(k)) for k in form.getlist("muted")]
            decisions = {
                (c, p): form.get(f"consent_{c.value}_{p.value}") == "on"
                for c in CONSENT_CHANNELS
                for p in CONSENT_PURPOSES
            }
            with _session(request, actor) as penv:
                operations.save_preferences(
                    penv=penv,
                    language=str(form.get("language", "es")),
                    channels=channels,
                    muted=muted,
                )
            # consents are the customers context's own writes (each with its audit entry)
            with _session(request, actor) as penv:
                operations.decide_consents(penv=penv, decisions=decisions)
        except (errors.DomainError, ValueError) as exc:
            error = _domain_error(exc)
            return _preferences_page(request, actor, status=error.status, error=error)
        return RedirectResponse("/portal/preferences?saved=1", status_code=303)


class PaymentDeclined(errors.DomainError):
    code = "payment_declined"
    status = 402


class InvalidSpan(errors.InvalidValue):
    code = "invalid_download_span"


POLL_SECONDS = 1.0


def _chat_line(interaction: engagement.Interaction) -> dict[str, str]:
    return {
        "id": interaction.id,
        "from": "customer" if interaction.direction is engagement.Direction.INBOUND else "agent",
        "text": interaction.summary,
        "at": interaction.at.isoformat(),
    }


def mount_chat(app: FastAPI) -> None:
    """The portal's web chat: a WebSocket per signed-in customer, logged on their timeline."""

    @app.websocket("/portal/chat/ws")
    async def chat(websocket: WebSocket) -> None:
        container: bootstrap.App = websocket.app.state.container
        try:
            actor = auth.actor_from_token(container, websocket.cookies.get(auth.COOKIE, ""))
        except errors.DomainError:
            await websocket.close(code=4401, reason="sign in first")
            return
        if not actor.is_customer:
            await websocket.close(code=4403, reason="the chat is for customers")
            return
        await websocket.accept()

        def history() -> tuple[engagement.Interaction, ...]:
            with container.engine.begin() as connection:
                penv = portal_wiring.portal_env(
                    container=container, actor=actor, connection=connection
                )
                return queries.chat_history(penv=penv)

        def say(text: str) -> engagement.Interaction | errors.DomainError:
            try:
                with container.engine.begin() as connection:
                    penv = portal_wiring.portal_env(
                        container=container, actor=actor, connection=connection
                    )
                    return operations.chat_message(penv=penv, text=text)
            except errors.DomainError as exc:
                return exc

        seen: set[str] = set()

        async def send_new() -> None:
            for line in await run_in_threadpool(history):
                if line.id not in seen:
                    seen.add(line.id)
                    await websocket.send_json(_chat_line(line))

        try:
            await send_new()
            while True:
                try:
                    text = await asyncio.wait_for(websocket.receive_text(), POLL_SECONDS)
                except TimeoutError:
                    text = None
                if text is not None:
                    said = await run_in_threadpool(say, text)
                    if isinstance(said, errors.DomainError):
                        await websocket.send_json({"error": said.code, "message": said.message})
                await send_new()
        except WebSocketDisconnect:
            return
