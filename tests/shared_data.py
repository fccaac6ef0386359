"""
Tests that read the shared data set (../shared/data) skip without it on a developer's machine
and fail without it in CI (``CI`` set), so a CI run never passes by skipping them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def require(path: Path, *, what: str) -> None:
    """Fail (in CI) or skip (elsewhere) the calling test or module when ``path`` is absent."""
    if path.exists():
        return
    message = f"{what} ({path}) is absent"
    if os.environ.get("CI"):
        pytest.fail(f"{message}; CI must have the shared data set", pytrace=False)
    pytest.skip(message, allow_module_level=True)
