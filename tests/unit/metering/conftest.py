from __future__ import annotations

from pathlib import Path

import pytest

from urbis.adapters.intervals.parquet import ParquetIntervalStore
from urbis.application.metering import ports


@pytest.fixture
def interval_store(tmp_path: Path) -> ports.IntervalStore:
    """The embedded store; tests/integration/metering runs the same tests on PostgreSQL too."""
    return ParquetIntervalStore(tmp_path)
