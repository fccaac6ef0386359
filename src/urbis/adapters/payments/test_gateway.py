"""
A payment gateway test double: it answers by card number, like the sandboxes of real gateways,
and never moves money. For development, the demo and tests only.
"""

from __future__ import annotations

import hashlib

from urbis.application.portal import ports
from urbis.kernel.money import Money

APPROVED_CARD = "4242424242424242"
# card numbers the double declines, and the code it answers with (all pass the Luhn check)
DECLINED_CARDS = {
    "4000000000000002": "card_declined",
    "4000000000009995": "insufficient_funds",
    "4000000000000069": "expired_card",
}


class TestCardGateway:
    """Approves every card but the declining ones; one idempotency key charges once."""

    __test__ = False  # not a pytest test class

    def __init__(self) -> None:
        self.charges: dict[str, tuple[str, Money, ports.GatewayAnswer]] = {}

    def charge(
        self, *, card_number: str, amount: Money, description: str, idempotency_key: str
    ) -> ports.GatewayAnswer:
        earlier = self.charges.get(idempotency_key)
        if earlier is not None:
            return earlier[2]
        decline = DECLINED_CARDS.get(card_number)
        if decline is not None:
            answer = ports.GatewayAnswer(approved=False, decline_code=decline)
        else:
            digest = hashlib.sha256(f"{idempotency_key}|{amount}".encode()).hexdigest()
            answer = ports.GatewayAnswer(approved=True, reference=f"test_{digest[:20]}")
        self.charges[idempotency_key] = (card_number[-4:], amount, answer)
        return answer
