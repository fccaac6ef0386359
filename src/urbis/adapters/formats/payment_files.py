"""
Bank and collection-agent payment files: urbis payment CSV, version 1 (docs/payment-files.md).

The whole file is read before anything is posted; every invalid row is reported with its line
number and a stable code, and a file with any invalid row is refused whole.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from datetime import datetime
from decimal import Decimal, InvalidOperation

from urbis.domain import payments
from urbis.kernel.money import Money, minor_unit

COLUMNS = (
    "bank_code",
    "agreement",
    "payment_reference",
    "amount",
    "paid_at",
    "channel",
    "transaction_id",
)
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,20}$")
_REFERENCE = re.compile(r"^[0-9]{1,20}$")
_TRANSACTION = re.compile(r"^[A-Za-z0-9_./:-]{1,64}$")
_AMOUNT = re.compile(r"^[0-9]{1,15}(\.[0-9]{1,4})?$")


def _problem(row: int, code: str, message: str) -> payments.FileProblem:
    return payments.FileProblem(row=row, code=code, message=message)


def read(*, name: str, content: bytes, currency: str) -> payments.PaymentFile:
    """
    Parse a payment file into rows, checking every field of every row.

    :raises InvalidPaymentFile: listing each invalid row (line number, code, message).
    """
    digest = hashlib.sha256(content).hexdigest()
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise payments.InvalidPaymentFile.of(
            name=name,
            problems=[_problem(0, "not_utf8", f"The file is not UTF-8 (byte {exc.start})")],
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error:
        header = None
    if header is None or tuple(h.strip().lower() for h in header) != COLUMNS:
        raise payments.InvalidPaymentFile.of(
            name=name,
            problems=[_problem(1, "wrong_header", "The first line must be: " + ",".join(COLUMNS))],
        )
    places = minor_unit(currency)
    rows: list[payments.FileRow] = []
    problems: list[payments.FileProblem] = []
    line = 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            line = reader.line_num
            problems.append(_problem(line, "unreadable_row", str(exc)))
            break
        line = reader.line_num
        if not fields or fields == [""]:
            continue
        parsed = _row(line, fields, currency, places, problems)
        if parsed is not None:
            rows.append(parsed)
    if not rows and not problems:
        problems.append(_problem(0, "empty_file", "The file has no payment rows"))
    if problems:
        raise payments.InvalidPaymentFile.of(name=name, problems=problems)
    return payments.PaymentFile(name=name, digest=digest, rows=tuple(rows))


def _row(
    line: int,
    fields: list[str],
    currency: str,
    places: int,
    problems: list[payments.FileProblem],
) -> payments.FileRow | None:
    if len(fields) != len(COLUMNS):
        problems.append(
            _problem(
                line,
                "wrong_column_count",
                f"Expected {len(COLUMNS)} columns, found {len(fields)}",
            )
        )
        return None
    bank, agreement, reference, amount_text, paid_text, channel_text, transaction = (
        f.strip() for f in fields
    )
    before = len(problems)
    if not _CODE.match(bank):
        problems.append(_problem(line, "invalid_bank_code", f"Bank code {bank!r}"))
    if not _CODE.match(agreement):
        problems.append(_problem(line, "invalid_agreement", f"Agreement {agreement!r}"))
    if not _REFERENCE.match(reference):
        problems.append(
            _problem(line, "invalid_reference", f"Payment reference {reference!r} is not digits")
        )
    if not _TRANSACTION.match(transaction):
        problems.append(_problem(line, "invalid_transaction_id", f"Transaction id {transaction!r}"))
    amount: Money | None = None
    if _AMOUNT.match(amount_text):
        try:
            value = Decimal(amount_text)
        except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
            value = Decimal(0)
        if value <= 0:
            problems.append(_problem(line, "invalid_amount", "The amount must be more than 0"))
        elif value != value.quantize(Decimal(1).scaleb(-places)):
            problems.append(
                _problem(line, "invalid_amount", f"{amount_text} has more than {places} decimals")
            )
        else:
            amount = Money(value.quantize(Decimal(1).scaleb(-places)), currency)
    else:
        problems.append(
            _problem(
                line,
                "invalid_amount",
                f"Amount {amount_text!r}: digits with '.' for decimals, no thousands separator",
            )
        )
    paid_at: datetime | None = None
    try:
        paid_at = datetime.fromisoformat(paid_text)
    except ValueError:
        problems.append(_problem(line, "invalid_paid_at", f"Paid at {paid_text!r}"))
    if paid_at is not None and paid_at.tzinfo is None:
        problems.append(
            _problem(line, "invalid_paid_at", f"Paid at {paid_text!r} has no UTC offset")
        )
    try:
        channel = payments.Channel(channel_text.upper())
    except ValueError:
        problems.append(_problem(line, "invalid_channel", f"Channel {channel_text!r}"))
        channel = payments.Channel.BANK
    if len(problems) > before or amount is None or paid_at is None:
        return None
    return payments.FileRow(
        row=line,
        bank_code=bank,
        agreement=agreement,
        reference=reference,
        amount=amount,
        paid_at=paid_at,
        channel=channel,
        transaction_id=transaction,
    )


def write(rows: list[dict[str, str]]) -> bytes:
    """Write rows (by column name) as a payment file: for tests, demos and benchmarks."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([row[c] for c in COLUMNS])
    return out.getvalue().encode()
