"""A stored bill printed: a small bill run, then its PDF through the API (SQLite, PostgreSQL)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pypdf
import pytest
import sqlalchemy as sa
from babel.numbers import format_decimal
from fastapi.testclient import TestClient

from tests.integration.billing import helpers
from urbis import bootstrap
from urbis.application._support import Env
from urbis.application.billing import operations as billing_ops
from urbis.application.billing import queries as billing_queries
from urbis.application.identity import operations as identity_ops
from urbis.domain import identity
from urbis.interfaces.api import create_app
from urbis.interfaces.api.auth import issue_token
from urbis.kernel import ids

SEPT = datetime(2026, 9, 30, 15, tzinfo=UTC)
OCT = datetime(2026, 10, 30, 15, tzinfo=UTC)


@pytest.fixture
def client(container: bootstrap.App) -> Iterator[TestClient]:
    with TestClient(create_app(container)) as test_client:
        yield test_client


def _login(
    container: bootstrap.App,
    tenant: identity.Tenant,
    name: str,
    role: identity.Role,
    party_id: str | None = None,
) -> dict[str, str]:
    admin = identity.Actor(
        user_id=ids.UserId("admin"), tenant_id=tenant.id, roles=frozenset({identity.Role.ADMIN})
    )
    user = identity_ops.create_user(
        env=container.env(admin),
        hasher=container.hasher,
        username=name,
        display_name=name,
        password="a-long-enough-password-2026",
        roles=(role,),
        party_id=None if party_id is None else ids.PartyId(party_id),
    )
    actor = identity.Actor(user_id=user.id, tenant_id=tenant.id, roles=frozenset({role}))
    return {"Authorization": f"Bearer {issue_token(container, actor)}"}


def _holder(container: bootstrap.App, account_id: str) -> tuple[str, str]:
    with container.engine.connect() as connection:
        row = connection.execute(
            sa.text("SELECT holder_id, number FROM accounts WHERE id = :a"), {"a": account_id}
        ).one()
    return str(row.holder_id), str(row.number)


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def _pesos(amount: str) -> str:
    """How the bill prints a whole number of pesos: 12.345 (Spanish) or 12,345 (English)."""
    return f"{int(amount.split('.')[0]):,}"


class TestBillPdf:
    def test_a_stored_bill_prints_its_account_total_and_subsidy_for_staff_and_its_holder(
        self,
        client: TestClient,
        container: bootstrap.App,
        tenant: identity.Tenant,
        agent_env: Env,
    ) -> None:
        homes = helpers.seed_homes(container, agent_env, tenant, count=2)
        helpers.add_register_reads(
            container,
            tenant,
            [(h.meter, at, v, "ACTUAL") for h in homes for at, v in ((SEPT, 100.0), (OCT, 250.0))],
        )
        env = helpers.billing_env(container, tenant)
        run = billing_ops.start_run(env=env, cycle="C01", period="2026-10")
        assert run["bills"] == 2
        home = homes[0]  # stratum 1: subsidised
        bill = billing_queries.bills_of_account(env=env, account_id=home.account_id)[0]
        stored = billing_queries.get_bill(env=env, bill_id=bill["id"])
        subsidy = [line for line in stored["lines"] if line["kind"] == "SUBSIDY"]
        assert subsidy, "a stratum 1 home's bill has a subsidy line"
        holder, number = _holder(container, home.account_id)
        agent = _login(container, tenant, "agent.pdf", identity.Role.AGENT)
        owner = _login(container, tenant, "owner.pdf", identity.Role.CUSTOMER, holder)
        other_holder, _ = _holder(container, homes[1].account_id)
        stranger = _login(container, tenant, "other.pdf", identity.Role.CUSTOMER, other_holder)

        staff_pdf = client.get(f"/api/v1/bills/{bill['id']}/pdf?language=en", headers=agent)
        own_pdf = client.get(f"/api/v1/bills/{bill['id']}/pdf", headers=owner)
        refused = client.get(f"/api/v1/bills/{bill['id']}/pdf", headers=stranger)
        unknown = client.get("/api/v1/bills/NOSUCHBILL/pdf", headers=agent)
        bad_language = client.get(f"/api/v1/bills/{bill['id']}/pdf?language=fr", headers=agent)

        assert staff_pdf.status_code == 200, staff_pdf.text
        assert staff_pdf.headers["content-type"] == "application/pdf"
        text = _text(staff_pdf.content)
        assert number in text
        assert _pesos(stored["total"]) in text
        assert subsidy[0]["description"] in text
        assert own_pdf.status_code == 200
        assert _pesos(stored["total"]).replace(",", ".") in _text(own_pdf.content)
        assert refused.status_code == 404
        assert refused.json()["code"] == "bill_not_found"
        assert unknown.status_code == 404
        assert bad_language.status_code == 422

    def test_a_stored_bills_lines_keep_their_quantity_and_unit_price_and_print_them(
        self,
        client: TestClient,
        container: bootstrap.App,
        tenant: identity.Tenant,
        agent_env: Env,
    ) -> None:
        home = helpers.seed_homes(container, agent_env, tenant, count=1)[0]
        helpers.add_register_reads(
            container,
            tenant,
            [(home.meter, SEPT, 100.0, "ACTUAL"), (home.meter, OCT, 250.0, "ACTUAL")],
        )
        env = helpers.billing_env(container, tenant)
        billing_ops.start_run(env=env, cycle="C01", period="2026-10")
        bill = billing_queries.bills_of_account(env=env, account_id=home.account_id)[0]
        agent = _login(container, tenant, "agent.lines", identity.Role.AGENT)

        stored = billing_queries.get_bill(env=env, bill_id=bill["id"])
        api = client.get(f"/api/v1/bills/{bill['id']}", headers=agent)
        pdf = client.get(f"/api/v1/bills/{bill['id']}/pdf?language=en", headers=agent)

        energy = [line for line in stored["lines"] if line["kind"] == "ENERGY"]
        assert energy
        assert sum(Decimal(line["quantity"]) for line in energy) == Decimal("150")
        for line in stored["lines"]:
            if line["quantity"] is None:
                assert line["unit_price"] is None
                continue
            priced = Decimal(line["quantity"]) * Decimal(line["unit_price"])
            half_a_cent = Decimal(1).scaleb(int(Decimal(line["amount"]).as_tuple().exponent)) / 2
            assert abs(priced - Decimal(line["amount"])) <= half_a_cent, line
        assert api.status_code == 200
        assert api.json()["lines"] == stored["lines"]
        text = _text(pdf.content)
        for line in energy:
            quantity = format_decimal(Decimal(line["quantity"]), format="#,##0.##", locale="en")
            price = format_decimal(Decimal(line["unit_price"]), format="#,##0.00##", locale="en")
            assert f"{quantity} kWh {price}" in text
