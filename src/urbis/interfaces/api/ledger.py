"""An account's statement: what it owes, its open bills, aging and every entry behind them."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter

from urbis.bootstrap import ledger as ledger_wiring
from urbis.interfaces.api.auth import Actor, Container
from urbis.kernel import ids

router = APIRouter(prefix="/api/v1", tags=["ledger"])


@router.get("/accounts/{account_id}/statement")
def statement(
    account_id: str, actor: Actor, container: Container, as_of: date | None = None
) -> dict[str, Any]:
    """Entries oldest first with the running balance, open items and aging on ``as_of`` (today)."""
    return ledger_wiring.statement(
        container=container,
        actor=actor,
        account_id=ids.AccountId(account_id),
        as_of=as_of or container.clock.now().date(),
    )
