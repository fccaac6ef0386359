"""AEMO NEM12 (interval) and NEM13 (accumulated register) meter data files, plain or zipped."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import attrs
import polars as pl

from urbis.adapters.formats import units
from urbis.adapters.formats._errors import RejectedFile
from urbis.domain import metering

# NEM files keep market time: Australian Eastern Standard Time all year round.
NEM_TIME = timezone(timedelta(hours=10))
_QUALITY = re.compile(r"^[AEFNSV]\d{0,2}$")
_INTERVALS = (1, 5, 10, 15, 30)


def _quality(method: str) -> str:
    flag = method[:1]
    if flag == "A":
        return metering.Quality.ACTUAL.value
    if flag == "S":
        return metering.Quality.SUBSTITUTED.value
    return metering.Quality.ESTIMATED.value


def _read_type(method: str) -> str:
    return (
        metering.ReadType.ACTUAL.value if method[:1] == "A" else metering.ReadType.ESTIMATED.value
    )


@attrs.frozen
class NemFile:
    """What one NEM file holds: interval reads (NEM12) or register reads (NEM13)."""

    version: str
    intervals: pl.DataFrame
    registers: pl.DataFrame


def _text(path: Path) -> str:
    raw = path.read_bytes()
    if zipfile.is_zipfile(io.BytesIO(raw)):
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            names = [n for n in archive.namelist() if not n.endswith("/")]
            if len(names) != 1:
                raise RejectedFile(path=str(path), reason="a zip must hold exactly one file")
            raw = archive.read(names[0])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise RejectedFile(path=str(path), reason="not UTF-8 text") from error
    return text


def _date(value: str, path: str, line: int, what: str) -> datetime:
    try:
        return datetime.strptime(value.strip()[:8], "%Y%m%d").replace(tzinfo=NEM_TIME)
    except ValueError as error:
        raise RejectedFile(
            path=path, line=line, reason=f"{what} {value!r} is not YYYYMMDD"
        ) from error


def _stamp(value: str, path: str, line: int, what: str) -> datetime:
    text = value.strip()
    for pattern in ("%Y%m%d%H%M%S", "%Y%m%d%H%M", "%Y%m%d"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=NEM_TIME)
        except ValueError:
            continue
    raise RejectedFile(path=path, line=line, reason=f"{what} {value!r} is not a NEM date-time")


def _number(value: str, path: str, line: int, what: str) -> float:
    try:
        return float(value)
    except ValueError as error:
        raise RejectedFile(
            path=path, line=line, reason=f"{what} {value!r} is not a number"
        ) from error


def read_nem(path: Path) -> NemFile:
    """
    Read a NEM12 or NEM13 file (or a zip holding one) whole.

    :raises RejectedFile: naming the line: missing 100 header or 900 end, a 300 row whose
        value count does not match its 200 row's interval length, 400 rows that do not cover
        a variable-quality day, unknown units, bad dates or numbers, or no data at all.
    """
    where = str(path)
    rows = [
        (number, row)
        for number, row in enumerate(csv.reader(io.StringIO(_text(path))), start=1)
        if any(field.strip() for field in row)
    ]
    if not rows:
        raise RejectedFile(path=where, reason="the file is empty")
    first_line, header = rows[0]
    if header[0].strip() != "100":
        raise RejectedFile(path=where, line=first_line, reason="a NEM file starts with a 100 row")
    version = header[1].strip().upper() if len(header) > 1 else ""
    if version not in ("NEM12", "NEM13"):
        raise RejectedFile(path=where, line=first_line, reason=f"unknown version {version!r}")
    if rows[-1][1][0].strip() != "900":
        raise RejectedFile(path=where, reason="truncated: no 900 end-of-data row")

    meters: list[str] = []
    nmis: list[str] = []
    channels: list[str] = []
    starts: list[datetime] = []
    minutes: list[int] = []
    quantities: list[float] = []
    unit_names: list[str] = []
    qualities: list[str] = []
    methods: list[str] = []
    registers: list[dict[str, object]] = []

    details: tuple[str, str, str, str, int] | None = None  # nmi, meter, suffix, unit, length
    pending_v: tuple[int, int, int] | None = None  # line, first index, count (V quality)
    covered: set[int] = set()

    def close_v() -> None:
        nonlocal pending_v, covered
        if pending_v is not None:
            line, _, count = pending_v
            if len(covered) != count:
                raise RejectedFile(
                    path=where,
                    line=line,
                    reason=f"variable-quality day: 400 rows cover {len(covered)} of {count}",
                )
        pending_v, covered = None, set()

    for line, row in rows[1:]:
        kind = row[0].strip()
        if kind != "400":
            close_v()
        if kind == "200":
            if version != "NEM12" or len(row) < 9:
                raise RejectedFile(path=where, line=line, reason="malformed 200 row")
            unit = units.canonical(row[7])
            if unit is None:
                raise RejectedFile(path=where, line=line, reason=f"unknown unit {row[7]!r}")
            try:
                length = int(row[8])
            except ValueError as error:
                raise RejectedFile(path=where, line=line, reason="bad interval length") from error
            if length not in _INTERVALS:
                raise RejectedFile(
                    path=where, line=line, reason=f"interval length {length} is not allowed"
                )
            nmi = row[1].strip()
            details = (nmi, row[6].strip() or nmi, row[4].strip(), unit, length)
        elif kind == "300":
            if details is None:
                raise RejectedFile(path=where, line=line, reason="300 row before any 200 row")
            nmi, meter, suffix, unit, length = details
            count = 1440 // length
            extras = [f for f in row[3 + count :] if f.strip()]
            if len(row) < count + 3 or (len(row) > count + 7 and len(extras) > 4):
                raise RejectedFile(
                    path=where,
                    line=line,
                    reason=f"300 row must have {count} values for {length}-minute intervals",
                )
            method = row[2 + count].strip()
            if not _QUALITY.match(method):
                raise RejectedFile(
                    path=where,
                    line=line,
                    reason=f"300 row must have {count} values for {length}-minute intervals "
                    f"(found quality {method!r})",
                )
            day = _date(row[1], where, line, "interval date")
            first = len(quantities)
            for index, field in enumerate(row[2 : 2 + count]):
                value = _number(field.strip(), where, line, "interval value")
                meters.append(meter)
                nmis.append(nmi)
                channels.append(suffix)
                starts.append(day + timedelta(minutes=length * index))
                minutes.append(length)
                quantities.append(value)
                unit_names.append(unit)
                qualities.append(_quality(method))
                methods.append(method)
            if method == "V":
                pending_v = (line, first, count)
        elif kind == "400":
            if pending_v is None:
                raise RejectedFile(
                    path=where, line=line, reason="400 row without a V-quality 300 row"
                )
            _, first, count = pending_v
            try:
                low, high = int(row[1]), int(row[2])
            except (ValueError, IndexError) as error:
                raise RejectedFile(path=where, line=line, reason="malformed 400 row") from error
            method = row[3].strip() if len(row) > 3 else ""
            if not (1 <= low <= high <= count) or not _QUALITY.match(method) or method == "V":
                raise RejectedFile(
                    path=where,
                    line=line,
                    reason=f"400 row intervals {low}-{high} or quality {method!r} do not fit "
                    f"a day of {count} intervals",
                )
            for index in range(low - 1, high):
                qualities[first + index] = _quality(method)
                methods[first + index] = method
                covered.add(index)
        elif kind == "250":
            if version != "NEM13" or len(row) < 20:
                raise RejectedFile(path=where, line=line, reason="malformed 250 row")
            unit = units.canonical(row[19])
            if unit is None:
                raise RejectedFile(path=where, line=line, reason=f"unknown unit {row[19]!r}")
            nmi = row[1].strip()
            registers.append(
                {
                    "meter": row[6].strip() or nmi,
                    "nmi": nmi,
                    "register": row[4].strip(),
                    "read_at": _stamp(row[14], where, line, "current read date"),
                    "value": _number(row[13].strip(), where, line, "current read"),
                    "consumption": _number(row[18].strip(), where, line, "quantity"),
                    "unit": unit,
                    "read_type": _read_type(row[15].strip()),
                    "source": path.name,
                }
            )
        elif kind in ("500", "550", "900"):
            continue
        else:
            raise RejectedFile(path=where, line=line, reason=f"unknown record {kind!r}")
    close_v()

    if not quantities and not registers:
        raise RejectedFile(path=where, reason="the file holds no reads")
    intervals = pl.DataFrame(
        {
            "meter": meters,
            "nmi": nmis,
            "channel": channels,
            "start": starts,
            "minutes": minutes,
            "quantity": quantities,
            "unit": unit_names,
            "quality": qualities,
            "method": methods,
        },
        schema={
            "meter": pl.String(),
            "nmi": pl.String(),
            "channel": pl.String(),
            "start": pl.Datetime("us", "UTC"),
            "minutes": pl.Int32(),
            "quantity": pl.Float64(),
            "unit": pl.String(),
            "quality": pl.String(),
            "method": pl.String(),
        },
    ).with_columns(
        pl.col("start").dt.convert_time_zone("UTC").dt.cast_time_unit("us"),
        pl.lit(path.name).alias("source"),
    )
    register_frame = (
        pl.DataFrame(registers).with_columns(
            pl.col("read_at").dt.convert_time_zone("UTC").dt.cast_time_unit("us")
        )
        if registers
        else metering.empty_registers().with_columns(pl.lit(None, pl.String).alias("nmi"))
    )
    return NemFile(version=version, intervals=intervals, registers=register_frame)
