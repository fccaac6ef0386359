"""A billing analyst runs a cycle, reviews it and corrects a bill through the API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from tests.integration.billing import helpers
from urbis import bootstrap
from urbis.application._support import Env
from urbis.application.identity import operations as identity_ops
from urbis.domain import identity
from urbis.interfaces.api import create_app
from urbis.interfaces.api.auth import issue_token
from urbis.kernel import ids


@pytest.fixture
def client(container: bootstrap.App) -> Iterator[TestClient]:
    with TestClient(create_app(container)) as test_client:
        yield test_client


def _auth(container: bootstrap.App, tenant: identity.Tenant, role: identity.Role) -> dict[str, str]:
    admin = identity.Actor(
        user_id=ids.UserId("admin"), tenant_id=tenant.id, roles=frozenset({identity.Role.ADMIN})
    )
    user = identity_ops.create_user(
        env=container.env(admin),
        hasher=container.hasher,
        username=role.value.lower(),
        display_name=role.value,
        password="a-long-enough-password-2026",
        roles=(role,),
    )
    actor = identity.Actor(user_id=user.id, tenant_id=tenant.id, roles=frozenset({role}))
    return {"Authorization": f"Bearer {issue_token(container, actor)}"}


class TestBillingJourney:
    def test_run_review_and_correct_a_cycle(
        self,
        client: TestClient,
        container: bootstrap.App,
        tenant: identity.Tenant,
        agent_env: Env,
    ) -> None:
        homes = helpers.seed_homes(container, agent_env, tenant, count=2, tariffs=False)
        helpers.add_register_reads(
            container,
            tenant,
            [
                (homes[0].meter, datetime(2026, 9, 30, tzinfo=UTC), 10.0, "ACTUAL"),
                (homes[0].meter, datetime(2026, 10, 30, tzinfo=UTC), 190.0, "ACTUAL"),
            ],
        )
        auth = _auth(container, tenant, identity.Role.BILLING_ANALYST)
        agent = _auth(container, tenant, identity.Role.AGENT)
        cycle = {"read_day": 2, "bill_day": 5, "due_days": 15, "suspension_days": 30}

        refused = client.put("/api/v1/bill-cycles/C01", json=cycle, headers=agent)
        saved = client.put("/api/v1/bill-cycles/C01", json=cycle, headers=auth)
        bad_period = client.post(
            "/api/v1/bill-runs", json={"cycle": "C01", "period": "2026-13"}, headers=auth
        )
        no_tariff = client.post(
            "/api/v1/bill-runs", json={"cycle": "C01", "period": "2023-06"}, headers=auth
        )
        helpers.seed_tariffs(container, tenant)
        started = client.post(
            "/api/v1/bill-runs", json={"cycle": "C01", "period": "2026-10"}, headers=auth
        )
        run_id = started.json()["id"]
        status = client.get(f"/api/v1/bill-runs/{run_id}", headers=agent).json()
        exceptions = client.get(f"/api/v1/bill-runs/{run_id}/exceptions", headers=auth).json()
        bills = client.get(f"/api/v1/accounts/{homes[0].account_id}/bills", headers=agent).json()
        bill = client.get(f"/api/v1/bills/{bills[0]['id']}", headers=agent).json()
        cancel = client.post(
            f"/api/v1/bills/{bill['id']}/cancel", json={"reason": "lectura errada"}, headers=auth
        )
        again = client.post(
            f"/api/v1/bills/{bill['id']}/cancel", json={"reason": "lectura errada"}, headers=auth
        )
        rebill = client.post(
            f"/api/v1/bills/{bill['id']}/rebill", json={"reason": "otra vez"}, headers=auth
        )
        resume = client.post(f"/api/v1/bill-runs/{run_id}/resume", headers=auth)

        assert refused.status_code == 403
        assert saved.status_code == 200
        assert (bad_period.status_code, bad_period.json()["code"]) == (
            422,
            "invalid_billing_period",
        )
        assert no_tariff.json()["code"] == "no_tariff_in_force"
        assert started.status_code == 202
        assert (status["status"], status["bills"], status["exceptions"]) == ("COMPLETED", 1, 1)
        assert [e["reason"] for e in exceptions] == ["NO_PREVIOUS_READ"]
        assert bill["consumption"] == "180.000"
        assert bill["lines"][0]["kind"] == "ENERGY"
        assert cancel.json()["status"] == "CANCELLED"
        assert (again.status_code, again.json()["code"]) == (409, "bill_already_cancelled")
        assert (rebill.status_code, rebill.json()["code"]) == (409, "rebill_of_cancelled_bill")
        assert (resume.status_code, resume.json()["code"]) == (409, "bill_run_completed")
