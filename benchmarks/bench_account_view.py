"""
Time the 360° account view through the API (in-process ASGI), for random accounts of a
seeded database.

    .venv/bin/python -m benchmarks.bench_account_view --url sqlite:///var/urbis.sqlite3

Prints JSON with p50/p99 milliseconds. Target (DESIGN.md §4): p99 ≤ 20 ms among 1M accounts.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time

import sqlalchemy as sa
from fastapi.testclient import TestClient

from urbis import bootstrap
from urbis.bootstrap import demo
from urbis.domain import accounts
from urbis.interfaces.api import create_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    container = bootstrap.build(url=args.url)
    with container.engine.connect() as connection:
        total = connection.execute(
            sa.text(
                "SELECT count(*) FROM accounts a JOIN tenants t ON t.id = a.tenant_id "
                "WHERE t.code = :c"
            ),
            {"c": demo.TENANT_CODE},
        ).scalar_one()
    rng = random.Random(3)
    agent = demo.DEMO_USERS[1]
    with TestClient(create_app(container)) as client:
        login = client.post(
            "/api/v1/auth/token",
            json={
                "tenant": demo.TENANT_CODE,
                "username": agent.username,
                "password": agent.password,
            },
        )
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        account_ids = []
        for _ in range(args.requests):
            number = accounts.account_number(sequence=rng.randrange(1, total + 1))
            hit = client.get("/api/v1/search", params={"q": number}, headers=headers).json()
            account_ids.append(hit["items"][0]["account_id"])
        timings = []
        for account_id in account_ids:
            started = time.perf_counter()
            response = client.get(f"/api/v1/accounts/{account_id}/view", headers=headers)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
    timings.sort()
    print(
        json.dumps(
            {
                "benchmark": "account_view_api",
                "accounts": total,
                "requests": len(timings),
                "p50_ms": round(statistics.median(timings), 2),
                "p99_ms": round(timings[int(len(timings) * 0.99) - 1], 2),
                "max_ms": round(timings[-1], 2),
                "target_p99_ms": 20,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
