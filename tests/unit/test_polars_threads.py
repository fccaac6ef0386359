"""One Polars thread per urbis process unless the operator says otherwise (ADR 0078)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

_PROBE = "import urbis, polars; print(polars.thread_pool_size())"


def _pool_size(environment: dict[str, str]) -> int:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], env=environment, capture_output=True, text=True, check=True
    )
    return int(done.stdout.strip())


def test_importing_urbis_first_gives_polars_one_thread() -> None:
    environment = {k: v for k, v in os.environ.items() if k != "POLARS_MAX_THREADS"}
    assert _pool_size(environment) == 1


@pytest.mark.parametrize("threads", [2, 3])
def test_an_operators_setting_wins(threads: int) -> None:
    environment = {**os.environ, "POLARS_MAX_THREADS": str(threads)}
    assert _pool_size(environment) == threads
