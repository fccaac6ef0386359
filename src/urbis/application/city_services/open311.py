"""
Open311 GeoReport v2 use cases, ready for ``/open311/v2/``: plain data in (form and query
fields as ``{name: [values]}``), plain data out (lists of dicts in the spec's field order),
failures as ``Open311Error`` subclasses with a stable code and the spec's HTTP status.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import attrs

from urbis.application.city_services.ports import Open311Env
from urbis.application.engagement import operations as engagement_ops
from urbis.domain import city_services, engagement

Form = Mapping[str, Sequence[str]]
MAX_DAYS = 90
MAX_REQUESTS = 1000


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat(timespec="seconds").replace("+00:00", "Z")


def _check_jurisdiction(env: Open311Env, jurisdiction_id: str | None) -> None:
    if jurisdiction_id is not None and jurisdiction_id != env.catalogue.jurisdiction_id:
        raise city_services.JurisdictionNotFound(
            f"jurisdiction_id {jurisdiction_id} was not found",
            details={"jurisdiction_id": jurisdiction_id},
        )


def service_list(*, catalogue: city_services.Catalogue) -> list[dict[str, Any]]:
    """The GeoReport service list of a catalogue, in the spec's field order."""
    return [
        {
            "service_code": s.code,
            "service_name": s.name,
            "description": s.description,
            "metadata": s.metadata,
            "type": s.type.value,
            "keywords": ", ".join(s.keywords),
            "group": s.group,
        }
        for s in catalogue.services
    ]


def list_services(*, env: Open311Env, jurisdiction_id: str | None = None) -> list[dict[str, Any]]:
    """
    The service list (GET services.{format}).

    :raises JurisdictionNotFound: if another jurisdiction is asked for.
    """
    _check_jurisdiction(env, jurisdiction_id)
    return service_list(catalogue=env.catalogue)


def service_definition(
    *, env: Open311Env, service_code: str, jurisdiction_id: str | None = None
) -> dict[str, Any]:
    """
    A service's attributes (GET services/{service_code}.{format}).

    :raises ServiceNotFound: if the code is not in the catalogue.
    :raises JurisdictionNotFound: if another jurisdiction is asked for.
    """
    _check_jurisdiction(env, jurisdiction_id)
    service = env.catalogue.get(service_code)
    if service is None:
        raise city_services.ServiceNotFound(
            f"service_code {service_code} was not found", details={"service_code": service_code}
        )
    return {
        "service_code": service.code,
        "attributes": [
            {
                "variable": a.variable,
                "code": a.code,
                "datatype": a.datatype.value,
                "required": a.required,
                "datatype_description": a.datatype_description,
                "order": a.order,
                "description": a.description,
                "values": [{"key": k, "name": n} for k, n in a.values],
            }
            for a in service.attributes
        ],
    }


def _describe(submission: city_services.Submission) -> str:
    lines = [submission.description or submission.service.name]
    location = submission.location
    if location.address:
        lines.append(f"Dirección: {location.address}")
    if location.lat is not None:
        lines.append(f"Ubicación: {location.lat}, {location.long}")
    lines.extend(f"{code}: {', '.join(values)}" for code, values in submission.attributes)
    if submission.media_url:
        lines.append(f"Foto: {submission.media_url}")
    return "\n".join(lines)


def submit_request(*, env: Open311Env, form: Form, api_key: str | None) -> list[dict[str, Any]]:
    """
    Create a service request (POST requests.{format}) and the case that routes it to a team;
    for a utility fault (a leak, an outage) also a field service order, in the same
    transaction, when field work is wired and the report names the resident's account.

    Realtime services answer with the service_request_id; batch services with a token
    (GET tokens/{token}); blackbox services with neither. Nothing is created when the
    request is refused.

    :raises InvalidApiKey: if the api_key is missing or unknown.
    :raises JurisdictionNotFound: if another jurisdiction is named.
    :raises ServiceCodeRequired: if no service_code is given.
    :raises ServiceNotFound: if the service_code is not in the catalogue.
    :raises LocationRequired: if no location is given.
    :raises InvalidLocation: if lat/long are not numbers in range, or only one is given.
    :raises InvalidAttribute: if a required attribute is missing or a value does not fit.
    :raises InvalidRequestField: if the description is over 4,000 characters, or a utility
        fault names an account the utility does not have.
    """
    if not api_key or not env.api_keys.is_valid(api_key):
        raise city_services.InvalidApiKey(
            "Invalid api_key received -- can't proceed with create_request."
        )
    jurisdiction = form.get("jurisdiction_id", [None])[0] if form.get("jurisdiction_id") else None
    _check_jurisdiction(env, jurisdiction)
    submission = city_services.check_submission(catalogue=env.catalogue, form=form)
    now = env.clock.now()
    service = submission.service
    case = engagement_ops.open_case(
        env=env.engagement,
        kind=engagement.CaseKind.PETITION,
        subject=f"Open311 {service.code}: {service.name}"[:200],
        description=_describe(submission),
        channel=engagement.InteractionChannel.PORTAL,
        team=service.team,
        filed_at=now,
        routed_as="OPEN311",
    )
    order_id = None
    if service.utility_fault and env.field_work is not None:
        order_id = env.field_work.request_service_order(
            tenant_id=env.tenant_id,
            team=service.team,
            case_id=case.id,
            description=_describe(submission),
            location=submission.location,
            account_number=submission.account_id,
        )
    request_id = env.ids.new_id()
    token = env.ids.new_id() if service.type is city_services.ServiceType.BATCH else None
    expected = (
        None if service.expected_hours is None else now + timedelta(hours=service.expected_hours)
    )
    request = city_services.ServiceRequest(
        id=request_id,
        tenant_id=env.tenant_id,
        submission=submission,
        status=city_services.RequestStatus.OPEN,
        requested_at=now,
        updated_at=now,
        expected_at=expected,
        token=token,
        case_id=case.id,
        case_number=case.number,
        service_order_id=order_id,
    )
    env.requests.add(request)
    answer: dict[str, Any] = {}
    if service.type is city_services.ServiceType.REALTIME:
        answer["service_request_id"] = request_id
    elif token is not None:
        answer["token"] = token
    answer["service_notice"] = service.service_notice
    answer["account_id"] = submission.account_id
    return [answer]


SECRET_FIELDS = frozenset({"api_key"})


def keep_refused_request(*, env: Open311Env, form: Form, error: city_services.Open311Error) -> None:
    """
    Keep a refused POST requests.{format} for review, as the form it came in without its
    secrets (the api_key's value is dropped, its presence is noted), with the reason.
    """
    kept = {
        name: (["(removed)"] if name in SECRET_FIELDS else list(values))
        for name, values in form.items()
    }
    engagement_ops.keep_for_review(
        env=env.engagement,
        channel=engagement.InteractionChannel.PORTAL,
        content_type="application/x-www-form-urlencoded (Open311)",
        body=urlencode(kept, doseq=True),
        error=error,
    )


def _row(request: city_services.ServiceRequest) -> dict[str, Any]:
    s = request.submission
    return {
        "service_request_id": request.id,
        "status": request.status.value,
        "status_notes": request.status_notes,
        "service_name": s.service.name,
        "service_code": s.service.code,
        "description": s.description,
        "agency_responsible": s.service.team,
        "service_notice": s.service.service_notice,
        "requested_datetime": _iso(request.requested_at),
        "updated_datetime": _iso(request.updated_at),
        "expected_datetime": _iso(request.expected_at),
        "address": s.location.address,
        "address_id": s.location.address_id,
        "zipcode": s.location.zipcode,
        "lat": s.location.lat,
        "long": s.location.long,
        "media_url": s.media_url,
    }


def _instant(query: Form, name: str) -> datetime | None:
    values = query.get(name)
    if not values or not values[0]:
        return None
    try:
        at = datetime.fromisoformat(values[0].replace("Z", "+00:00"))
    except ValueError:
        raise city_services.InvalidQuery(
            f"{name} is not a w3 date/time", details={"field": name}
        ) from None
    if at.tzinfo is None:
        raise city_services.InvalidQuery(f"{name} needs a time zone", details={"field": name})
    return at


def _csv(query: Form, name: str) -> list[str]:
    return [part.strip() for v in query.get(name, ()) for part in v.split(",") if part.strip()]


def get_requests(*, env: Open311Env, query: Form) -> list[dict[str, Any]]:
    """
    Service requests matching the GET requests.{format} filters.

    ``service_request_id`` (comma list) overrides the others; otherwise ``service_code``
    and ``status`` (comma lists), ``start_date``/``end_date`` (at most 90 days apart; by
    default the last 90 days); at most 1,000 requests.

    :raises InvalidQuery: if a date is malformed, the range is reversed or over 90 days, or a
        status is not open or closed.
    :raises JurisdictionNotFound: if another jurisdiction is asked for.
    """
    jurisdiction = query.get("jurisdiction_id", [None])[0] if query.get("jurisdiction_id") else None
    _check_jurisdiction(env, jurisdiction)
    ids = _csv(query, "service_request_id")
    if ids:
        found = (env.requests.get(env.tenant_id, i) for i in ids)
        return [_row(r) for r in found if r is not None]
    try:
        statuses = [city_services.RequestStatus(s) for s in _csv(query, "status")]
    except ValueError:
        raise city_services.InvalidQuery(
            "status is open or closed", details={"field": "status"}
        ) from None
    start = _instant(query, "start_date")
    end = _instant(query, "end_date")
    if end is None:
        end = env.clock.now() if start is None else start + timedelta(days=MAX_DAYS)
    if start is None:
        start = end - timedelta(days=MAX_DAYS)
    if end < start or end - start > timedelta(days=MAX_DAYS):
        raise city_services.InvalidQuery(
            "start_date and end_date must be in order and at most 90 days apart"
        )
    found_rows = env.requests.search(
        env.tenant_id,
        service_codes=_csv(query, "service_code"),
        statuses=statuses,
        start=start,
        end=end,
        limit=MAX_REQUESTS,
    )
    return [_row(r) for r in found_rows]


def get_request(
    *, env: Open311Env, service_request_id: str, jurisdiction_id: str | None = None
) -> list[dict[str, Any]]:
    """
    One service request (GET requests/{id}.{format}), as a one-item list like the spec's.

    :raises RequestNotFound: if there is no such request.
    :raises JurisdictionNotFound: if another jurisdiction is asked for.
    """
    _check_jurisdiction(env, jurisdiction_id)
    request = env.requests.get(env.tenant_id, service_request_id)
    if request is None:
        raise city_services.RequestNotFound(
            f"service_request_id {service_request_id} was not found",
            details={"service_request_id": service_request_id},
        )
    return [_row(request)]


def request_from_token(
    *, env: Open311Env, token: str, jurisdiction_id: str | None = None
) -> list[dict[str, Any]]:
    """
    The service_request_id a token stands for (GET tokens/{token}.{format}).

    :raises TokenNotFound: if the token is unknown.
    :raises JurisdictionNotFound: if another jurisdiction is asked for.
    """
    _check_jurisdiction(env, jurisdiction_id)
    request = env.requests.by_token(env.tenant_id, token)
    if request is None:
        raise city_services.TokenNotFound(f"token {token} was not found", details={"token": token})
    return [{"service_request_id": request.id, "token": token}]


def close_request(
    *, env: Open311Env, service_request_id: str, status_notes: str
) -> city_services.ServiceRequest:
    """
    Close a service request with a note residents can read.

    :raises RequestNotFound: if there is no such request.
    """
    request = env.requests.get(env.tenant_id, service_request_id)
    if request is None:
        raise city_services.RequestNotFound(
            f"service_request_id {service_request_id} was not found",
            details={"service_request_id": service_request_id},
        )
    closed = attrs.evolve(
        request,
        status=city_services.RequestStatus.CLOSED,
        status_notes=status_notes.strip() or None,
        updated_at=env.clock.now(),
    )
    env.requests.update(closed)
    return closed
