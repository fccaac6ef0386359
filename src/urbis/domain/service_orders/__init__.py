"""Service orders: field work (suspension, reconnection, meter exchange) and its outcomes."""

from urbis.domain.service_orders._orders import (
    InvalidServiceOrder,
    MeterExchange,
    OrderKind,
    OrderStatus,
    Outcome,
    ServiceOrder,
    ServiceOrderId,
    WrongOrderStatus,
    account_status_after,
    assign,
    cancel,
    complete,
    new_order,
)

__all__ = [
    "InvalidServiceOrder",
    "MeterExchange",
    "OrderKind",
    "OrderStatus",
    "Outcome",
    "ServiceOrder",
    "ServiceOrderId",
    "WrongOrderStatus",
    "account_status_after",
    "assign",
    "cancel",
    "complete",
    "new_order",
]
