"""
Rate a month of residential energy for many homes with the batch engine (and a sample with the
reference engine), under a Colombian tariff with subsidies and contributions.

    .venv/bin/python -m benchmarks.bench_rating_residential --homes 1000000

Prints JSON: homes, lines, seconds and homes per second for each engine.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date
from decimal import Decimal

import numpy as np
import polars as pl

from urbis.domain import rating, tariffs
from urbis.kernel.money import Rounding
from urbis.kernel.periods import Period

VERSION = tariffs.TariffVersion(
    code="CODENSA-RES-NT1",
    version="2017-07",
    active=Period(date(2017, 7, 1), date(2017, 8, 1)),
    currency="COP",
    rounding=Rounding.HALF_UP,
    energy=tariffs.ResidentialEnergyTariff(
        unit_cost=Decimal("437.9027"),
        subsidised_price=((1, Decimal("198.8133")), (2, Decimal("248.5168"))),
        fixed_charge=Decimal("0"),
    ),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--homes", type=int, default=1_000_000)
    parser.add_argument("--reference-sample", type=int, default=20_000)
    args = parser.parse_args()
    rng = np.random.default_rng(5)
    usage = pl.DataFrame(
        {
            "account": pl.int_range(0, args.homes, eager=True).cast(pl.String),
            "kwh_milli": rng.gamma(2.0, 80_000, args.homes).astype(np.int64),
            "stratum": rng.choice(
                np.arange(1, 7), args.homes, p=[0.1, 0.35, 0.35, 0.1, 0.06, 0.04]
            ),
            "altitude_m": rng.choice([200, 1495, 2640], args.homes),
        }
    )
    started = time.perf_counter()
    lines = rating.rate_residential_batch(version=VERSION, usage=usage)
    batch_seconds = time.perf_counter() - started
    sample = usage.head(args.reference_sample).rows()
    started = time.perf_counter()
    for _, kwh_milli, stratum, altitude in sample:
        rating.rate_residential_month(
            version=VERSION,
            kwh=Decimal(kwh_milli).scaleb(-3),
            stratum=stratum,
            altitude_m=altitude,
        )
    reference_seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "benchmark": "rating_residential_month",
                "homes": args.homes,
                "lines": lines.height,
                "batch_seconds": round(batch_seconds, 2),
                "batch_homes_per_second": round(args.homes / batch_seconds),
                "reference_homes_per_second": round(len(sample) / reference_seconds),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
