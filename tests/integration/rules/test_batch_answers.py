"""Other contexts ask the published packs their questions in batch, inside their transaction."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from urbis import bootstrap
from urbis.bootstrap import rules as wiring
from urbis.domain import identity, rules
from urbis.kernel import ids


def _arrears(rows: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "account": [f"A{n:05d}" for n in range(rows)],
            "days_overdue": [(n * 7) % 120 for n in range(rows)],
            "amount_overdue": [float((n * 3_100) % 400_000) for n in range(rows)],
            "segment": ["RESIDENTIAL"] * rows,
            "stratum": [1 + n % 6 for n in range(rows)],
            "medical_dependency": [n % 50 == 0 for n in range(rows)],
            "open_claim": [False] * rows,
            "payment_arrangement": [False] * rows,
        }
    )


class TestAnsweringInBatch:
    def test_the_published_collections_policy_answers_every_account(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        admin = identity.Actor(
            user_id=ids.UserId("system"),
            tenant_id=tenant.id,
            roles=frozenset({identity.Role.ADMIN}),
        )
        wiring.install_shipped_packs(container=container, actor=admin)
        frame = _arrears(2_000)

        with container.engine.begin() as connection:
            answer = wiring.rule_answers(connection=connection).answer_frame(
                tenant_id=tenant.id,
                extension_point="collection_action",
                as_of=date(2026, 11, 1),
                frame=frame,
            )

        assert (answer.pack_key, answer.version) == ("co_collections_policy", 1)
        assert answer.frame.height == 2_000
        assert answer.frame["account"].to_list() == frame["account"].to_list()
        assert answer.frame["action"].null_count() == 0
        protected = answer.frame.filter(pl.col("medical_dependency"))
        assert protected.height > 0
        assert "SUSPEND" not in protected["action"].to_list()
        unprotected = answer.frame.filter(~pl.col("medical_dependency"))
        assert "SUSPEND" in unprotected["action"].to_list()

    def test_a_tenant_without_a_published_pack_gets_a_stable_error(
        self, container: bootstrap.App, tenant: identity.Tenant
    ) -> None:
        with pytest.raises(rules.NoPackInForce) as raised, container.engine.begin() as connection:
            wiring.rule_answers(connection=connection).answer_frame(
                tenant_id=tenant.id,
                extension_point="bill_validation",
                as_of=date(2026, 11, 1),
                frame=pl.DataFrame({"account": ["A1"]}),
            )

        assert raised.value.code == "no_rule_pack_in_force"
