"""
Answer a rule pack for a million accounts: once per distinct combination of the inputs it reads
(joined back with Polars), against asking the engine once per account.

    .venv/bin/python -m benchmarks.bench_rules --accounts 1000000 --sample 20000

Per-account evaluation is measured on a sample of rows and extrapolated to all accounts (the
JSON says so). Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import polars as pl

from urbis.adapters.rules import engine, shipped
from urbis.application.billing import ports as billing_ports
from urbis.application.billing import solidarity
from urbis.application.rules import evaluation, ports
from urbis.domain import rules
from urbis.kernel import ids

# altitudes (m) of 40 Colombian municipalities' seats, a few at each band
ALTITUDES = [2600, 1495, 7, 18, 1538, 2550, 960, 1000, 999, 2000, 2001, 3, 1200, 2150, 450,
             320, 1780, 2460, 1216, 130, 2640, 1150, 80, 25, 2810, 1310, 700, 1660, 60, 2240,
             1950, 15, 2330, 410, 1030, 860, 2520, 5, 1440, 90]  # fmt: skip


def _pack(key: str) -> rules.PackVersion:
    data = next(p for p in shipped.shipped_packs() if p["pack_key"] == key)
    return rules.new_draft(
        version_id=rules.PackVersionId("bench"),
        tenant_id=ids.TenantId("bench"),
        pack_key=key,
        version=1,
        extension_point=data["extension_point"],
        title=data["title"],
        effective_from=date.fromisoformat(data["effective_from"]),
        content=rules.canonical_json(data["content"]),
        test_cases=(),
        author_id="urbis",
        at=datetime(2026, 11, 22, tzinfo=UTC),
    )


def _accounts(n: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    use = rng.choice(
        ["RESIDENTIAL", "COMMERCIAL", "INDUSTRIAL", "OFFICIAL"], n, p=[0.9, 0.07, 0.02, 0.01]
    )
    stratum = rng.choice([1, 2, 3, 4, 5, 6], n, p=[0.12, 0.38, 0.33, 0.1, 0.04, 0.03])
    return pl.DataFrame(
        {
            "account": np.arange(n),
            "service": rng.choice(["ELECTRICITY", "WATER", "SEWER"], n, p=[0.6, 0.25, 0.15]),
            "use_class": use,
            "stratum": stratum,
            "altitude_m": rng.choice(ALTITUDES, n),
            "consumption": rng.gamma(4.0, 40.0, n).round(1),
        }
    ).with_columns(
        stratum=pl.when(pl.col("use_class") == "RESIDENTIAL").then(pl.col("stratum")),
        consumption=pl.col("consumption").cast(pl.Decimal(38, 1)),
    )


def _arrears(n: int, seed: int) -> pl.DataFrame:
    """Accounts in a collections run: days overdue and amounts to the peso."""
    rng = np.random.default_rng(seed)
    return pl.DataFrame(
        {
            "account": np.arange(n),
            "days_overdue": rng.integers(0, 181, n),
            "amount_overdue": rng.gamma(2.0, 60000.0, n).round(0),
            "segment": rng.choice(["RESIDENTIAL", "COMMERCIAL"], n, p=[0.93, 0.07]),
            "medical_dependency": rng.random(n) < 0.004,
            "open_claim": rng.random(n) < 0.01,
            "payment_arrangement": rng.random(n) < 0.05,
            "risk_score": rng.random(n).round(2),
        }
    ).with_columns(
        amount_overdue=pl.col("amount_overdue").cast(pl.Decimal(38, 2)),
        risk_score=pl.col("risk_score").cast(pl.Decimal(38, 2)),
    )


class _Counting:
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
    ) -> tuple[ports.NodeTrace, ...]:
        return self.inner.trace(pack=pack, context=context)


def _collections(zen_engine: engine.ZenRuleEngine, accounts: int) -> dict[str, object]:
    """Inputs that are nearly continuous: asked once per interval between the table's constants."""
    pack = _pack("co_collections_policy")
    frame = _arrears(accounts, seed=11)
    keys = rules.referenced_inputs(content=pack.content, point=rules.COLLECTION_ACTION)
    counting = _Counting(zen_engine)
    started = time.perf_counter()
    answers = evaluation.answer_frame(engine=counting, pack=pack, frame=frame)
    seconds = time.perf_counter() - started
    sample = frame.head(2000)
    started = time.perf_counter()
    one_by_one = [
        evaluation.answer_one(
            engine=zen_engine,
            pack=pack,
            values={k: v for k, v in row.items() if k != "account" and v is not None},
        )
        for row in sample.iter_rows(named=True)
    ]
    per_row = time.perf_counter() - started
    return {
        "pack": pack.label,
        "accounts": accounts,
        "inputs_read": list(keys),
        "distinct_combinations": frame.select(keys).unique().height,
        "engine_evaluations": counting.asked,
        "batch_seconds": round(seconds, 3),
        "per_row_checked_seconds_extrapolated": round(per_row * accounts / sample.height, 1),
        "per_row_is_extrapolated": True,
        "batch_equals_per_row_on_sample": answers.head(sample.height).to_dicts() == one_by_one,
    }


def _run_terms(
    zen_engine: engine.ZenRuleEngine, pack: rules.PackVersion, frame: pl.DataFrame, batch: int
) -> dict[str, object]:
    """A bill run's solidarity terms (ADR 0038): the run's batches, each question asked once."""
    agreements = frame.select(
        pl.col("account").cast(pl.String).alias("agreement_id"),
        "service",
        pl.col("use_class").str.to_lowercase().alias("use"),
        pl.col("stratum").cast(pl.Int32),
        pl.col("altitude_m").cast(pl.Int32),
    )
    terms = solidarity.RunTerms(
        billing_ports.Solidarity(
            answer=lambda f: evaluation.answer_frame(engine=zen_engine, pack=pack, frame=f),
            source=pack.label,
        )
    )
    seconds = []
    for start in range(0, agreements.height, batch):
        started = time.perf_counter()
        terms.of(agreements.slice(start, batch))
        seconds.append(time.perf_counter() - started)
    return {
        "agreements": agreements.height,
        "batch": batch,
        "batches": len(seconds),
        "first_batch_seconds": round(seconds[0], 3),
        "later_batches_mean_ms": round(1000 * sum(seconds[1:]) / max(len(seconds) - 1, 1), 1),
        "whole_run_seconds": round(sum(seconds), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument(
        "--collections", type=int, default=0, help="also run the collections pack on N accounts"
    )
    parser.add_argument(
        "--run-batch",
        type=int,
        default=30_000,
        help="agreements per bill-run batch for the solidarity terms of a run (ADR 0038)",
    )
    args = parser.parse_args()

    zen_engine = engine.ZenRuleEngine()
    pack = _pack("co_solidarity_factors")
    frame = _accounts(args.accounts, seed=7)
    keys = rules.referenced_inputs(content=pack.content, point=rules.SUBSIDY_FACTOR)
    evaluation.answer_frame(engine=zen_engine, pack=pack, frame=frame.head(1000))  # warm up

    started = time.perf_counter()
    answers = evaluation.answer_frame(engine=zen_engine, pack=pack, frame=frame)
    batch_seconds = time.perf_counter() - started
    distinct = frame.select(keys).unique().height

    sample = frame.head(args.sample)
    rows = [
        {k: v for k, v in row.items() if k not in ("account", "consumption")}
        for row in sample.iter_rows(named=True)
    ]
    started = time.perf_counter()
    raw = zen_engine.evaluate(pack=pack, contexts=rows)
    engine_seconds = time.perf_counter() - started
    started = time.perf_counter()
    checked = [evaluation.answer_one(engine=zen_engine, pack=pack, values=row) for row in rows]
    checked_seconds = time.perf_counter() - started

    same = answers.head(args.sample).to_dicts() == checked
    raw_factors = [Decimal(str(a["factor"])) for a in raw]
    same_raw = raw_factors == answers.head(args.sample).get_column("factor").to_list()
    scale = args.accounts / args.sample
    print(
        json.dumps(
            {
                "pack": pack.label,
                "accounts": args.accounts,
                "inputs_read": list(keys),
                "distinct_combinations": distinct,
                "batch_seconds": round(batch_seconds, 3),
                "batch_accounts_per_second": round(args.accounts / batch_seconds),
                "per_row_sample": args.sample,
                "per_row_engine_only_seconds_extrapolated": round(engine_seconds * scale, 1),
                "per_row_engine_only_evaluations_per_second": round(args.sample / engine_seconds),
                "per_row_checked_seconds_extrapolated": round(checked_seconds * scale, 1),
                "per_row_checked_evaluations_per_second": round(args.sample / checked_seconds),
                "speedup_vs_engine_only": round(engine_seconds * scale / batch_seconds, 1),
                "speedup_vs_checked": round(checked_seconds * scale / batch_seconds, 1),
                "per_row_is_extrapolated": True,
                "batch_equals_per_row_on_sample": same and same_raw,
                "bill_run_terms": _run_terms(zen_engine, pack, frame, args.run_batch),
                "collections": _collections(zen_engine, args.collections)
                if args.collections
                else None,
            }
        )
    )


if __name__ == "__main__":
    main()
