"""Bank and collection-agent payment files: their rows, their problems, duplicate detection."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import attrs

from urbis.domain.payments._payments import Channel
from urbis.kernel import errors
from urbis.kernel.money import Money

MAX_PROBLEMS_REPORTED = 100


@attrs.frozen
class FileProblem:
    """Why one row (or the file itself, row 0) cannot be imported."""

    row: int
    code: str
    message: str


class InvalidPaymentFile(errors.InvalidValue):
    """A file with any invalid row is refused whole; the details list every row and its code."""

    code = "invalid_payment_file"

    @classmethod
    def of(cls, *, name: str, problems: Sequence[FileProblem]) -> InvalidPaymentFile:
        shown = list(problems[:MAX_PROBLEMS_REPORTED])
        return cls(
            f"{name}: {len(problems)} invalid row(s); nothing was imported",
            details={
                "file": name,
                "problem_count": len(problems),
                "problems": [attrs.asdict(p) for p in shown],
            },
        )


class DuplicatePaymentFile(errors.Conflict):
    code = "duplicate_payment_file"


@attrs.frozen
class FileRow:
    """One payment as a bank or collection agent reported it."""

    row: int
    bank_code: str
    agreement: str
    reference: str
    amount: Money
    paid_at: datetime
    channel: Channel
    transaction_id: str


@attrs.frozen
class PaymentFile:
    """A parsed payment file: its name, the SHA-256 of its bytes, and its rows in order."""

    name: str
    digest: str
    rows: tuple[FileRow, ...]


@attrs.frozen
class FileOutcome:
    """What importing a file did: payments posted, rows already imported from another file."""

    file_id: str
    name: str
    rows: int
    posted: int
    duplicates: tuple[int, ...]
    total_posted: Money


def duplicates_within(*, rows: Sequence[FileRow]) -> tuple[FileProblem, ...]:
    """Rows that repeat an earlier row's bank code and transaction id in the same file."""
    seen: dict[tuple[str, str], int] = {}
    problems = []
    for row in rows:
        key = (row.bank_code, row.transaction_id)
        if key in seen:
            problems.append(
                FileProblem(
                    row=row.row,
                    code="duplicate_row",
                    message=f"Transaction {row.transaction_id} of bank {row.bank_code} "
                    f"repeats row {seen[key]}",
                )
            )
        else:
            seen[key] = row.row
    return tuple(problems)
