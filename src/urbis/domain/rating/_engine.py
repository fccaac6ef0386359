"""
The reference engine for interval usage: plain Decimal, month by month, every line explained.

Conventions (docs/adr/0010-rating-conventions.md): tier limits apply to the month's total
imported energy and each tier's energy is split across time-of-use periods in proportion to
their use; demand is kWh ÷ interval hours, its monthly maximum priced per period and tier;
fixed charges per month or per bill are prorated by the share of the month's days covered, per
day charges count the days; the minimum tops the month's energy, demand and fixed charges up;
taxes come last, on the lines before them. Each line rounds once with the tariff's rule.
"""

from __future__ import annotations

import calendar
import decimal
import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import attrs
import holidays as holiday_calendars

from urbis.domain import tariffs
from urbis.domain.rating._reference import ChargeLine, InvalidUsage
from urbis.kernel.money import Money, Rounding

ZERO = Decimal(0)
MINUTES_A_DAY = 1440
# Products of tariff and usage figures stay exact and each amount is divided once, at this
# precision, so rounding to the minor unit is the rounding of the exact fraction.
EXACT = decimal.Context(prec=100)
PARTS = {
    "ENERGY": "energy",
    "EXPORT": "energy",
    "SUBSIDY": "energy",
    "CONTRIBUTION": "energy",
    "DEMAND": "demand",
    "FIXED": "fixed",
    "MINIMUM": "minimum",
    "TAX": "taxes",
}


@attrs.frozen
class Interval:
    """Energy over one interval: ``kwh`` imported (negative when exported)."""

    start: datetime
    minutes: int
    kwh: Decimal

    @property
    def hours(self) -> Decimal:
        return Decimal(self.minutes) / 60


@attrs.frozen
class Customer:
    """What the tariff needs to know of the customer: stratum, use and altitude."""

    stratum: int | None = None
    use: str = "residential"
    altitude_m: int = 0

    def __attrs_post_init__(self) -> None:
        if self.stratum is not None and not 1 <= self.stratum <= 6:
            raise InvalidUsage("Stratum must be 1 to 6", details={"stratum": self.stratum})

    @property
    def solidarity_class(self) -> str:
        if self.use == "residential" and self.stratum is not None:
            return str(self.stratum)
        return self.use


def check_intervals(*, intervals: Sequence[Interval]) -> None:
    """
    Check that usage is aware, of one interval length, in order and without gaps.

    :raises InvalidUsage: naming the first interval that breaks a rule.
    """
    if not intervals:
        raise InvalidUsage("Usage has no intervals")
    length = intervals[0].minutes
    if length <= 0 or (60 % length and length % 60):
        raise InvalidUsage(f"Interval length {length} min is not supported")
    for index, interval in enumerate(intervals):
        if interval.start.tzinfo is None or interval.start.utcoffset() is None:
            raise InvalidUsage(f"Interval {index} has no UTC offset", details={"index": index})
        if interval.minutes != length:
            raise InvalidUsage(
                f"Mixed interval lengths: {length} and {interval.minutes} minutes",
                details={"index": index, "start": interval.start.isoformat()},
            )
    for index, (before, after) in enumerate(itertools.pairwise(intervals), start=1):
        expected = before.start + timedelta(minutes=length)
        if after.start != expected:
            problem = "a gap" if after.start > expected else "overlapping or unordered intervals"
            raise InvalidUsage(
                f"Usage has {problem} at {expected.isoformat()}",
                details={"index": index, "expected": expected.isoformat()},
            )


def local_start(interval: Interval, timezone: str | None) -> datetime:
    """Return the wall-clock start of an interval: the tariff's zone, else its own offset."""
    if timezone is None:
        return interval.start
    return interval.start.astimezone(ZoneInfo(timezone))


class DayKinds:
    """Tells weekdays, weekends and a country's holidays apart."""

    def __init__(self, country: str | None) -> None:
        self._calendar = holiday_calendars.country_holidays(country) if country else None

    def __call__(self, day: date) -> tariffs.DayKind:
        if self._calendar is not None and day in self._calendar:
            return tariffs.DayKind.HOLIDAY
        return tariffs.DayKind.WEEKEND if day.weekday() >= 5 else tariffs.DayKind.WEEKDAY


def tier_shares(
    *, tiers: Sequence[tariffs.Tier], total: Decimal, peak_kw: Decimal = ZERO
) -> Iterable[tuple[int, tariffs.Tier, Decimal]]:
    """
    Yield each tier's index, terms and the part of ``total`` falling inside it; a limit per kW
    (``upto_per_kw``) is that many kWh for each kW of the month's peak demand.
    """
    lower = ZERO
    for index, tier in enumerate(tiers):
        limit = tier.upto
        if limit is not None and tier.upto_per_kw:
            limit *= peak_kw
        upper = total if limit is None else min(total, limit)
        inside = upper - lower
        if inside > 0:
            yield index, tier, inside
        if limit is None or limit >= total:
            return
        lower = limit


@attrs.frozen
class MonthUsage:
    """One month's usage under one version, summed the way the tariff needs it."""

    month: str
    minutes_covered: int
    days_in_month: int
    energy_by_period: tuple[Decimal, ...]
    export_by_period: tuple[Decimal, ...]
    demand_by_period: tuple[Decimal, ...]
    peak_kw: Decimal
    calendar_month: int

    @property
    def imported(self) -> Decimal:
        return sum(self.energy_by_period, ZERO)

    @property
    def days_covered(self) -> Decimal:
        return Decimal(self.minutes_covered) / MINUTES_A_DAY

    @property
    def share_of_month(self) -> Decimal:
        """The covered share of the month (divided last, so amounts stay exact)."""
        return Decimal(self.minutes_covered) / (MINUTES_A_DAY * self.days_in_month)


def summarise(*, version: tariffs.Version, month: str, intervals: Sequence[Interval]) -> MonthUsage:
    """Sum one month's intervals under a version into energy, export and demand by period."""
    with decimal.localcontext(EXACT):
        return _summarise(version, month, intervals)


def _summarise(version: tariffs.Version, month: str, intervals: Sequence[Interval]) -> MonthUsage:
    kinds = DayKinds(version.holidays)
    energy_schedule = version.energy.schedule if version.energy else tariffs.flat_schedule()
    energy_periods = len(version.energy.periods) if version.energy else 1
    demand_periods = len(version.demand.periods) if version.demand else 0
    energy = [ZERO] * energy_periods
    export = [ZERO] * energy_periods
    demand = [ZERO] * demand_periods
    peak = ZERO
    calendar_month = int(month[5:])
    for interval in intervals:
        start = local_start(interval, version.timezone)
        kind = kinds(start.date())
        kw = interval.kwh * 60 / interval.minutes
        period = energy_schedule.period(month=start.month, hour=start.hour, kind=kind)
        if interval.kwh >= 0:
            energy[period] += interval.kwh
        else:
            export[period] -= interval.kwh
        peak = max(peak, kw)
        if version.demand is not None:
            d = version.demand.schedule.period(month=start.month, hour=start.hour, kind=kind)
            demand[d] = max(demand[d], kw)
    year = int(month[:4])
    return MonthUsage(
        month=month,
        minutes_covered=sum(i.minutes for i in intervals),
        days_in_month=calendar.monthrange(year, calendar_month)[1],
        energy_by_period=tuple(energy),
        export_by_period=tuple(export),
        demand_by_period=tuple(demand),
        peak_kw=peak,
        calendar_month=calendar_month,
    )


@attrs.frozen
class Draft:
    """A charge line before rounding: its exact amount and its explanation."""

    kind: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    rule: str
    period: str = ""
    block: str = ""
    exact: Decimal | None = None
    part: str = ""  # energy, demand, fixed, minimum or taxes; else from the kind

    @property
    def bill_part(self) -> str:
        return self.part or PARTS[self.kind]

    @property
    def amount(self) -> Decimal:
        return self.quantity * self.unit_price if self.exact is None else self.exact


def settle(
    *, drafts: Sequence[Draft], currency: str, rounding: Rounding, scope: tariffs.RoundingScope
) -> tuple[Money, ...]:
    """
    Round drafts to money: each line once, or each kind's monthly sum shared out over its lines.
    """
    if scope is tariffs.RoundingScope.LINE:
        return tuple(Money.rounded(d.amount, currency=currency, rounding=rounding) for d in drafts)
    settled: list[Money | None] = [None] * len(drafts)
    kinds: dict[str, list[int]] = defaultdict(list)
    for index, draft in enumerate(drafts):
        kinds[draft.kind].append(index)
    for members in kinds.values():
        exact = [drafts[i].amount for i in members]
        subtotal = Money.rounded(sum(exact, ZERO), currency=currency, rounding=rounding)
        if all(e >= 0 for e in exact) and any(exact):
            parts = subtotal.allocate(exact)
        elif all(e <= 0 for e in exact) and any(exact):
            parts = tuple(-m for m in (-subtotal).allocate([-e for e in exact]))
        else:
            parts = tuple(Money.rounded(e, currency=currency, rounding=rounding) for e in exact)
        for i, part in zip(members, parts, strict=True):
            settled[i] = part
    return tuple(m for m in settled if m is not None)


def _tiered(
    *,
    kind: str,
    periods: Sequence[tariffs.RatePeriod],
    quantities: Sequence[Decimal],
    rule: str,
) -> list[Draft]:
    drafts = []
    for period, quantity in zip(periods, quantities, strict=True):
        for index, tier, inside in tier_shares(tiers=period.tiers, total=quantity):
            drafts.append(
                Draft(
                    kind=kind,
                    description=f"{kind.title()} {period.name} tier {index + 1}",
                    quantity=inside,
                    unit_price=tier.price,
                    period=period.name,
                    block=tier.name or str(index + 1),
                    rule=rule,
                )
            )
    return drafts


def _energy(version: tariffs.Version, usage: MonthUsage) -> list[Draft]:
    drafts: list[Draft] = []
    if version.energy is None:
        return drafts
    total = usage.imported
    for p, period in enumerate(version.energy.periods):
        share = usage.energy_by_period[p]
        if share == 0:
            continue
        for index, tier, inside in tier_shares(
            tiers=period.tiers, total=total, peak_kw=usage.peak_kw
        ):
            drafts.append(
                Draft(
                    kind="ENERGY",
                    description=f"Energy {period.name} {tier.name or f'tier {index + 1}'}",
                    quantity=inside * share / total,
                    unit_price=tier.price,
                    period=period.name,
                    block=tier.name or str(index + 1),
                    rule=(
                        f"tier on monthly kWh per kW of the {usage.peak_kw} kW peak, "
                        "split by period share"
                        if tier.upto_per_kw
                        else "tier on monthly kWh, split by period share"
                    ),
                    exact=inside * share * tier.price / total,
                )
            )
    for p, period in enumerate(version.energy.periods):
        exported = usage.export_by_period[p]
        sell = period.tiers[0].sell
        if exported and sell:
            drafts.append(
                Draft(
                    kind="EXPORT",
                    description=f"Export {period.name}",
                    quantity=exported,
                    unit_price=-sell,
                    period=period.name,
                    rule="sell rate × kWh exported",
                )
            )
    return drafts


def _demand(version: tariffs.Version, usage: MonthUsage) -> list[Draft]:
    drafts: list[Draft] = []
    if version.demand is not None:
        drafts += _tiered(
            kind="DEMAND",
            periods=version.demand.periods,
            quantities=usage.demand_by_period,
            rule="monthly maximum kW in the period, tiered",
        )
    if version.flat_demand is not None:
        chosen = version.flat_demand.periods[version.flat_demand.months[usage.calendar_month - 1]]
        drafts += _tiered(
            kind="DEMAND",
            periods=(chosen,),
            quantities=(usage.peak_kw,),
            rule="monthly maximum kW, tiered",
        )
    return drafts


def _fixed(version: tariffs.Version, usage: MonthUsage) -> list[Draft]:
    drafts = []
    minutes = usage.minutes_covered
    for fixed in version.fixed:
        if fixed.per is tariffs.FixedBasis.DAY:
            quantity, rule = usage.days_covered, "per day × days"
            exact = fixed.amount * minutes / MINUTES_A_DAY
        else:
            quantity = usage.share_of_month
            rule = f"per {fixed.per.value.lower()} × share of month"
            exact = fixed.amount * minutes / (MINUTES_A_DAY * usage.days_in_month)
        drafts.append(
            Draft(
                kind="FIXED",
                description=fixed.name,
                quantity=quantity,
                unit_price=fixed.amount,
                rule=rule,
                exact=exact,
            )
        )
    return drafts


def energy_numerator(*, version: tariffs.Version, usage: MonthUsage) -> Decimal:
    """Return the month's energy charge times its total kWh (exact; no division yet)."""
    if version.energy is None:
        return ZERO
    total = usage.imported
    numerator = ZERO
    for p, period in enumerate(version.energy.periods):
        for _index, tier, inside in tier_shares(
            tiers=period.tiers, total=total, peak_kw=usage.peak_kw
        ):
            numerator += inside * usage.energy_by_period[p] * tier.price
    return numerator


def _solidarity(version: tariffs.Version, usage: MonthUsage, customer: Customer) -> list[Draft]:
    solidarity = version.solidarity
    rules = solidarity.rules_for(customer.solidarity_class) if solidarity else None
    if solidarity is None or rules is None:
        return []
    label = customer.solidarity_class
    total = usage.imported
    numerator = energy_numerator(version=version, usage=usage)
    month_minutes = MINUTES_A_DAY * usage.days_in_month
    minutes = usage.minutes_covered
    out: list[Draft] = []
    if rules.subsidy:
        kind, share, who = "SUBSIDY", -rules.subsidy, "Subsidio"
        basic = solidarity.basic_quantity(altitude_m=customer.altitude_m)
        # covered = min(total, basic × share of month), kept as a fraction: top / bottom
        if total * month_minutes <= basic * minutes:
            top, bottom = total, Decimal(1)
        else:
            top, bottom = basic * minutes, Decimal(month_minutes)
        scope = f"up to the basic quantity {basic} {version.unit} × share of month"
    else:
        kind, share, who = "CONTRIBUTION", rules.contribution, "Contribución"
        top, bottom = total, Decimal(1)
        scope = "on all consumption"
    if total and numerator:
        full = numerator / (total * total)
        if rules.price is not None:
            unit, rule = rules.price - full, f"published price {rules.price} less full cost"
            exact = top * (rules.price * total * total - numerator) / (bottom * total * total)
        else:
            unit, rule = full * share, f"{abs(share) * 100} % of full cost"
            exact = share * top * numerator / (bottom * total * total)
        out.append(
            Draft(
                kind=kind,
                description=f"{who} {label}",
                quantity=top / bottom,
                unit_price=unit,
                rule=f"{rule}, {scope}",
                exact=exact,
            )
        )
    fixed_full = sum((f.amount for f in version.fixed if f.per is not tariffs.FixedBasis.DAY), ZERO)
    if fixed_full and (solidarity.on_fixed or rules.fixed_price is not None):
        if rules.fixed_price is not None:
            unit = rules.fixed_price - fixed_full
            rule = f"published fixed charge {rules.fixed_price} less full fixed charge"
        else:
            unit, rule = fixed_full * share, f"{abs(share) * 100} % of the fixed charge"
        out.append(
            Draft(
                kind=kind,
                description=f"{who} {label} cargo fijo",
                quantity=usage.share_of_month,
                unit_price=unit,
                rule=rule,
                part="fixed",
                exact=unit * minutes / month_minutes,
            )
        )
    return out


def rate_month(
    *,
    tariff: tariffs.Tariff,
    version: tariffs.Version,
    usage: MonthUsage,
    customer: Customer | None = None,
) -> tuple[ChargeLine, ...]:
    """Price one month's summed usage under one version of a tariff."""
    with decimal.localcontext(EXACT):
        return _rate_month(tariff, version, usage, customer or Customer())


def _rate_month(
    tariff: tariffs.Tariff, version: tariffs.Version, usage: MonthUsage, customer: Customer
) -> tuple[ChargeLine, ...]:
    def money(drafts: Sequence[Draft]) -> tuple[Money, ...]:
        return settle(
            drafts=drafts,
            currency=version.currency,
            rounding=version.rounding,
            scope=version.rounding_scope,
        )

    drafts = _energy(version, usage) + _demand(version, usage) + _fixed(version, usage)
    drafts += _solidarity(version, usage, customer)
    if version.minimum:
        month_minutes = MINUTES_A_DAY * usage.days_in_month
        so_far = sum(
            (
                m.amount
                for d, m in zip(drafts, money(drafts), strict=True)
                if d.kind in {"ENERGY", "DEMAND", "FIXED"}
            ),
            ZERO,
        )
        if so_far * month_minutes < version.minimum * usage.minutes_covered:
            drafts.append(
                Draft(
                    kind="MINIMUM",
                    description="Minimum charge top-up",
                    quantity=usage.share_of_month,
                    unit_price=version.minimum,
                    exact=(version.minimum * usage.minutes_covered - so_far * month_minutes)
                    / month_minutes,
                    rule="monthly minimum × share of month, less energy, demand and fixed charges",
                )
            )
    base = sum((m.amount for m in money(drafts)), ZERO)
    for tax in version.taxes:
        if tax.percent is not None:
            drafts.append(
                Draft(
                    kind="TAX",
                    description=tax.name,
                    quantity=base,
                    unit_price=tax.percent / 100,
                    rule=f"{tax.percent} % of the charges before taxes",
                )
            )
        elif tax.per_unit is not None:
            drafts.append(
                Draft(
                    kind="TAX",
                    description=tax.name,
                    quantity=usage.imported,
                    unit_price=tax.per_unit,
                    rule="per kWh imported",
                )
            )
    label = f"{tariff.code} {version.version}"
    return tuple(
        ChargeLine(
            kind=d.kind,
            description=d.description,
            quantity=d.quantity,
            unit_price=d.unit_price,
            amount=amount,
            tariff=label,
            rule=d.rule,
            month=usage.month,
            period=d.period,
            block=d.block,
            part=d.bill_part,
        )
        for d, amount in zip(drafts, money(drafts), strict=True)
    )


def rate_intervals(
    *, tariff: tariffs.Tariff, intervals: Sequence[Interval], customer: Customer | None = None
) -> tuple[ChargeLine, ...]:
    """
    Price interval usage month by month under the versions of a tariff in force.

    Months follow each interval's wall-clock (its own offset, or the tariff's zone); a month
    that straddles two versions is rated in two parts, each with its share of fixed charges. An
    annual minimum (of the version in force in the year's last rated month), prorated by the
    share of the year the usage covers, tops up that year's charges in its last rated month.

    :raises InvalidUsage: if the usage has gaps, mixed lengths or naive timestamps.
    :raises NoTariffInForce: if an interval falls outside every version.
    """
    check_intervals(intervals=intervals)
    groups: dict[tuple[str, str], list[Interval]] = defaultdict(list)
    versions: dict[str, tariffs.Version] = {}
    for interval in intervals:
        wall = interval.start
        version = tariff.in_force(on=wall.date())
        if version.timezone is not None:
            wall = local_start(interval, version.timezone)
            version = tariff.in_force(on=wall.date())
        versions[version.version] = version
        groups[(f"{wall.year:04d}-{wall.month:02d}", version.version)].append(interval)
    lines: list[ChargeLine] = []
    for (month, name), members in sorted(
        groups.items(), key=lambda kv: (kv[0][0], versions[kv[0][1]].active.start)
    ):
        version = versions[name]
        usage = summarise(version=version, month=month, intervals=members)
        lines += rate_month(tariff=tariff, version=version, usage=usage, customer=customer)
    last_of_year: dict[str, tuple[str, tariffs.Version]] = {}
    minutes_in_year: dict[str, int] = defaultdict(int)
    for (month, name), members in groups.items():
        year = month[:4]
        minutes_in_year[year] += sum(i.minutes for i in members)
        if year not in last_of_year or (month, versions[name].active.start) > (
            last_of_year[year][0],
            last_of_year[year][1].active.start,
        ):
            last_of_year[year] = (month, versions[name])
    for year, (month, version) in sorted(last_of_year.items()):
        if version.annual_minimum:
            with decimal.localcontext(EXACT):
                top_up = _annual_top_up(tariff, version, year, month, minutes_in_year[year], lines)
            lines += top_up
    return tuple(lines)


def _annual_top_up(
    tariff: tariffs.Tariff,
    version: tariffs.Version,
    year: str,
    month: str,
    minutes: int,
    lines: Sequence[ChargeLine],
) -> list[ChargeLine]:
    """The annual minimum's top-up (prorated by the year's covered share), in its last month."""
    year_minutes = MINUTES_A_DAY * (366 if calendar.isleap(int(year)) else 365)
    charged = sum(
        (
            ln.amount.amount
            for ln in lines
            if ln.month.startswith(f"{year}-")
            and ln.kind in {"ENERGY", "DEMAND", "FIXED", "MINIMUM"}
        ),
        ZERO,
    )
    floor = version.annual_minimum * minutes / year_minutes
    if charged >= floor:
        return []
    share = Decimal(minutes) / year_minutes
    return [
        ChargeLine(
            kind="MINIMUM",
            description="Annual minimum charge top-up",
            quantity=share,
            unit_price=version.annual_minimum,
            amount=Money.rounded(
                floor - charged, currency=version.currency, rounding=version.rounding
            ),
            tariff=f"{tariff.code} {version.version}",
            rule="annual minimum × share of the year covered, less the year's energy, demand, "
            "fixed and monthly minimum charges",
            month=month,
            part="minimum",
        )
    ]


def rate_total(
    *,
    tariff: tariffs.Tariff,
    month: date,
    quantity: Decimal,
    customer: Customer | None = None,
) -> tuple[ChargeLine, ...]:
    """
    Price a whole month's metered quantity (a register read) under the version in force.

    :raises InvalidUsage: if the quantity is negative or the tariff has time-of-use periods or
        demand charges, which need interval data.
    :raises NoTariffInForce: if no version is in force on the month's first day.
    """
    if quantity < 0:
        raise InvalidUsage("A monthly quantity cannot be negative", details={"q": str(quantity)})
    first = month.replace(day=1)
    version = tariff.in_force(on=first)
    periods = len(version.energy.periods) if version.energy else 1
    if periods != 1 or version.demand is not None or version.flat_demand is not None:
        raise InvalidUsage("This tariff needs interval data (time of use or demand)")
    days = calendar.monthrange(first.year, first.month)[1]
    usage = MonthUsage(
        month=f"{first.year:04d}-{first.month:02d}",
        minutes_covered=days * MINUTES_A_DAY,
        days_in_month=days,
        energy_by_period=(quantity,),
        export_by_period=(ZERO,),
        demand_by_period=(),
        peak_kw=ZERO,
        calendar_month=first.month,
    )
    return rate_month(tariff=tariff, version=version, usage=usage, customer=customer)
