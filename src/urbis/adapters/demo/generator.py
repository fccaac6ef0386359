"""
Generate the demo utility as columnar frames, deterministically from a seed.

Each batch of N accounts yields one premise per account with electricity, water and sewer
service points, electricity and water meters (a fifth of electricity meters are smart
interval meters), the holder (a person for homes, an organisation otherwise) with contacts
and consents, and agreements under the tariff of the premise's use.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import attrs
import numpy as np
import polars as pl

from urbis.adapters.db.repositories import searchable_column
from urbis.adapters.demo import city
from urbis.kernel import ids

_NIT_WEIGHTS = np.array([3, 7, 13, 17, 19, 23, 29, 37, 41], dtype=np.int64)
_LUHN_DOUBLE = np.array([0, 2, 4, 6, 8, 1, 3, 5, 7, 9], dtype=np.int64)
_EPOCH = date(2005, 1, 1)
_CYCLES = 20


@attrs.frozen
class Batch:
    """One batch of generated rows, ready for bulk insert, in foreign-key order."""

    frames: tuple[tuple[str, pl.DataFrame], ...]
    accounts: int

    @property
    def rows(self) -> int:
        return sum(frame.height for _, frame in self.frames)


def _pick(rng: np.random.Generator, options: tuple[str, ...], n: int) -> pl.Series:
    return pl.Series(options).gather(rng.integers(0, len(options), n))


def nit_check_digits(bases: np.ndarray) -> np.ndarray:
    """Vectorised DIAN check digits for 9-digit NIT bases."""
    digits = np.stack([(bases // 10**k) % 10 for k in range(9)], axis=1)
    remainder = (digits * _NIT_WEIGHTS).sum(axis=1) % 11
    checks: np.ndarray = np.where(remainder < 2, remainder, 11 - remainder)
    return checks


def luhn_check_digits(sequences: np.ndarray) -> np.ndarray:
    """Vectorised Luhn check digits for 9-digit account sequences."""
    total = np.zeros(len(sequences), dtype=np.int64)
    for position in range(9):
        digit = (sequences // 10**position) % 10
        total += _LUHN_DOUBLE[digit] if position % 2 == 0 else digit
    return (10 - total % 10) % 10


def _ids(run: str, letter: str, start: int, n: int) -> pl.Series:
    """26-character ids: the run's 10-character prefix, an entity letter, a 15-digit counter."""
    counter = pl.int_range(start, start + n, eager=True).cast(pl.String).str.zfill(15)
    return (run + letter) + counter


def generate(
    *,
    tenant_id: str,
    run: str,
    accounts: int,
    seed: int,
    first_sequence: int = 1,
    batch_size: int = 100_000,
    as_at: datetime,
) -> Iterator[Batch]:
    """
    Yield batches of the demo utility's rows; the same seed always gives the same utility.

    ``run`` is a 10-character id prefix unique to this seeding run, so two runs never collide.
    """
    if len(run) != 10:
        raise ValueError("run prefixes have 10 characters")
    rng = np.random.default_rng(seed)
    made = 0
    while made < accounts:
        n = min(batch_size, accounts - made)
        yield _batch(
            rng=rng,
            tenant_id=tenant_id,
            run=run,
            start=made,
            n=n,
            first_sequence=first_sequence + made,
            as_at=as_at,
        )
        made += n


def _places(rng: np.random.Generator, n: int) -> pl.DataFrame:
    use = rng.choice(list(city.USE_SHARES), size=n, p=list(city.USE_SHARES.values()))
    stratum = rng.choice(np.arange(1, 7), size=n, p=city.STRATUM_SHARES)
    hood_pick = rng.random(n)
    rows_stratum, rows_name, rows_lat, rows_lon, rows_alt = [], [], [], [], []
    for s in range(1, 7):
        hoods = city.NEIGHBOURHOODS[s]
        rows_stratum += [s] * len(hoods)
        rows_name += [h[0] for h in hoods]
        rows_lat += [h[1] for h in hoods]
        rows_lon += [h[2] for h in hoods]
        rows_alt += [h[3] for h in hoods]
    for u, hoods in city.NON_RESIDENTIAL.items():
        code = {"COMMERCIAL": 7, "INDUSTRIAL": 8, "OFFICIAL": 9}[u]
        rows_stratum += [code] * len(hoods)
        rows_name += [h[0] for h in hoods]
        rows_lat += [h[1] for h in hoods]
        rows_lon += [h[2] for h in hoods]
        rows_alt += [h[3] for h in hoods]
    table = pl.DataFrame(
        {
            "group": rows_stratum,
            "hood": rows_name,
            "lat": rows_lat,
            "lon": rows_lon,
            "alt": rows_alt,
        }
    )
    group = np.where(
        use == "RESIDENTIAL",
        stratum,
        np.select([use == "COMMERCIAL", use == "INDUSTRIAL"], [7, 8], default=9),
    )
    sizes = table.group_by("group").len().sort("group")
    offsets = dict(
        zip(sizes["group"].to_list(), np.cumsum([0, *sizes["len"].to_list()[:-1]]), strict=True)
    )
    counts = dict(zip(sizes["group"].to_list(), sizes["len"].to_list(), strict=True))
    table = table.sort("group", maintain_order=True)
    row = np.array([offsets[g] for g in group]) + (
        hood_pick * np.array([counts[g] for g in group])
    ).astype(np.int64)
    picked = table[row]
    return pl.DataFrame(
        {
            "use_class": use,
            "stratum": np.where(use == "RESIDENTIAL", stratum, 0),
            "hood": picked["hood"],
            "lat": picked["lat"].to_numpy() + rng.normal(0, 0.004, n),
            "lon": picked["lon"].to_numpy() + rng.normal(0, 0.004, n),
            "alt": picked["alt"].to_numpy() + rng.integers(-40, 41, n),
            "group": group,
        }
    )


def _batch(
    *,
    rng: np.random.Generator,
    tenant_id: str,
    run: str,
    start: int,
    n: int,
    first_sequence: int,
    as_at: datetime,
) -> Batch:
    places = _places(rng, n)
    residential = (places["use_class"] == "RESIDENTIAL").to_numpy()
    # documents, serials and e-mails follow the account sequence, so later runs never repeat them
    index = np.arange(first_sequence - 1, first_sequence - 1 + n, dtype=np.int64)

    party_id = _ids(run, "P", start, n)
    premise_id = _ids(run, "R", start, n)
    account_id = _ids(run, "A", start, n)

    # holders: people for homes, organisations otherwise
    given = _pick(rng, city.GIVEN_NAMES, n)
    surname1 = _pick(rng, city.SURNAMES, n)
    surname2 = _pick(rng, city.SURNAMES, n)
    second_part = pl.Series(["" if not s else f" {s}" for s in city.SECOND_NAMES]).gather(
        rng.integers(0, len(city.SECOND_NAMES), n)
    )
    person_name = given + second_part + " " + surname1 + " " + surname2
    business = (
        _pick(rng, city.BUSINESS_KINDS, n)
        + " "
        + _pick(rng, city.BUSINESS_NAMES, n)
        + " "
        + _pick(rng, city.COMPANY_SUFFIXES, n)
    )
    industry = (
        _pick(rng, city.INDUSTRY_KINDS, n)
        + " "
        + surname1
        + " "
        + _pick(rng, city.COMPANY_SUFFIXES, n)
    )
    official = _pick(rng, city.OFFICIAL_NAMES, n) + " " + places["hood"]
    use = places["use_class"]
    name = (
        pl.select(
            pl.when(pl.lit(use) == "RESIDENTIAL")
            .then(pl.lit(person_name))
            .when(pl.lit(use) == "COMMERCIAL")
            .then(pl.lit(business))
            .when(pl.lit(use) == "INDUSTRIAL")
            .then(pl.lit(industry))
            .otherwise(pl.lit(official))
        )
        .to_series()
        .alias("name")
    )
    cc = (10_000_000 + index * 37 + rng.integers(0, 37, n)).astype(np.int64)
    nit_base = (900_000_000 + index * 29 + rng.integers(0, 29, n)).astype(np.int64) % 1_000_000_000
    nit = (
        pl.Series(nit_base).cast(pl.String)
        + "-"
        + pl.Series(nit_check_digits(nit_base)).cast(pl.String)
    )
    parties = pl.DataFrame(
        {
            "id": party_id,
            "tenant_id": tenant_id,
            "kind": np.where(residential, "PERSON", "ORGANISATION"),
            "name": name,
            "name_search": searchable_column(name),
            "document_type": np.where(residential, "CC", "NIT"),
            "document_number": np.where(residential, pl.Series(cc).cast(pl.String), nit),
            "document_country": "CO",
        }
    )

    mobile = (
        "+573"
        + pl.Series(rng.integers(0, 6, n) + 0).cast(pl.String)
        + pl.Series(rng.integers(10_000_000, 99_999_999, n)).cast(pl.String)
    )
    email_user = (
        searchable_column(given).str.replace_all(" ", "")
        + "."
        + searchable_column(surname1).str.replace_all(" ", "")
        + pl.Series(index % 1000).cast(pl.String)
    )
    email = email_user + "@" + _pick(rng, city.EMAIL_DOMAINS, n)
    has_mobile = rng.random(n) < 0.86
    has_email = rng.random(n) < 0.52
    contact_frames = [
        pl.DataFrame(
            {
                "tenant_id": tenant_id,
                "party_id": party_id.filter(has_mobile),
                "position": 0,
                "kind": "MOBILE",
                "value": mobile.filter(has_mobile),
                "preferred": True,
            }
        ),
        pl.DataFrame(
            {
                "tenant_id": tenant_id,
                "party_id": party_id.filter(has_email),
                "position": 1,
                "kind": "EMAIL",
                "value": email.filter(has_email),
                "preferred": ~has_mobile[has_email],
            }
        ),
    ]
    contact_points = pl.concat(contact_frames)
    whatsapp = has_mobile & (rng.random(n) < 0.45)
    consent_at = pl.Series([as_at]).dt.cast_time_unit("us")[0]
    consents = pl.concat(
        [
            pl.DataFrame(
                {
                    "tenant_id": tenant_id,
                    "party_id": party_id.filter(has_email),
                    "channel": "EMAIL",
                    "purpose": "SERVICE",
                    "granted": True,
                    "recorded_at": pl.Series(
                        [consent_at] * int(has_email.sum()), dtype=pl.Datetime("us", "UTC")
                    ),
                    "source": "contrato",
                }
            ),
            pl.DataFrame(
                {
                    "tenant_id": tenant_id,
                    "party_id": party_id.filter(whatsapp),
                    "channel": "WHATSAPP",
                    "purpose": "SERVICE",
                    "granted": True,
                    "recorded_at": pl.Series(
                        [consent_at] * int(whatsapp.sum()), dtype=pl.Datetime("us", "UTC")
                    ),
                    "source": "llamada",
                }
            ),
        ]
    )

    street_type = pl.Series(city.STREET_TYPES).gather(
        rng.choice(len(city.STREET_TYPES), size=n, p=city.STREET_TYPE_SHARES)
    )
    unit_kind = _pick(rng, city.UNIT_KINDS, n)
    unit = pl.select(
        pl.when(pl.lit(unit_kind) == "")
        .then(pl.lit(""))
        .otherwise(
            " " + pl.lit(unit_kind) + pl.lit(pl.Series(rng.integers(101, 1599, n)).cast(pl.String))
        )
    ).to_series()
    address = (
        street_type
        + " "
        + pl.Series(rng.integers(1, 120, n)).cast(pl.String)
        + _pick(rng, city.STREET_SUFFIXES, n)
        + " # "
        + pl.Series(rng.integers(1, 99, n)).cast(pl.String)
        + _pick(rng, ("", "", "", "A", "B"), n)
        + "-"
        + pl.Series(rng.integers(1, 99, n)).cast(pl.String)
        + unit
        + ", "
        + places["hood"]
    )
    premises = pl.DataFrame(
        {
            "id": premise_id,
            "tenant_id": tenant_id,
            "address": address,
            "address_search": searchable_column(address + " " + city.CITY),
            "city": city.CITY,
            "department": city.DEPARTMENT,
            "country": city.COUNTRY,
            "use_class": places["use_class"],
            "stratum": pl.Series(places["stratum"]).replace(0, None).cast(pl.Int16),
            "latitude": places["lat"].round(6).cast(pl.String),
            "longitude": places["lon"].round(6).cast(pl.String),
            "altitude_m": places["alt"],
        }
    )

    services = ("ELECTRICITY", "WATER", "SEWER")
    point_ids = {s: _ids(run, f"{'EWS'[k]}", start, n) for k, s in enumerate(services)}
    service_points = pl.concat(
        [
            pl.DataFrame(
                {"id": point_ids[s], "tenant_id": tenant_id, "premise_id": premise_id, "service": s}
            )
            for s in services
        ]
    )

    smart = rng.random(n) < 0.2
    meter_e = _ids(run, "M", start, n)
    meter_w = _ids(run, "N", start, n)
    meters = pl.concat(
        [
            pl.DataFrame(
                {
                    "id": meter_e,
                    "tenant_id": tenant_id,
                    "serial": "E" + pl.Series(index + 10_000_000).cast(pl.String),
                    "service": "ELECTRICITY",
                    "kind": np.where(smart, "INTERVAL", "REGISTER"),
                    "multiplier": np.where(places["use_class"] == "INDUSTRIAL", "40", "1"),
                    "dials": np.where(smart, 6, 5).astype(np.int16),
                }
            ),
            pl.DataFrame(
                {
                    "id": meter_w,
                    "tenant_id": tenant_id,
                    "serial": "A" + pl.Series(index + 10_000_000).cast(pl.String),
                    "service": "WATER",
                    "kind": "REGISTER",
                    "multiplier": "1",
                    "dials": np.full(n, 4, dtype=np.int16),
                }
            ),
        ]
    )
    since = pl.Series([_EPOCH], dtype=pl.Date).to_numpy()[0] + rng.integers(
        0, (as_at.date() - _EPOCH).days - 60, n
    ).astype("timedelta64[D]")
    since_dates = pl.Series("since", since).cast(pl.Date)
    installations = pl.concat(
        [
            pl.DataFrame(
                {
                    "tenant_id": tenant_id,
                    "meter_id": meter,
                    "service_point_id": point_ids[service],
                    "installed_from": since_dates,
                    "installed_to": pl.Series([None] * n, dtype=pl.Date),
                }
            )
            for meter, service in ((meter_e, "ELECTRICITY"), (meter_w, "WATER"))
        ]
    )

    sequence = np.arange(first_sequence, first_sequence + n, dtype=np.int64)
    number = pl.Series(sequence).cast(pl.String).str.zfill(9) + pl.Series(
        luhn_check_digits(sequence)
    ).cast(pl.String)
    hood_cycle = places["hood"].hash(seed=7) % _CYCLES + 1
    accounts_frame = pl.DataFrame(
        {
            "id": account_id,
            "tenant_id": tenant_id,
            "number": number,
            "holder_id": party_id,
            "billing_cycle": "C" + hood_cycle.cast(pl.String).str.zfill(2),
            "bill_delivery": np.where(has_email & (rng.random(n) < 0.7), "EMAIL", "PAPER"),
            "language": np.where(rng.random(n) < 0.02, "en", "es"),
            "status": np.where(rng.random(n) < 0.015, "SUSPENDED", "ACTIVE"),
        }
    )
    use_code = places["use_class"].replace_strict(
        {"RESIDENTIAL": "RES", "COMMERCIAL": "COM", "INDUSTRIAL": "IND", "OFFICIAL": "OFI"}
    )
    tariff_prefix = {"ELECTRICITY": "MDE-E-", "WATER": "MDE-ACU-", "SEWER": "MDE-ALC-"}
    agreements = pl.concat(
        [
            pl.DataFrame(
                {
                    "id": _ids(
                        run, "G" if s == "ELECTRICITY" else ("H" if s == "WATER" else "J"), start, n
                    ),
                    "tenant_id": tenant_id,
                    "account_id": account_id,
                    "service_point_id": point_ids[s],
                    "tariff_code": tariff_prefix[s] + use_code,
                    "active_from": since_dates,
                    "active_to": pl.Series([None] * n, dtype=pl.Date),
                }
            )
            for s in services
        ]
    )
    return Batch(
        frames=(
            ("parties", parties),
            ("contact_points", contact_points),
            ("consents", consents),
            ("premises", premises),
            ("service_points", service_points),
            ("meters", meters),
            ("meter_installations", installations),
            ("accounts", accounts_frame),
            ("agreements", agreements),
        ),
        accounts=n,
    )


def run_prefix(*, at: datetime, salt: int) -> str:
    """A 10-character id prefix for one seeding run: its time, then salt to tell runs apart."""
    ulid = ids.make_ulid(at=at.astimezone(UTC), entropy=salt % 2**80)
    return ulid[:6] + ulid[-4:]
