"""Saved test cases of a pack, run and judged."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs

from urbis.domain.rules._graph import Problem
from urbis.domain.rules._schemas import _as_decimal


@attrs.frozen
class CaseResult:
    """What one test case gave, and whether it matched what was expected."""

    name: str
    passed: bool
    expected: Mapping[str, Any]
    actual: Mapping[str, Any] | None
    mismatches: tuple[str, ...] = ()
    error: str | None = None


@attrs.frozen
class TestReport:
    """The verdict on a version: static problems, and each test case's result."""

    __test__ = False  # not a pytest class

    pack_key: str
    version: int
    problems: tuple[Problem, ...]
    cases: tuple[CaseResult, ...]

    @property
    def passed(self) -> bool:
        """No problem, at least one test case, and every case passed."""
        return not self.problems and bool(self.cases) and all(c.passed for c in self.cases)

    @property
    def failures(self) -> tuple[str, ...]:
        """One sentence per reason the version fails."""
        lines = [f"{p.code}: {p.message}" for p in self.problems]
        if not self.cases:
            lines.append("no_test_cases: a pack needs at least one saved test case")
        for case in self.cases:
            if case.error is not None:
                lines.append(f"test {case.name!r}: {case.error}")
            elif not case.passed:
                lines.append(f"test {case.name!r}: " + "; ".join(case.mismatches))
        return tuple(lines)


def same_value(expected: object, actual: object) -> bool:
    """Whether an answer equals the expected value (numbers compared exactly as decimals)."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    left, right = _as_decimal(expected), _as_decimal(actual)
    if left is not None and right is not None and not isinstance(expected, str):
        return left == right
    return expected == actual


def judge_case(*, name: str, expected: Mapping[str, Any], actual: Mapping[str, Any]) -> CaseResult:
    """Compare an answer with a test case's expectation (fields not expected are not judged)."""
    mismatches = tuple(
        f"{field}: expected {_show(value)}, got {_show(actual.get(field))}"
        for field, value in expected.items()
        if not same_value(value, actual.get(field))
    )
    return CaseResult(
        name=name, passed=not mismatches, expected=expected, actual=actual, mismatches=mismatches
    )


def _show(value: object) -> str:
    if isinstance(value, Decimal):
        return str(value)
    return repr(value)
