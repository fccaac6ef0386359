"""Tests that need ../shared/data fail in CI when it is missing, and only skip elsewhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import shared_data


def test_missing_shared_data_fails_in_ci(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "1")

    with pytest.raises(pytest.fail.Exception, match="CI must have the shared data"):
        shared_data.require(tmp_path / "absent", what="a data file")


def test_missing_shared_data_skips_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)

    with pytest.raises(pytest.skip.Exception, match="a data file"):
        shared_data.require(tmp_path / "absent", what="a data file")


def test_present_shared_data_neither_fails_nor_skips(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "1")

    shared_data.require(tmp_path, what="a folder")
