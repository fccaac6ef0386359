"""A service order's life and what its outcome does to the account."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from urbis.domain import accounts, service_orders
from urbis.kernel import ids

AT = datetime(2026, 11, 28, 9, tzinfo=UTC)


def _account(status: accounts.AccountStatus = accounts.AccountStatus.ACTIVE) -> accounts.Account:
    return accounts.Account(
        id=ids.AccountId("ACC"),
        tenant_id=ids.TenantId("T"),
        number=accounts.account_number(sequence=1),
        holder_id=ids.PartyId("P"),
        billing_cycle="C01",
        status=status,
    )


def _order(kind: service_orders.OrderKind) -> service_orders.ServiceOrder:
    return service_orders.new_order(
        id=service_orders.ServiceOrderId("O1"),
        tenant_id=ids.TenantId("T"),
        account=_account(),
        kind=kind,
        reason="Mora",
        created_at=AT,
        service_point_id=ids.ServicePointId("SP"),
    )


class TestOrderLife:
    def test_an_order_is_assigned_then_completed_and_then_frozen(self) -> None:
        order = _order(service_orders.OrderKind.SUSPENSION)

        assigned = service_orders.assign(order=order, to=" Cuadrilla 3 ", at=AT)
        done = service_orders.complete(
            order=assigned, outcome=service_orders.Outcome.DONE, at=AT, work_date=AT.date()
        )

        assert (assigned.status, assigned.assigned_to) == (
            service_orders.OrderStatus.ASSIGNED,
            "Cuadrilla 3",
        )
        assert done.status is service_orders.OrderStatus.COMPLETED
        with pytest.raises(service_orders.WrongOrderStatus):
            service_orders.cancel(order=done, at=AT)
        with pytest.raises(service_orders.WrongOrderStatus):
            service_orders.assign(order=done, to="Otra", at=AT)

    def test_an_unassigned_order_cannot_be_completed(self) -> None:
        with pytest.raises(service_orders.WrongOrderStatus):
            service_orders.complete(
                order=_order(service_orders.OrderKind.SUSPENSION),
                outcome=service_orders.Outcome.DONE,
                at=AT,
                work_date=AT.date(),
            )

    def test_a_done_meter_exchange_must_report_the_new_meter_and_only_it(self) -> None:
        exchange = service_orders.assign(
            order=_order(service_orders.OrderKind.METER_EXCHANGE), to="T1", at=AT
        )
        suspension = service_orders.assign(
            order=_order(service_orders.OrderKind.SUSPENSION), to="T1", at=AT
        )
        report = service_orders.MeterExchange(new_meter_id=ids.MeterId("M2"), start_read=Decimal(0))

        with pytest.raises(service_orders.InvalidServiceOrder):
            service_orders.complete(
                order=exchange, outcome=service_orders.Outcome.DONE, at=AT, work_date=AT.date()
            )
        with pytest.raises(service_orders.InvalidServiceOrder):
            service_orders.complete(
                order=suspension,
                outcome=service_orders.Outcome.DONE,
                at=AT,
                work_date=AT.date(),
                exchange=report,
            )

    def test_no_field_work_goes_to_a_closed_account(self) -> None:
        with pytest.raises(service_orders.InvalidServiceOrder):
            service_orders.new_order(
                id=service_orders.ServiceOrderId("O1"),
                tenant_id=ids.TenantId("T"),
                account=_account(accounts.AccountStatus.CLOSED),
                kind=service_orders.OrderKind.INSPECTION,
                reason="Revisión",
                created_at=AT,
            )


class TestAccountStatusAfter:
    @pytest.mark.parametrize(
        ("kind", "outcome", "before", "after"),
        [
            ("SUSPENSION", "DONE", "ACTIVE", "SUSPENDED"),
            ("SUSPENSION", "NOT_DONE", "ACTIVE", "ACTIVE"),
            ("RECONNECTION", "DONE", "SUSPENDED", "ACTIVE"),
            ("RECONNECTION", "DONE", "CLOSED", "CLOSED"),
            ("INSPECTION", "DONE", "SUSPENDED", "SUSPENDED"),
        ],
    )
    def test_only_a_done_suspension_or_reconnection_changes_the_status(
        self, kind: str, outcome: str, before: str, after: str
    ) -> None:
        order = service_orders.complete(
            order=service_orders.assign(
                order=_order(service_orders.OrderKind(kind)), to="T1", at=AT
            ),
            outcome=service_orders.Outcome(outcome),
            at=AT,
            work_date=date(2026, 11, 28),
        )

        status = service_orders.account_status_after(
            order=order, status=accounts.AccountStatus(before)
        )

        assert status is accounts.AccountStatus(after)
