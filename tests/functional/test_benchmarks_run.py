"""
The benchmark scripts still run, on a tiny scale, and their figures add up: a benchmark that
rots unnoticed measures nothing. Their speed is not checked here (BENCHMARKS.md holds it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(module: str, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{module}", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    found: dict[str, Any] = json.loads(done.stdout)
    return found


class TestBillRunBenchmark:
    @pytest.mark.parametrize("reads", ["register", "interval"])
    def test_every_agreement_gets_one_bill_and_one_ledger_entry(self, reads: str) -> None:
        found = _run("bench_billrun", "--accounts", "30", "--reads", reads)

        assert found["agreements"] == 90
        assert found["bills"] + found["exceptions"] == found["agreements"]
        assert found["exceptions"] == 0
        assert found["ledger_entries"] == found["bills"] - found["held"]
        assert found["bill_lines"] > found["bills"]


class TestMeteringBenchmark:
    def test_every_path_finds_the_same_problems_and_compaction_keeps_every_read(self) -> None:
        found = _run("bench_metering", "--meters", "20", "--days", "2", "--partition", "10")
        paths = [found["in_process"]["parquet"], found["in_process"]["csv"]]

        assert found["reads"] > 20 * 2 * 90
        assert all(p["reads"] == found["reads"] for p in paths)
        assert paths[0]["findings"] == paths[1]["findings"]
        assert sum(paths[0]["findings"].values()) > 0
        assert found["same_findings_everywhere"] is True
        assert found["compaction"]["files_after"] < found["compaction"]["files_before"]


class TestPaymentFilesBenchmark:
    def test_every_row_of_the_file_is_posted(self) -> None:
        found = _run("bench_payment_files", "--rows", "50")

        assert found["posted"] == found["rows"] == 50


class TestCollectionsBenchmark:
    def test_a_rerun_the_same_day_takes_no_new_step(self) -> None:
        found = _run("bench_collections", "--accounts", "2000")
        first, rerun = found["runs"][0], found["runs"][1]

        assert first["candidates"] == 2000
        assert first["new_steps"] > 0
        assert rerun["new_steps"] == 0

    def test_runs_on_the_database_ask_the_published_policy_and_a_rerun_adds_nothing(
        self,
    ) -> None:
        found = _run("bench_collections_db", "--accounts", "200")
        first, rerun = found["runs"][0], found["runs"][1]

        assert sum(n for k, n in first["counts"].items() if k != "ARRANGEMENTS_CLOSED") > 0
        assert rerun["counts"] == {"ARRANGEMENTS_CLOSED": 0}


class TestRulesBenchmark:
    def test_batch_answers_equal_per_row_and_a_run_asks_every_agreement(self) -> None:
        found = _run("bench_rules", "--accounts", "3000", "--sample", "50", "--run-batch", "1000")

        assert found["batch_equals_per_row_on_sample"] is True
        assert found["distinct_combinations"] <= 3000
        terms = found["bill_run_terms"]
        assert (terms["agreements"], terms["batches"]) == (3000, 3)
