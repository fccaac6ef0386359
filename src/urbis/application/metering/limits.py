"""
Which VEE limits a validation uses (ADR 0036): the tenant's published ``vee_thresholds`` pack
in force, asked once per distinct meter class; the configured thresholds only when no pack is
in force, and the run says which (``validated_by``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import attrs
import polars as pl

from urbis.domain import metering

CONFIGURED = "configured thresholds (no vee_thresholds pack in force)"
SERVICE = "ELECTRICITY"
"""The service a meter measures when asked: interval and register meters are electricity."""

_INTEGERS = ("zero_days", "short_gap_intervals")


@attrs.frozen
class PublishedLimits:
    """A published pack ready to answer: a frame of (meter_class, service) → its limits."""

    answer: Callable[[pl.DataFrame], pl.DataFrame]
    source: str
    """How the run names the pack (``pack_key vN``)."""


@attrs.frozen
class VeeLimits:
    thresholds: Mapping[str, metering.Thresholds]
    validated_by: str


def limits_in_force(
    *,
    meters: tuple[metering.Meter, ...],
    published: PublishedLimits | None,
    configured: Mapping[str, metering.Thresholds],
) -> VeeLimits:
    """
    The limits for these meters: the published pack's answer for each distinct meter class,
    or, only when no pack is in force (``published`` is None), the configured thresholds.

    :raises InvalidRuleInput: if a meter class does not fit the question (naming the pack).
    :raises RuleEvaluationFailed: if the pack fails for a class (naming pack, version, node).
    """
    if published is None:
        return VeeLimits(thresholds=dict(configured), validated_by=CONFIGURED)
    classes = sorted({m.meter_class for m in meters})
    if not classes:
        return VeeLimits(thresholds={}, validated_by=published.source)
    frame = pl.DataFrame(
        {"meter_class": classes, "service": [SERVICE] * len(classes)},
        schema={"meter_class": pl.String, "service": pl.String},
    )
    answers = published.answer(frame)
    names = [field.name for field in attrs.fields(metering.Thresholds)]
    thresholds = {
        row["meter_class"]: metering.Thresholds(
            **{  # type: ignore[arg-type]
                name: int(row[name]) if name in _INTEGERS else float(row[name]) for name in names
            }
        )
        for row in pl.concat(
            [frame.select("meter_class"), answers.select(names)], how="horizontal"
        ).iter_rows(named=True)
    }
    return VeeLimits(thresholds=thresholds, validated_by=published.source)


def meters_history(meters: Sequence[tuple[str, str]]) -> pl.DataFrame:
    """
    The ``vee_thresholds`` question of each meter ``(serial, meter class)`` as VEE asks it, with
    an ``account`` column (the serial), for simulating a limits draft over a tenant's meters.
    """
    return pl.DataFrame(
        {
            "account": [serial for serial, _ in meters],
            "meter_class": [meter_class for _, meter_class in meters],
            "service": [SERVICE] * len(meters),
        },
        schema={"account": pl.String, "meter_class": pl.String, "service": pl.String},
    )
