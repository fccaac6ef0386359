"""Open311 service requests over SQLAlchemy Core; the submission is kept as JSON."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import attrs
import sqlalchemy as sa

from urbis.adapters.db import tables as t
from urbis.domain import city_services


class ServiceRequestRepository:
    """Requests of one catalogue: a stored request's service is looked up by its code."""

    def __init__(self, connection: sa.Connection, catalogue: city_services.Catalogue) -> None:
        self._c = connection
        self._catalogue = catalogue

    @staticmethod
    def _values(request: city_services.ServiceRequest) -> dict[str, Any]:
        submission = request.submission
        return {
            "id": request.id,
            "tenant_id": request.tenant_id,
            "service_code": submission.service.code,
            "status": request.status.value,
            "requested_at": request.requested_at,
            "updated_at": request.updated_at,
            "expected_at": request.expected_at,
            "status_notes": request.status_notes,
            "token": request.token,
            "case_id": request.case_id,
            "case_number": request.case_number,
            "service_order_id": request.service_order_id,
            "submission": {
                "location": attrs.asdict(submission.location),
                "description": submission.description,
                "attributes": [[code, list(values)] for code, values in submission.attributes],
                "email": submission.email,
                "first_name": submission.first_name,
                "last_name": submission.last_name,
                "phone": submission.phone,
                "device_id": submission.device_id,
                "account_id": submission.account_id,
                "media_url": submission.media_url,
            },
        }

    def _row(self, r: Any) -> city_services.ServiceRequest:
        service = self._catalogue.get(r.service_code)
        if service is None:
            raise city_services.ServiceNotFound(
                f"Stored request {r.id} names service {r.service_code!r}, no longer offered"
            )
        data = dict(r.submission)
        submission = city_services.Submission(
            service=service,
            location=city_services.Location(**data.pop("location")),
            attributes=tuple((code, tuple(values)) for code, values in data.pop("attributes")),
            **data,
        )
        return city_services.ServiceRequest(
            id=r.id,
            tenant_id=r.tenant_id,
            submission=submission,
            status=city_services.RequestStatus(r.status),
            requested_at=r.requested_at,
            updated_at=r.updated_at,
            expected_at=r.expected_at,
            status_notes=r.status_notes,
            token=r.token,
            case_id=r.case_id,
            case_number=r.case_number,
            service_order_id=r.service_order_id,
        )

    def add(self, request: city_services.ServiceRequest) -> None:
        self._c.execute(t.service_requests.insert().values(**self._values(request)))

    def update(self, request: city_services.ServiceRequest) -> None:
        self._c.execute(
            t.service_requests.update()
            .where(
                t.service_requests.c.id == request.id,
                t.service_requests.c.tenant_id == request.tenant_id,
            )
            .values(**self._values(request))
        )

    def _one(self, *where: sa.ColumnElement[bool]) -> city_services.ServiceRequest | None:
        row = self._c.execute(t.service_requests.select().where(*where)).first()
        return None if row is None else self._row(row)

    def get(self, tenant_id: str, request_id: str) -> city_services.ServiceRequest | None:
        sr = t.service_requests.c
        return self._one(sr.tenant_id == tenant_id, sr.id == request_id)

    def by_token(self, tenant_id: str, token: str) -> city_services.ServiceRequest | None:
        sr = t.service_requests.c
        return self._one(sr.tenant_id == tenant_id, sr.token == token)

    def search(
        self,
        tenant_id: str,
        *,
        service_codes: Sequence[str],
        statuses: Sequence[city_services.RequestStatus],
        start: datetime,
        end: datetime,
        limit: int,
    ) -> Sequence[city_services.ServiceRequest]:
        sr = t.service_requests.c
        where = [sr.tenant_id == tenant_id, sr.requested_at >= start, sr.requested_at < end]
        if service_codes:
            where.append(sr.service_code.in_(service_codes))
        if statuses:
            where.append(sr.status.in_([s.value for s in statuses]))
        rows = self._c.execute(
            t.service_requests.select().where(*where).order_by(sr.requested_at.desc()).limit(limit)
        )
        return [self._row(r) for r in rows]
