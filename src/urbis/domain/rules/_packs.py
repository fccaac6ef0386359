"""Rule pack versions: lifecycle draft -> tested -> approved -> published, and which is in force."""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NewType

import attrs

from urbis.domain.rules._testing import TestReport
from urbis.kernel import errors, ids

PackVersionId = NewType("PackVersionId", str)

_KEY = re.compile(r"^[a-z][a-z0-9_.-]{1,63}$")


class InvalidRulePack(errors.InvalidValue):
    code = "invalid_rule_pack"


class PackNotEditable(errors.Conflict):
    code = "rule_pack_not_editable"


class WrongPackStatus(errors.Conflict):
    code = "rule_pack_wrong_status"


class SameAuthorAndApprover(errors.Forbidden):
    code = "rule_pack_same_author_and_approver"


class PackFailsChecks(errors.Conflict):
    code = "rule_pack_fails_checks"


class RuleEvaluationFailed(errors.InvalidValue):
    """A published or draft version could not answer: names the pack, version and node."""

    code = "rule_evaluation_failed"


class NoPackInForce(errors.NotFound):
    code = "no_rule_pack_in_force"


class PackStatus(enum.Enum):
    DRAFT = "DRAFT"
    TESTED = "TESTED"
    APPROVED = "APPROVED"
    PUBLISHED = "PUBLISHED"


_DECIMAL_MARK = "\u0000decimal:"
_MARKED = re.compile(r'"\\u0000decimal:(-?[0-9.E+-]+)"')


def canonical_json(value: Any) -> str:
    """One text for one JSON value: sorted keys, decimals as exact JSON numbers, no spaces."""
    text = json.dumps(_mark_decimals(value), sort_keys=True, separators=(",", ":"))
    return _MARKED.sub(lambda m: m.group(1), text)


def _mark_decimals(value: Any) -> Any:
    # json writes floats through float.__repr__; decimals go through a marked string instead
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a JSON number")
        return _DECIMAL_MARK + str(value)
    if isinstance(value, Mapping):
        return {str(k): _mark_decimals(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mark_decimals(v) for v in value]
    return value


def read_json(text: str) -> Any:
    """Read JSON with every non-integer number as an exact ``Decimal``."""
    return json.loads(text, parse_float=Decimal)


@attrs.frozen
class TestCase:
    """A saved example: given this input, the pack must answer (at least) this output."""

    __test__ = False  # not a pytest class

    name: str
    given: Mapping[str, Any]
    expected: Mapping[str, Any]

    def picture(self) -> dict[str, Any]:
        return {"name": self.name, "given": dict(self.given), "expected": dict(self.expected)}


def test_cases_from_data(*, data: Iterable[Mapping[str, Any]]) -> tuple[TestCase, ...]:
    """
    Build test cases from plain data: ``[{"name", "given": {...}, "expected": {...}}]``.

    :raises InvalidRulePack: if a case lacks a name, an input or an expected output, or two
        cases share a name.
    """
    cases: list[TestCase] = []
    for number, item in enumerate(data, start=1):
        name, given, expected = item.get("name"), item.get("given"), item.get("expected")
        if not isinstance(name, str) or not name.strip():
            raise InvalidRulePack(f"Test case {number} needs a name")
        if not isinstance(given, Mapping) or not isinstance(expected, Mapping) or not expected:
            raise InvalidRulePack(
                f"Test case {name!r} needs a 'given' input and a non-empty 'expected' output"
            )
        cases.append(TestCase(name=name.strip(), given=dict(given), expected=dict(expected)))
    names = [c.name for c in cases]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise InvalidRulePack("Test case names must be unique: " + ", ".join(duplicates))
    return tuple(cases)


@attrs.frozen
class PackVersion:
    """One version of a tenant's rule pack: a graph answering one extension point from a date."""

    id: PackVersionId
    tenant_id: ids.TenantId
    pack_key: str
    version: int
    extension_point: str
    title: str
    effective_from: date
    content: str
    """The JDM graph as canonical JSON text."""
    test_cases: tuple[TestCase, ...]
    status: PackStatus
    author_id: str
    created_at: datetime
    updated_at: datetime
    tested_at: datetime | None = None
    approved_by: str | None = None
    approved_at: datetime | None = None
    published_by: str | None = None
    published_at: datetime | None = None
    based_on: PackVersionId | None = None
    editors: frozenset[str] = frozenset()
    """Users who changed the draft after its author; none of them may approve it."""

    @property
    def label(self) -> str:
        """How errors and screens name it: ``pack_key v3``."""
        return f"{self.pack_key} v{self.version}"

    def picture(self) -> dict[str, Any]:
        """A JSON-ready picture (for the audit trail and interfaces)."""
        return {
            "id": self.id,
            "tenant_id": self.tenant_id,
            "pack_key": self.pack_key,
            "version": self.version,
            "extension_point": self.extension_point,
            "title": self.title,
            "effective_from": self.effective_from.isoformat(),
            "content": read_json(self.content),
            "test_cases": [c.picture() for c in self.test_cases],
            "status": self.status.value,
            "author_id": self.author_id,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "tested_at": None if self.tested_at is None else self.tested_at.isoformat(),
            "approved_by": self.approved_by,
            "approved_at": None if self.approved_at is None else self.approved_at.isoformat(),
            "published_by": self.published_by,
            "published_at": None if self.published_at is None else self.published_at.isoformat(),
            "based_on": self.based_on,
            "editors": sorted(self.editors),
        }


def check_pack_key(*, key: str) -> str:
    """
    Return a valid pack key.

    :raises InvalidRulePack: unless it is 2-64 lowercase letters, digits, '_', '.', '-',
        starting with a letter.
    """
    if not _KEY.match(key):
        raise InvalidRulePack(
            "A pack key has 2 to 64 lowercase letters, digits, '_', '.' or '-', "
            "starting with a letter",
            details={"pack_key": key},
        )
    return key


def new_draft(
    *,
    version_id: PackVersionId,
    tenant_id: ids.TenantId,
    pack_key: str,
    version: int,
    extension_point: str,
    title: str,
    effective_from: date,
    content: str,
    test_cases: tuple[TestCase, ...],
    author_id: str,
    at: datetime,
    based_on: PackVersionId | None = None,
) -> PackVersion:
    """
    Start a draft version of a pack.

    :raises InvalidRulePack: if the key, title or version number is unusable.
    """
    check_pack_key(key=pack_key)
    if not title.strip():
        raise InvalidRulePack("A rule pack needs a title")
    if version < 1:
        raise InvalidRulePack("Versions count from 1")
    return PackVersion(
        id=version_id,
        tenant_id=tenant_id,
        pack_key=pack_key,
        version=version,
        extension_point=extension_point,
        title=title.strip(),
        effective_from=effective_from,
        content=content,
        test_cases=test_cases,
        status=PackStatus.DRAFT,
        author_id=author_id,
        created_at=at,
        updated_at=at,
        based_on=based_on,
    )


def edit_draft(
    *,
    pack: PackVersion,
    editor_id: str,
    at: datetime,
    content: str | None = None,
    test_cases: tuple[TestCase, ...] | None = None,
    effective_from: date | None = None,
    title: str | None = None,
) -> PackVersion:
    """
    Change a draft (or a tested version, which goes back to draft: it must be tested again).

    :raises PackNotEditable: if the version is approved or published.
    :raises InvalidRulePack: if the new title is empty.
    """
    if pack.status not in (PackStatus.DRAFT, PackStatus.TESTED):
        raise PackNotEditable(
            f"{pack.label} is {pack.status.value.lower()} and cannot change; "
            "start a new draft from it",
            details={
                "pack_key": pack.pack_key,
                "version": pack.version,
                "status": pack.status.value,
            },
        )
    if title is not None and not title.strip():
        raise InvalidRulePack("A rule pack needs a title")
    return attrs.evolve(
        pack,
        content=pack.content if content is None else content,
        test_cases=pack.test_cases if test_cases is None else test_cases,
        effective_from=pack.effective_from if effective_from is None else effective_from,
        title=pack.title if title is None else title.strip(),
        status=PackStatus.DRAFT,
        tested_at=None,
        updated_at=at,
        editors=pack.editors if editor_id == pack.author_id else pack.editors | {editor_id},
    )


def _require(pack: PackVersion, status: PackStatus, doing: str) -> None:
    if pack.status is not status:
        raise WrongPackStatus(
            f"Only a {status.value.lower()} version can be {doing}; "
            f"{pack.label} is {pack.status.value.lower()}",
            details={
                "pack_key": pack.pack_key,
                "version": pack.version,
                "status": pack.status.value,
            },
        )


def _require_passed(pack: PackVersion, report: TestReport) -> None:
    if (report.pack_key, report.version) != (pack.pack_key, pack.version):
        raise PackFailsChecks(f"The test report is not about {pack.label}")
    if not report.passed:
        raise PackFailsChecks(
            f"{pack.label} fails its checks or test cases: " + "; ".join(report.failures),
            details={
                "pack_key": pack.pack_key,
                "version": pack.version,
                "failures": list(report.failures),
            },
        )


def mark_tested(*, pack: PackVersion, report: TestReport, at: datetime) -> PackVersion:
    """
    Record that every check and test case passed.

    :raises WrongPackStatus: unless the version is a draft (or already tested).
    :raises PackFailsChecks: if the report shows a problem or a failing (or no) test case.
    """
    if pack.status is not PackStatus.TESTED:
        _require(pack, PackStatus.DRAFT, "marked tested")
    _require_passed(pack, report)
    return attrs.evolve(pack, status=PackStatus.TESTED, tested_at=at, updated_at=at)


def approve(
    *, pack: PackVersion, report: TestReport, approver_id: str, at: datetime
) -> PackVersion:
    """
    Approve a tested version that still passes (four eyes: the approver did not write it).

    :raises WrongPackStatus: unless the version is tested.
    :raises SameAuthorAndApprover: if the approver wrote or edited it.
    :raises PackFailsChecks: if the fresh report shows a problem or a failing test case.
    """
    _require(pack, PackStatus.TESTED, "approved")
    if approver_id == pack.author_id or approver_id in pack.editors:
        raise SameAuthorAndApprover(
            f"{pack.label} was written or edited by {approver_id}; another user must approve it",
            details={"pack_key": pack.pack_key, "version": pack.version},
        )
    _require_passed(pack, report)
    return attrs.evolve(
        pack, status=PackStatus.APPROVED, approved_by=approver_id, approved_at=at, updated_at=at
    )


def publish(*, pack: PackVersion, publisher_id: str, at: datetime) -> PackVersion:
    """
    Publish an approved version: from its effective date it answers its extension point.

    :raises WrongPackStatus: unless the version is approved.
    """
    _require(pack, PackStatus.APPROVED, "published")
    return attrs.evolve(
        pack, status=PackStatus.PUBLISHED, published_by=publisher_id, published_at=at, updated_at=at
    )


def in_force(*, versions: Iterable[PackVersion], extension_point: str, as_of: date) -> PackVersion:
    """
    The published version answering an extension point on a date.

    The latest effective date on or before ``as_of`` wins; on the same date, the highest
    version of the most recently published pack.

    :raises NoPackInForce: if no published version answers it on that date.
    """
    candidates = [
        v
        for v in versions
        if v.status is PackStatus.PUBLISHED
        and v.extension_point == extension_point
        and v.effective_from <= as_of
    ]
    if not candidates:
        raise NoPackInForce(
            f"No published rule pack answers {extension_point} on {as_of.isoformat()}",
            details={"extension_point": extension_point, "as_of": as_of.isoformat()},
        )
    return max(
        candidates, key=lambda v: (v.effective_from, v.published_at or v.updated_at, v.version)
    )
