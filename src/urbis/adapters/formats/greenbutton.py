"""Green Button (NAESB ESPI) XML: import interval readings, export a meter's reads."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from xml.etree.ElementTree import Element, SubElement, tostring

import polars as pl
from defusedxml import ElementTree as SafeXml
from defusedxml.common import DefusedXmlException

from urbis.adapters.formats._errors import RejectedFile
from urbis.domain import metering

ATOM = "http://www.w3.org/2005/Atom"
ESPI = "http://naesb.org/espi"
_NS = {"atom": ATOM, "espi": ESPI}

# ESPI unit-of-measure codes: to urbis unit and the factor from the base unit.
_UOM: dict[str, tuple[str, float]] = {
    "72": ("kWh", 1e-3),  # Wh
    "169": ("therm", 1.0),
    "42": ("m3", 1.0),
    "73": ("kvarh", 1e-3),  # varh
}
_KIND = {"0": "ELECTRICITY", "1": "GAS", "2": "WATER"}
_DEFAULT_UNIT = {"ELECTRICITY": "72", "GAS": "169", "WATER": "42", "": "169"}


def _find(element: Element, path: str) -> Element | None:
    return element.find(path, _NS)


def _text(element: Element | None, path: str) -> str:
    if element is None:
        return ""
    found = element.find(path, _NS)
    return (found.text or "").strip() if found is not None else ""


def _links(entry: Element) -> dict[str, list[str]]:
    links: dict[str, list[str]] = {}
    for link in entry.findall("atom:link", _NS):
        links.setdefault(link.get("rel", ""), []).append(link.get("href", "").strip())
    return links


def _tail(href: str, marker: str) -> str:
    """The part of an href from the last occurrence of a resource name (ids differ in prefix)."""
    index = href.rfind(marker)
    return href[index:] if index >= 0 else href


def read_greenbutton(path: Path, *, meter: str) -> pl.DataFrame:
    """
    Read every IntervalReading of an ESPI feed into interval rows for one meter.

    Values are multiplied by 10^powerOfTenMultiplier and converted to kWh (electricity),
    therm or m3; start instants are UTC seconds. The channel is the meter reading's path.
    A usage point with an empty service category (seen in gas feeds) is taken as gas when its
    reading type names no unit.

    :raises RejectedFile: if the file is not well-formed XML, is not an Atom feed, holds no
        interval readings, or a reading has a non-numeric value, start or duration.
    """
    where = str(path)
    try:
        root: Element | None = SafeXml.parse(path).getroot()
    except (SafeXml.ParseError, DefusedXmlException) as error:
        raise RejectedFile(path=where, reason=f"not well-formed XML ({error})") from error
    if root is None or root.tag != f"{{{ATOM}}}feed":
        raise RejectedFile(path=where, reason="not an Atom feed")
    kinds: dict[str, str] = {}
    reading_types: dict[str, tuple[str, int]] = {}
    meter_reading_type: dict[str, str] = {}
    blocks: list[tuple[str, Element]] = []
    for entry in root.findall("atom:entry", _NS):
        content = _find(entry, "atom:content")
        if content is None:
            continue
        links = _links(entry)
        self_href = (links.get("self") or [""])[0]
        point = _find(content, "espi:UsagePoint")
        if point is not None:
            kind = _text(point, "espi:ServiceCategory/espi:kind")
            kinds[_tail(self_href, "UsagePoint/")] = _KIND.get(kind, "")
        reading_type = _find(content, "espi:ReadingType")
        if reading_type is not None:
            power_text = _text(reading_type, "espi:powerOfTenMultiplier") or "0"
            reading_types[_tail(self_href, "ReadingType/")] = (
                _text(reading_type, "espi:uom"),
                int(power_text),
            )
        if _find(content, "espi:MeterReading") is not None:
            for href in links.get("related", []):
                if "ReadingType" in href:
                    meter_reading_type[_tail(self_href, "UsagePoint/")] = _tail(
                        href, "ReadingType/"
                    )
        for block in content.findall("espi:IntervalBlock", _NS):
            up = (links.get("up") or [self_href])[0]
            blocks.append((_tail(up.split("/IntervalBlock")[0], "UsagePoint/"), block))
    starts: list[int] = []
    durations: list[int] = []
    values: list[float] = []
    channels: list[str] = []
    units: list[str] = []
    for reading_path, block in blocks:
        point_path = reading_path.split("/MeterReading")[0]
        kind = kinds.get(point_path, "" if len(kinds) != 1 else next(iter(kinds.values())))
        uom, power = reading_types.get(meter_reading_type.get(reading_path, ""), ("", 0))
        uom = uom or _DEFAULT_UNIT[kind]
        if uom not in _UOM:
            raise RejectedFile(path=where, reason=f"unit of measure code {uom} is not supported")
        unit, factor = _UOM[uom]
        for reading in block.findall("espi:IntervalReading", _NS):
            try:
                start = int(float(_text(reading, "espi:timePeriod/espi:start")))
                duration = int(float(_text(reading, "espi:timePeriod/espi:duration")))
                value = float(_text(reading, "espi:value"))
            except ValueError as error:
                raise RejectedFile(
                    path=where, reason=f"an IntervalReading in {reading_path} is not numeric"
                ) from error
            starts.append(start)
            durations.append(duration)
            values.append(value * 10.0**power * factor)
            channels.append(reading_path)
            units.append(unit)
    if not values:
        raise RejectedFile(path=where, reason="the feed holds no interval readings")
    frame = pl.DataFrame(
        {
            "meter": [meter] * len(values),
            "channel": channels,
            "start": starts,
            "seconds": durations,
            "quantity": values,
            "unit": units,
        }
    ).select(
        "meter",
        "channel",
        (pl.col("start") * 1_000_000).cast(pl.Datetime("us", "UTC")).alias("start"),
        (pl.col("seconds") // 60).cast(pl.Int32).alias("minutes"),
        "quantity",
        "unit",
        pl.lit(metering.Quality.ACTUAL.value).alias("quality"),
        pl.lit(path.name).alias("source"),
    )
    return metering.conform(frame=frame, schema=metering.INTERVAL_SCHEMA)


def _entry(feed: Element, *, href: str, up: str, title: str, updated: str) -> Element:
    entry = SubElement(feed, f"{{{ATOM}}}entry")
    SubElement(entry, f"{{{ATOM}}}id").text = f"urn:urbis:{href}"
    SubElement(entry, f"{{{ATOM}}}link", href=href, rel="self")
    SubElement(entry, f"{{{ATOM}}}link", href=up, rel="up")
    SubElement(entry, f"{{{ATOM}}}title").text = title
    SubElement(entry, f"{{{ATOM}}}updated").text = updated
    return SubElement(entry, f"{{{ATOM}}}content")


_UNIT_CODE = {"kWh": ("72", "0"), "therm": ("169", "1"), "m3": ("42", "1")}


def write_greenbutton(reads: pl.DataFrame, *, meter: str, path: Path, as_at: datetime) -> int:
    """
    Write one meter's reads (latest versions, one unit) as an ESPI feed; return the count.

    Electricity is written in Wh with powerOfTenMultiplier -3 (integer milliwatt-hours), so
    kWh values with up to six decimals survive the round trip.

    :raises RejectedFile: if the reads mix units or use a unit ESPI cannot carry here.
    """
    unit_names = reads.get_column("unit").unique().to_list()
    if len(unit_names) != 1 or unit_names[0] not in _UNIT_CODE:
        raise RejectedFile(
            path=str(path), reason=f"cannot export units {unit_names} as one Green Button feed"
        )
    uom, kind = _UNIT_CODE[unit_names[0]]
    # powerOfTenMultiplier -3: Wh for electricity (kWh × 10^6), therm or m3 × 10^3 otherwise.
    scale = 1e6 if uom == "72" else 1e3
    updated = as_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    feed = Element(f"{{{ATOM}}}feed")
    SubElement(feed, f"{{{ATOM}}}id").text = f"urn:urbis:meter:{meter}"
    SubElement(feed, f"{{{ATOM}}}title").text = f"urbis meter {meter}"
    SubElement(feed, f"{{{ATOM}}}updated").text = updated
    base = f"RetailCustomer/1/UsagePoint/{meter}"
    content = _entry(
        feed, href=base, up="RetailCustomer/1/UsagePoint", title=meter, updated=updated
    )
    SubElement(feed[-1], f"{{{ATOM}}}link", href=f"{base}/MeterReading", rel="related")
    usage_point = SubElement(content, f"{{{ESPI}}}UsagePoint")
    category = SubElement(usage_point, f"{{{ESPI}}}ServiceCategory")
    SubElement(category, f"{{{ESPI}}}kind").text = kind
    reading_path = f"{base}/MeterReading/1"
    content = _entry(
        feed, href=reading_path, up=f"{base}/MeterReading", title="reads", updated=updated
    )
    entry = feed[-1]
    SubElement(entry, f"{{{ATOM}}}link", href="ReadingType/1", rel="related")
    SubElement(entry, f"{{{ATOM}}}link", href=f"{reading_path}/IntervalBlock", rel="related")
    SubElement(content, f"{{{ESPI}}}MeterReading")
    content = _entry(feed, href="ReadingType/1", up="ReadingType", title="type", updated=updated)
    reading_type = SubElement(content, f"{{{ESPI}}}ReadingType")
    SubElement(reading_type, f"{{{ESPI}}}accumulationBehaviour").text = "4"
    SubElement(reading_type, f"{{{ESPI}}}commodity").text = "1" if kind == "0" else "7"
    SubElement(reading_type, f"{{{ESPI}}}currency").text = "840"
    SubElement(reading_type, f"{{{ESPI}}}dataQualifier").text = "12"
    SubElement(reading_type, f"{{{ESPI}}}flowDirection").text = "1"
    SubElement(reading_type, f"{{{ESPI}}}intervalLength").text = str(
        int(reads.item(0, "minutes")) * 60 if reads.height else 0
    )
    SubElement(reading_type, f"{{{ESPI}}}kind").text = "12"
    SubElement(reading_type, f"{{{ESPI}}}phase").text = "769"
    SubElement(reading_type, f"{{{ESPI}}}powerOfTenMultiplier").text = "-3"
    SubElement(reading_type, f"{{{ESPI}}}timeAttribute").text = "0"
    SubElement(reading_type, f"{{{ESPI}}}uom").text = uom
    content = _entry(
        feed,
        href=f"{reading_path}/IntervalBlock/1",
        up=f"{reading_path}/IntervalBlock",
        title="block",
        updated=updated,
    )
    block = SubElement(content, f"{{{ESPI}}}IntervalBlock")
    ordered = reads.sort("start").select(
        (pl.col("start").dt.epoch("s")).alias("epoch"),
        (pl.col("minutes") * 60).alias("seconds"),
        (pl.col("quantity") * scale).round(0).cast(pl.Int64).alias("value"),
        pl.col("quality"),
    )
    if ordered.height:
        interval = SubElement(block, f"{{{ESPI}}}interval")
        first, last = ordered.row(0, named=True), ordered.row(-1, named=True)
        SubElement(interval, f"{{{ESPI}}}duration").text = str(
            last["epoch"] + last["seconds"] - first["epoch"]
        )
        SubElement(interval, f"{{{ESPI}}}start").text = str(first["epoch"])
    for epoch, seconds, value, quality in ordered.iter_rows():
        reading = SubElement(block, f"{{{ESPI}}}IntervalReading")
        if quality != metering.Quality.ACTUAL.value:
            rq = SubElement(reading, f"{{{ESPI}}}ReadingQuality")
            SubElement(rq, f"{{{ESPI}}}quality").text = "7" if quality == "ESTIMATED" else "8"
        period = SubElement(reading, f"{{{ESPI}}}timePeriod")
        SubElement(period, f"{{{ESPI}}}duration").text = str(seconds)
        SubElement(period, f"{{{ESPI}}}start").text = str(epoch)
        SubElement(reading, f"{{{ESPI}}}value").text = str(value)
    path.write_bytes(tostring(feed, encoding="utf-8", xml_declaration=True))
    return ordered.height
