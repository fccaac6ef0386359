"""
Engagement throughput: legal deadlines, SLA clocks over a queue of open cases, notification
rendering, inbound payload reading, and Open311 XML rendering. Prints JSON.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from urbis.adapters.channels import webhooks
from urbis.adapters.open311 import formats
from urbis.domain import customers, engagement
from urbis.kernel import ids
from urbis.kernel.money import Money


def rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1)


def main() -> None:
    calendar = engagement.colombia_calendar(years=range(2025, 2029))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    results: dict[str, Any] = {"machine": "2-core python-svc, shared with other work"}

    n = 50_000
    t0 = time.perf_counter()
    cases = [
        engagement.open_case(
            case_id=engagement.CaseId(f"c{i}"),
            tenant_id=ids.TenantId("t"),
            number=f"PQR-{i}",
            kind=engagement.CaseKind.CLAIM,
            subject="Cobro excesivo",
            description="",
            filed_at=start + timedelta(minutes=17 * i),
            calendar=calendar,
        )
        for i in range(n)
    ]
    results["cases_opened_with_deadline_per_s"] = rate(n, time.perf_counter() - t0)

    as_at = start + timedelta(days=200)
    t0 = time.perf_counter()
    states: dict[str, int] = {}
    for case in cases:
        clock = engagement.sla_clock(case=case, as_at=as_at, calendar=calendar)
        states[clock.state.value] = states.get(clock.state.value, 0) + 1
    results["sla_clocks_per_s"] = rate(n, time.perf_counter() - t0)
    results["sla_states"] = states

    templates = engagement.default_templates()
    values = {
        "name": "Ana",
        "bill_number": "F-1",
        "account_number": "1002003",
        "amount": Money.of(Decimal("187450.00"), "COP"),
        "due_date": date(2026, 4, 28),
    }
    m = 2_000
    t0 = time.perf_counter()
    for _ in range(m):
        engagement.render(
            templates=templates,
            kind=engagement.NotificationKind.BILL_READY,
            channel=customers.Channel.EMAIL,
            language="es",
            values=values,
        )
    results["notifications_rendered_per_s"] = rate(m, time.perf_counter() - t0)

    body = b"MessageSid=SM1&From=%2B573001234567&To=%2B576045551234&Body=Hola+cuenta+1002003"
    k = 20_000
    t0 = time.perf_counter()
    for _ in range(k):
        webhooks.parse_twilio_form(body=body, received_at=start)
    results["twilio_payloads_read_per_s"] = rate(k, time.perf_counter() - t0)

    rows = [
        {
            "service_request_id": str(i),
            "status": "open",
            "status_notes": None,
            "service_name": "Fuga de agua en la vía",
            "service_code": "AGUA-FUGA",
            "description": "Sale agua",
            "agency_responsible": "redes-acueducto",
            "service_notice": None,
            "requested_datetime": "2026-04-14T15:00:00Z",
            "updated_datetime": "2026-04-14T15:00:00Z",
            "expected_datetime": None,
            "address": "Calle 10 # 43-12",
            "address_id": None,
            "zipcode": None,
            "lat": 6.2442,
            "long": -75.5812,
            "media_url": None,
        }
        for i in range(1000)
    ]
    reps = 20
    t0 = time.perf_counter()
    for _ in range(reps):
        formats.render("service_requests", rows, fmt="xml")
    results["open311_requests_rendered_xml_per_s"] = rate(reps * 1000, time.perf_counter() - t0)

    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
