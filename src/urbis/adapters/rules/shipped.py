"""
The rule packs shipped with urbis: one folder per pack under ``packs/``, holding ``graph.json``
(the GoRules JDM graph, openable in the JDM editor) and ``pack.json`` (key, extension point,
title, effective date, description and saved test cases).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from urbis.domain import rules

PACKS = Path(__file__).resolve().parent / "packs"


def read_pack(*, folder: Path) -> dict[str, Any]:
    """
    One pack folder as plain data (numbers as exact decimals), with its graph under ``content``.

    :raises InvalidRulePack: if a file is missing or not a JSON object.
    """
    try:
        manifest = rules.read_json((folder / "pack.json").read_text(encoding="utf-8"))
        graph = rules.read_json((folder / "graph.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise rules.InvalidRulePack(f"Cannot read the rule pack in {folder.name}: {exc}") from None
    if not isinstance(manifest, dict) or not isinstance(graph, dict):
        raise rules.InvalidRulePack(f"The rule pack in {folder.name} must hold JSON objects")
    return {**manifest, "content": graph}


def shipped_packs() -> tuple[dict[str, Any], ...]:
    """Every pack shipped with urbis, by key."""
    return tuple(
        read_pack(folder=folder)
        for folder in sorted(PACKS.iterdir())
        if folder.is_dir() and (folder / "pack.json").exists()
    )
