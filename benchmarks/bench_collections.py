"""
A collections run over a million accounts in arrears: the policy pack asked once per distinct
combination of the inputs it reads, the ladder planned over Polars frames, steps and service
orders built; then the same run again (nothing new may come out) and a run ten days later.

    .venv/bin/python -m benchmarks.bench_collections --accounts 1000000

The ports are in-memory fakes (the ledger's arrears and the account facts are given as frames),
so this measures the run itself, not the database. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl

from urbis.adapters.rules import engine
from urbis.application import ports as shared_ports
from urbis.application.collections import operations, ports
from urbis.application.rules import ports as rules_ports
from urbis.bootstrap import collections as wiring
from urbis.domain import collections, identity, rules, service_orders
from urbis.kernel import ids
from urbis.kernel.money import Money
from urbis.kernel.periods import Period

AS_OF = date(2026, 11, 2)
DEPARTMENTS = ["Antioquia", "Cundinamarca", "Valle del Cauca", "Atlántico", "Santander",
               "Bolívar", "Nariño", "Córdoba"]  # fmt: skip


class Clock:
    def __init__(self) -> None:
        self.at = datetime(2026, 11, 2, 6, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at


class Ids:
    def __init__(self) -> None:
        self.n = 0

    def new_id(self) -> str:
        self.n += 1
        return f"{self.n:026d}"


class Arrears:
    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame = frame

    def overdue(
        self, tenant_id: ids.TenantId, as_of: date, account_ids: Sequence[str] | None = None
    ) -> pl.DataFrame:
        shift = (as_of - AS_OF).days
        return self.frame.with_columns(pl.col("days_overdue") + shift)

    def still_open(
        self, tenant_id: ids.TenantId, account_id: ids.AccountId, items: Sequence[str], c: str
    ) -> Money:
        return Money.zero(c)

    def overdue_items(
        self, tenant_id: ids.TenantId, account_id: ids.AccountId, as_of: date
    ) -> tuple[str, ...]:
        return ()


class Facts:
    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame = frame

    def facts(self, tenant_id: ids.TenantId, account_ids: Sequence[str]) -> pl.DataFrame:
        return self.frame


class Steps:
    def __init__(self) -> None:
        self.frames: list[pl.DataFrame] = []
        self.recorded: list[ports.CollectionRun] = []

    def history(self, tenant_id: ids.TenantId) -> pl.DataFrame:
        if not self.frames:
            return pl.DataFrame(schema=collections.HISTORY)
        return pl.concat(self.frames).select(list(collections.HISTORY))

    def add_steps(
        self, tenant_id: ids.TenantId, run_id: str, as_of: date, steps: pl.DataFrame
    ) -> None:
        self.frames.append(steps.with_columns(as_of=pl.lit(as_of)))

    def for_account(self, tenant_id: ids.TenantId, account_id: ids.AccountId) -> list[Any]:
        return []

    def suspensions(self, tenant_id: ids.TenantId) -> pl.DataFrame:
        return pl.DataFrame(schema=collections.SUSPENSIONS)

    def add_run(self, run: ports.CollectionRun) -> None:
        self.recorded.append(run)

    def get_run(self, tenant_id: ids.TenantId, run_id: str) -> ports.CollectionRun | None:
        return None

    def runs(self, tenant_id: ids.TenantId, limit: int) -> list[ports.CollectionRun]:
        return self.recorded[-limit:]


class Arrangements:
    def add(self, arrangement: collections.PaymentArrangement) -> None: ...
    def update(self, arrangement: collections.PaymentArrangement) -> None: ...
    def get(
        self, tenant_id: ids.TenantId, arrangement_id: collections.ArrangementId
    ) -> collections.PaymentArrangement | None:
        return None

    def active(self, tenant_id: ids.TenantId) -> list[collections.PaymentArrangement]:
        return []

    def for_account(self, tenant_id: ids.TenantId, account_id: ids.AccountId) -> list[Any]:
        return []


class Protections:
    def __init__(self, medical: list[str]) -> None:
        self.medical = [
            collections.Protection(
                id=collections.ProtectionId(f"p{i}"),
                tenant_id=ids.TenantId("T"),
                account_id=ids.AccountId(a),
                kind=collections.ProtectionKind.MEDICAL_DEPENDENCY,
                active=collections_period(),
            )
            for i, a in enumerate(medical)
        ]

    def add_protection(self, protection: collections.Protection) -> None: ...
    def protections(self, tenant_id: ids.TenantId) -> list[collections.Protection]:
        return self.medical

    def add_hold(self, hold: collections.RegulatoryHold) -> None: ...
    def holds(self, tenant_id: ids.TenantId) -> list[collections.RegulatoryHold]:
        return [
            collections.RegulatoryHold(
                id=collections.HoldId("h1"),
                tenant_id=ids.TenantId("T"),
                region="Nariño",
                active=collections_period(),
                reason="Emergencia por temporada de lluvias",
            )
        ]


def collections_period() -> Period[date]:
    return Period(date(2026, 1, 1), None)


class Orders:
    """Counts the orders a run opens; no order is ever read back in this benchmark."""

    def __init__(self) -> None:
        self.added = 0

    def add(self, order: service_orders.ServiceOrder) -> None:
        self.added += 1

    def update(self, order: service_orders.ServiceOrder) -> None: ...

    def by_source(self, tenant_id: ids.TenantId, source: str) -> None:
        return None

    def for_account(self, tenant_id: ids.TenantId, account_id: ids.AccountId) -> list[Any]:
        return []

    def list(
        self, tenant_id: ids.TenantId, status: Any, limit: int, offset: int
    ) -> list[service_orders.ServiceOrder]:
        return []

    def add_frame(self, orders: pl.DataFrame) -> None:
        self.added += orders.height

    def get(
        self, tenant_id: ids.TenantId, order_id: service_orders.ServiceOrderId
    ) -> service_orders.ServiceOrder | None:
        return None


class Audit:
    def __init__(self) -> None:
        self.entries = 0

    def record(self, entry: shared_ports.AuditEntry) -> None:
        self.entries += 1

    def for_entity(self, tenant_id: ids.TenantId, entity: str, entity_id: str) -> list[Any]:
        return []


class Counting:
    """The engine, counting the inputs it is asked about."""

    def __init__(self, inner: engine.ZenRuleEngine) -> None:
        self.inner, self.asked = inner, 0

    def syntax_problems(self, *, content: str) -> tuple[rules.Problem, ...]:
        return self.inner.syntax_problems(content=content)

    def evaluate(
        self, *, pack: rules.PackVersion, contexts: Sequence[Mapping[str, rules.Value]]
    ) -> list[dict[str, Any]]:
        self.asked += len(contexts)
        return self.inner.evaluate(pack=pack, contexts=contexts)

    def trace(
        self, *, pack: rules.PackVersion, context: Mapping[str, rules.Value]
    ) -> tuple[rules_ports.NodeTrace, ...]:
        return self.inner.trace(pack=pack, context=context)


def accounts(n: int, seed: int) -> tuple[pl.DataFrame, pl.DataFrame, list[str]]:
    """Arrears, facts and medically dependent accounts of ``n`` accounts in arrears."""
    rng = np.random.default_rng(seed)
    account = pl.Series("account_id", [f"A{i:09d}" for i in range(n)])
    arrears = pl.DataFrame(
        {
            "account_id": account,
            "episode": [f"F-{i:09d}" for i in range(n)],
            "days_overdue": rng.integers(1, 181, n),
            "amount_overdue": rng.gamma(2.0, 60000.0, n).round(2),
            "currency": ["COP"] * n,
        }
    ).with_columns(pl.col("amount_overdue").cast(pl.Decimal(38, 2)))
    use = rng.choice(["RESIDENTIAL", "COMMERCIAL", "INDUSTRIAL", "OFFICIAL"], n,
                     p=[0.9, 0.07, 0.02, 0.01])  # fmt: skip
    stratum = rng.choice([1, 2, 3, 4, 5, 6], n, p=[0.12, 0.38, 0.33, 0.1, 0.04, 0.03])
    facts = pl.DataFrame(
        {
            "account_id": account,
            "segment": use,
            "stratum": stratum,
            "department": rng.choice(DEPARTMENTS, n),
            "city": ["—"] * n,
            "open_claim": rng.random(n) < 0.01,
            "status": np.where(rng.random(n) < 0.02, "SUSPENDED", "ACTIVE"),
        }
    ).with_columns(
        stratum=pl.when(pl.col("segment") == "RESIDENTIAL").then(pl.col("stratum")),
    )
    medical = account.filter(pl.Series(rng.random(n) < 0.004)).to_list()
    return arrears, facts, medical


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=1_000_000)
    args = parser.parse_args()

    started = time.perf_counter()
    arrears, facts, medical = accounts(args.accounts, seed=17)
    generated = time.perf_counter() - started
    counting = Counting(engine.ZenRuleEngine())
    steps, orders, audit, clock = Steps(), Orders(), Audit(), Clock()
    env = ports.CollectionsEnv(
        actor=identity.Actor(
            user_id=ids.UserId("bench"),
            tenant_id=ids.TenantId("T"),
            roles=frozenset({identity.Role.COLLECTIONS}),
        ),
        clock=clock,
        ids=Ids(),
        arrears=Arrears(arrears),
        facts=Facts(facts),
        steps=steps,
        arrangements=Arrangements(),
        protections=Protections(medical),
        orders=orders,
        audit=audit,
        engine=counting,
        policy=wiring.shipped_policy(),
    )
    results = []
    for label, as_of in (
        ("first run", AS_OF),
        ("rerun the same day", AS_OF),
        ("ten days later", AS_OF + timedelta(days=10)),
    ):
        asked_before, orders_before = counting.asked, orders.added
        started = time.perf_counter()
        run = operations.run_collections(env=env, as_of=as_of)
        seconds = time.perf_counter() - started
        results.append(
            {
                "run": label,
                "as_of": as_of.isoformat(),
                "seconds": round(seconds, 2),
                "accounts_per_second": round(args.accounts / seconds),
                "candidates": run["candidates"],
                "run_reports_evaluations": run["evaluations"],
                "engine_evaluations": counting.asked - asked_before,
                "new_steps": sum(v for k, v in run["counts"].items() if k != "ARRANGEMENTS_CLOSED"),
                "counts": run["counts"],
                "service_orders": orders.added - orders_before,
            }
        )
    print(
        json.dumps(
            {
                "benchmark": "collections run",
                "accounts": args.accounts,
                "policy": env.policy.policy(ids.TenantId("T"), AS_OF).label,
                "generate_seconds": round(generated, 2),
                "runs": results,
                "audit_entries": audit.entries,
                "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
