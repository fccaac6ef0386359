"""
Open311 GeoReport v2: the city's service catalogue and residents' service requests.

Enum values follow the spec's own lowercase words (``realtime``, ``singlevaluelist``,
``open``), since they travel to clients unchanged.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from urbis.kernel import errors


class Open311Error(errors.DomainError):
    """Failures reported in the GeoReport v2 error format; 400 unless said otherwise."""

    code = "open311_error"
    status = 400


class InvalidCatalogue(errors.InvalidValue):
    code = "invalid_service_catalogue"


class ServiceCodeRequired(Open311Error):
    code = "service_code_required"


class ServiceNotFound(Open311Error):
    code = "service_not_found"
    status = 404


class JurisdictionRequired(Open311Error):
    code = "jurisdiction_required"


class JurisdictionNotFound(Open311Error):
    code = "jurisdiction_not_found"
    status = 404


class LocationRequired(Open311Error):
    code = "location_required"


class InvalidLocation(Open311Error):
    code = "invalid_location"


class InvalidAttribute(Open311Error):
    code = "invalid_attribute"


class InvalidRequestField(Open311Error):
    code = "invalid_request_field"


class InvalidApiKey(Open311Error):
    code = "invalid_api_key"
    status = 403


class RequestNotFound(Open311Error):
    code = "service_request_not_found"
    status = 404


class TokenNotFound(Open311Error):
    code = "token_not_found"
    status = 404


class InvalidQuery(Open311Error):
    code = "invalid_query"


class ServiceType(enum.Enum):
    REALTIME = "realtime"
    BATCH = "batch"
    BLACKBOX = "blackbox"


class Datatype(enum.Enum):
    STRING = "string"
    NUMBER = "number"
    DATETIME = "datetime"
    TEXT = "text"
    SINGLEVALUELIST = "singlevaluelist"
    MULTIVALUELIST = "multivaluelist"


@attrs.frozen
class AttributeDefinition:
    code: str
    datatype: Datatype
    description: str
    order: int
    required: bool = False
    variable: bool = True
    datatype_description: str | None = None
    values: tuple[tuple[str, str], ...] = ()  # (key, name)


@attrs.frozen
class Service:
    code: str
    name: str
    description: str
    group: str
    team: str
    keywords: tuple[str, ...] = ()
    type: ServiceType = ServiceType.REALTIME
    attributes: tuple[AttributeDefinition, ...] = ()
    service_notice: str | None = None
    utility_fault: bool = False  # also needs a field service order
    expected_hours: int | None = None

    @property
    def metadata(self) -> bool:
        return bool(self.attributes)


@attrs.frozen
class Catalogue:
    jurisdiction_id: str
    services: tuple[Service, ...]

    def get(self, code: str) -> Service | None:
        return next((s for s in self.services if s.code == code), None)


def _attribute(raw: Mapping[str, Any], service_code: str) -> AttributeDefinition:
    values = tuple((str(v["key"]), str(v["name"])) for v in raw.get("values", ()))
    datatype = Datatype(raw["datatype"])
    if datatype in (Datatype.SINGLEVALUELIST, Datatype.MULTIVALUELIST) and not values:
        raise InvalidCatalogue(
            f"Attribute {raw['code']} of service {service_code} is a list without values"
        )
    return AttributeDefinition(
        code=str(raw["code"]),
        datatype=datatype,
        description=str(raw["description"]),
        order=int(raw["order"]),
        required=bool(raw.get("required", False)),
        variable=bool(raw.get("variable", True)),
        datatype_description=raw.get("datatype_description"),
        values=values,
    )


def load_catalogue(*, data: Mapping[str, Any]) -> Catalogue:
    """
    Build the service catalogue from its configuration (the shape of the shipped YAML).

    :raises InvalidCatalogue: if a field is missing or wrong, a code repeats, or attribute
        orders repeat within a service.
    """
    try:
        services = []
        for raw in data["services"]:
            code = str(raw["code"])
            attributes = tuple(_attribute(a, code) for a in raw.get("attributes", ()))
            orders = [a.order for a in attributes]
            codes = [a.code for a in attributes]
            if len(set(orders)) != len(orders) or len(set(codes)) != len(codes):
                raise InvalidCatalogue(f"Service {code} repeats an attribute code or order")
            services.append(
                Service(
                    code=code,
                    name=str(raw["name"]),
                    description=str(raw.get("description", "")).strip(),
                    group=str(raw["group"]),
                    team=str(raw["team"]),
                    keywords=tuple(str(k) for k in raw.get("keywords", ())),
                    type=ServiceType(raw.get("type", "realtime")),
                    attributes=tuple(sorted(attributes, key=lambda a: a.order)),
                    service_notice=raw.get("service_notice"),
                    utility_fault=bool(raw.get("utility_fault", False)),
                    expected_hours=raw.get("expected_hours"),
                )
            )
        catalogue = Catalogue(
            jurisdiction_id=str(data["jurisdiction_id"]), services=tuple(services)
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidCatalogue(f"Bad service catalogue: {exc!r}") from None
    codes = [s.code for s in catalogue.services]
    if len(set(codes)) != len(codes):
        raise InvalidCatalogue("Service codes repeat in the catalogue")
    return catalogue


class RequestStatus(enum.Enum):
    OPEN = "open"
    CLOSED = "closed"


@attrs.frozen
class Location:
    lat: float | None = None
    long: float | None = None
    address: str | None = None
    address_id: str | None = None
    zipcode: str | None = None


@attrs.frozen
class Submission:
    """A resident's POSTed request, checked against the catalogue (no ids yet)."""

    service: Service
    location: Location
    description: str | None
    attributes: tuple[tuple[str, tuple[str, ...]], ...]
    email: str | None
    first_name: str | None
    last_name: str | None
    phone: str | None
    device_id: str | None
    account_id: str | None
    media_url: str | None


def _one(form: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = [v.strip() for v in form.get(name, ()) if v.strip()]
    return values[0] if values else None


def _coordinate(text: str | None, name: str, limit: float) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        raise InvalidLocation(f"{name} is not a number", details={"field": name}) from None
    if not math.isfinite(value) or abs(value) > limit:
        raise InvalidLocation(f"{name} is out of range", details={"field": name})
    return value


def _check_attribute(definition: AttributeDefinition, values: tuple[str, ...]) -> None:
    keys = {k for k, _ in definition.values}
    bad = False
    if definition.datatype is Datatype.SINGLEVALUELIST:
        bad = len(values) != 1 or values[0] not in keys
    elif definition.datatype is Datatype.MULTIVALUELIST:
        bad = any(v not in keys for v in values)
    elif definition.datatype is Datatype.NUMBER:
        try:
            bad = len(values) != 1 or not math.isfinite(float(values[0]))
        except ValueError:
            bad = True
    elif definition.datatype is Datatype.DATETIME:
        try:
            bad = len(values) != 1 or datetime.fromisoformat(values[0]) is None
        except ValueError:
            bad = True
    else:
        bad = len(values) != 1 or (definition.datatype is Datatype.STRING and "\n" in values[0])
    if bad:
        raise InvalidAttribute(
            f"attribute[{definition.code}] is not a valid {definition.datatype.value}",
            details={"attribute": definition.code},
        )


def check_submission(*, catalogue: Catalogue, form: Mapping[str, Sequence[str]]) -> Submission:
    """
    Check a POSTed service request (form fields, each with its values) against the catalogue.

    Attributes come as ``attribute[CODE]`` or, for lists, ``attribute[CODE][]``.

    :raises ServiceCodeRequired: if no service_code is given.
    :raises ServiceNotFound: if the service_code is not in the catalogue.
    :raises LocationRequired: if neither lat and long, address_string nor address_id is given.
    :raises InvalidLocation: if lat or long is not a number in range, or only one is given.
    :raises InvalidAttribute: if a required attribute is missing or a value does not fit.
    :raises InvalidRequestField: if the description is longer than 4,000 characters.
    """
    code = _one(form, "service_code")
    if code is None:
        raise ServiceCodeRequired("service_code was not provided")
    service = catalogue.get(code)
    if service is None:
        raise ServiceNotFound(f"service_code {code} was not found", details={"service_code": code})
    lat = _coordinate(_one(form, "lat"), "lat", 90)
    long = _coordinate(_one(form, "long"), "long", 180)
    if (lat is None) != (long is None):
        raise InvalidLocation("lat and long must both be sent")
    address = _one(form, "address_string")
    address_id = _one(form, "address_id")
    if lat is None and address is None and address_id is None:
        raise LocationRequired("A location is required: lat and long, address_string or address_id")
    given: dict[str, tuple[str, ...]] = {}
    for name, values in form.items():
        if name.startswith("attribute["):
            attribute_code = name.removeprefix("attribute[").split("]", 1)[0]
            given[attribute_code] = given.get(attribute_code, ()) + tuple(
                v for v in values if v.strip()
            )
    known = {a.code: a for a in service.attributes}
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise InvalidAttribute(
            f"attribute[{unknown[0]}] is not defined for service {code}",
            details={"attribute": unknown[0]},
        )
    for definition in service.attributes:
        values = given.get(definition.code, ())
        if not values:
            if definition.required and definition.variable:
                raise InvalidAttribute(
                    f"attribute[{definition.code}] is required",
                    details={"attribute": definition.code},
                )
            continue
        _check_attribute(definition, values)
    description = _one(form, "description")
    if description is not None and len(description) > 4000:
        raise InvalidRequestField(
            "description is limited to 4,000 characters", details={"field": "description"}
        )
    return Submission(
        service=service,
        location=Location(lat=lat, long=long, address=address, address_id=address_id),
        description=description,
        attributes=tuple(sorted(given.items())),
        email=_one(form, "email"),
        first_name=_one(form, "first_name"),
        last_name=_one(form, "last_name"),
        phone=_one(form, "phone"),
        device_id=_one(form, "device_id"),
        account_id=_one(form, "account_id"),
        media_url=_one(form, "media_url"),
    )


@attrs.frozen
class ServiceRequest:
    id: str
    tenant_id: str
    submission: Submission
    status: RequestStatus
    requested_at: datetime
    updated_at: datetime
    expected_at: datetime | None = None
    status_notes: str | None = None
    token: str | None = None
    case_id: str | None = None
    case_number: str | None = None
    service_order_id: str | None = None
