"""
Time the agent's search (by account number, document, meter serial, phone, name, address)
on a seeded database, through the use case.

    .venv/bin/python -m benchmarks.bench_search --url sqlite:///var/urbis.sqlite3

Prints JSON with p50/p99 milliseconds per kind of key.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time

import sqlalchemy as sa

from urbis import bootstrap
from urbis.application.accounts import queries
from urbis.domain import accounts, identity
from urbis.kernel import ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--tenant", default="demo")
    parser.add_argument("--samples", type=int, default=40)
    args = parser.parse_args()
    container = bootstrap.build(url=args.url)
    with container.uow() as uow:
        tenant = uow.tenants.by_code(args.tenant)
    assert tenant is not None, f"no tenant {args.tenant}"
    env = container.env(
        identity.Actor(
            user_id=ids.UserId("bench"), tenant_id=tenant.id, roles=frozenset({identity.Role.AGENT})
        )
    )
    rng = random.Random(7)
    with container.engine.connect() as connection:
        total = connection.execute(
            sa.text("SELECT count(*) FROM accounts WHERE tenant_id = :t"), {"t": tenant.id}
        ).scalar_one()
        numbers = [
            accounts.account_number(sequence=rng.randrange(1, total + 1))
            for _ in range(args.samples)
        ]
        rows = [
            connection.execute(
                sa.text(
                    "SELECT a.number, p.document_number, p.name, m.serial, c.value, pr.address "
                    "FROM accounts a JOIN parties p ON p.id = a.holder_id "
                    "JOIN agreements g ON g.account_id = a.id "
                    "JOIN service_points s ON s.id = g.service_point_id "
                    "JOIN premises pr ON pr.id = s.premise_id "
                    "LEFT JOIN meter_installations i ON i.service_point_id = s.id "
                    "LEFT JOIN meters m ON m.id = i.meter_id "
                    "LEFT JOIN contact_points c ON c.party_id = p.id AND c.kind = 'MOBILE' "
                    "WHERE a.tenant_id = :t AND a.number = :n AND s.service = 'ELECTRICITY'"
                ),
                {"t": tenant.id, "n": number},
            ).one()
            for number in numbers
        ]
    keys = {
        "account_number": [r[0] for r in rows],
        "document": [r[1] for r in rows],
        "meter_serial": [r[3] for r in rows],
        "phone": [r[4][3:] for r in rows if r[4]],
        "name": [" ".join(r[2].split()[-2:]) for r in rows],
        "address": [r[5].split(",")[0] for r in rows],
    }
    result: dict[str, object] = {"benchmark": "agent_search", "accounts": total}
    for kind, values in keys.items():
        timings = []
        for value in values:
            started = time.perf_counter()
            queries.search(env=env, text=value, limit=20)
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        result[kind] = {
            "p50_ms": round(statistics.median(timings), 1),
            "p99_ms": round(timings[min(len(timings) - 1, int(len(timings) * 0.99))], 1),
        }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
