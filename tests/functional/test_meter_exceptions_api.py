"""
The VEE exceptions queue over HTTP: an analyst lists the findings waiting for review, accepts or
dismisses one, and corrects a read with a reason (an EDITED version; nothing is overwritten).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests import servers
from urbis import bootstrap
from urbis.application.metering import ports
from urbis.bootstrap import demo
from urbis.bootstrap import metering as metering_wiring
from urbis.interfaces.api import create_app

METER = "EDM-2019-0142"
START = datetime(2026, 10, 3, 5, tzinfo=UTC)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[bootstrap.App, TestClient]]:
    container = servers.demo_container(tmp_path)
    with TestClient(create_app(container)) as client:
        yield container, client


def _bearer(client: TestClient, username: str) -> dict[str, str]:
    user = next(u for u in demo.DEMO_USERS if u.username == username)
    answer = client.post(
        "/api/v1/auth/token",
        json={"tenant": "demo", "username": user.username, "password": user.password},
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _finding(container: bootstrap.App, finding_id: str, check: str) -> None:
    queue = metering_wiring.for_tenant(
        engine=container.engine, data_dir=container.data_dir, tenant_code="demo"
    ).exceptions
    queue.add(
        [
            ports.ReadException(
                id=finding_id,
                meter=METER,
                channel="E1",
                start=START,
                check=check,
                count=1,
                detail="40.0 kWh against a median of 0.4",
                raised_at=datetime(2026, 10, 4, tzinfo=UTC),
            )
        ]
    )


class TestTheExceptionsQueue:
    def test_an_analyst_reviews_one_finding_and_corrects_the_read_behind_another(
        self, world: tuple[bootstrap.App, TestClient]
    ) -> None:
        container, client = world
        analyst = _bearer(client, "facturacion")
        stored = client.post(
            "/api/v1/meter-reads",
            headers=analyst,
            json={
                "source": "head-end",
                "reads": [
                    {"meter": METER, "start": START.isoformat(), "minutes": 15, "quantity": 40.0}
                ],
            },
        )
        _finding(container, "X-SPIKE", "SPIKE")
        _finding(container, "X-HIGH", "HIGH")

        waiting = client.get("/api/v1/meter-exceptions", headers=analyst)
        dismissed = client.post(
            "/api/v1/meter-exceptions/X-HIGH/review",
            headers=analyst,
            json={"decision": "DISMISSED", "note": "the shop was open on Sunday"},
        )
        again = client.post(
            "/api/v1/meter-exceptions/X-HIGH/review", headers=analyst, json={"decision": "ACCEPTED"}
        )
        no_reason = client.post(
            "/api/v1/meter-reads/edits",
            headers=analyst,
            json={"meter": METER, "start": START.isoformat(), "quantity": 0.4, "reason": "  "},
        )
        edited = client.post(
            "/api/v1/meter-reads/edits",
            headers=analyst,
            json={
                "meter": METER,
                "start": START.isoformat(),
                "quantity": 0.4,
                "reason": "head-end decimal shift",
                "exception_id": "X-SPIKE",
            },
        )
        reads = client.get(
            "/api/v1/meter-reads",
            headers=analyst,
            params={
                "meter": METER,
                "start": START.isoformat(),
                "end": datetime(2026, 10, 3, 6, tzinfo=UTC).isoformat(),
            },
        )
        left = client.get("/api/v1/meter-exceptions", headers=analyst)
        closed = client.get("/api/v1/meter-exceptions?status=EDITED", headers=analyst)

        assert stored.status_code == 201, stored.text
        assert sorted(i["id"] for i in waiting.json()) == ["X-HIGH", "X-SPIKE"]
        assert dismissed.status_code == 200, dismissed.text
        assert (dismissed.json()["status"], dismissed.json()["note"]) == (
            "DISMISSED",
            "the shop was open on Sunday",
        )
        assert dismissed.json()["reviewed_by"]
        assert (again.status_code, again.json()["code"]) == (409, "read_exception_already_reviewed")
        assert (no_reason.status_code, no_reason.json()["code"]) == (422, "edit_without_reason")
        assert edited.status_code == 201, edited.text
        assert (edited.json()["quantity"], edited.json()["quality"]) == (0.4, "EDITED")
        assert [(r["quantity"], r["quality"]) for r in reads.json()] == [(0.4, "EDITED")]
        assert left.json() == []
        assert [(i["id"], i["note"]) for i in closed.json()] == [
            ("X-SPIKE", "head-end decimal shift")
        ]

    def test_agents_and_customers_may_not_review_or_edit(
        self, world: tuple[bootstrap.App, TestClient]
    ) -> None:
        container, client = world
        _finding(container, "X-1", "SPIKE")
        agent = _bearer(client, "agente")

        review = client.post(
            "/api/v1/meter-exceptions/X-1/review", headers=agent, json={"decision": "ACCEPTED"}
        )
        unknown = client.post(
            "/api/v1/meter-exceptions/NOPE/review",
            headers=_bearer(client, "facturacion"),
            json={"decision": "ACCEPTED"},
        )

        assert review.status_code == 403
        assert (unknown.status_code, unknown.json()["code"]) == (404, "read_exception_not_found")
