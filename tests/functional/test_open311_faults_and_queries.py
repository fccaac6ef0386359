"""
Open311 on the running urbis server: utility faults become field service orders, residents and
city systems read requests back with the GeoReport filters and tokens (JSON and XML), and
refused requests are kept for review without their api key.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import xmltodict  # type: ignore[import-untyped]
from georeport import GeoReport  # type: ignore[import-untyped]

from tests import servers
from urbis import bootstrap
from urbis.adapters import system
from urbis.adapters.db.city_services import ServiceRequestRepository
from urbis.adapters.open311 import catalogue as catalogue_file
from urbis.application.city_services import open311
from urbis.application.city_services.ports import Open311Env
from urbis.bootstrap import engagement as engagement_wiring
from urbis.domain import identity
from urbis.interfaces.api.open311 import DEMO_KEY
from urbis.kernel import ids

START = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
JURISDICTION = "medellin.gov.co"
LEAK = {
    "service_code": ["AGUA-FUGA"],
    "lat": ["6.2442"],
    "long": ["-75.5812"],
    "description": ["Sale mucha agua frente al colegio"],
    "attribute[SEVERIDAD]": ["CHORRO"],
    "api_key": [DEMO_KEY],
}
TRASH = {"service_code": ["BASURAS"], "address_string": ["Parque Berrío"], "api_key": [DEMO_KEY]}
LIGHT = {
    "service_code": ["ALUMBRADO"],
    "address_string": ["Cra 70 # 44-10"],
    "attribute[FALLA]": ["APAGADA"],
    "api_key": [DEMO_KEY],
}


class City:
    def __init__(self, container: bootstrap.App, clock: system.FixedClock, root: str) -> None:
        self.container = container
        self.clock = clock
        self.root = root

    def post(self, fields: dict[str, list[str]], fmt: str = "json") -> tuple[int, Any]:
        data = urlencode(fields, doseq=True).encode()
        request = urllib.request.Request(f"{self.root}/requests.{fmt}", data=data, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as exc:
            with exc:
                status, body = exc.code, exc.read()
        return status, json.loads(body) if fmt == "json" else body

    def get(self, resource: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(f"{self.root}/{resource}", timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, exc.read()

    def rows(self, sql: str, **params: Any) -> list[Any]:
        with self.container.engine.connect() as connection:
            return list(connection.exec_driver_sql(sql, tuple(params.values())).all())

    def count(self, table: str) -> int:
        value: int = self.rows(f"SELECT count(*) FROM {table}")[0][0]
        return value

    def counts(self) -> tuple[int, ...]:
        return tuple(self.count(t) for t in ("service_requests", "cases", "service_orders"))

    def account(self) -> tuple[str, str]:
        """The showcase customer's account: (id, number)."""
        ((account_id, number),) = self.rows("SELECT id, number FROM accounts")
        return account_id, number


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[City]:
    clock = system.FixedClock(START)
    container = servers.demo_container(tmp_path_factory.mktemp("faults"), clock=clock)
    with servers.serving(container) as url:
        yield City(container, clock, f"{url}/open311/v2")


def client(city: City, fmt: str) -> GeoReport:
    return GeoReport(city.root, jurisdiction=JURISDICTION, output_format=fmt)


def listed(found: Any) -> list[dict[str, Any]]:
    """GeoReport answers as a list (xmltodict gives one request as a dict, none as None)."""
    if found is None:
        return []
    return found if isinstance(found, list) else [found]


class TestUtilityFaultsBecomeServiceOrders:
    def test_a_leak_naming_the_residents_account_opens_a_service_order_linked_from_it(
        self, city: City
    ) -> None:
        account_id, number = city.account()
        orders_before = city.count("service_orders")

        status, answer = city.post({**LEAK, "account_id": [number]})

        assert status == 201, answer
        request_id = answer[0]["service_request_id"]
        ((case_id, order_id),) = city.rows(
            "SELECT case_id, service_order_id FROM service_requests WHERE id = ?", id=request_id
        )
        assert order_id is not None
        ((kind, order_status, order_account, source, reason),) = city.rows(
            "SELECT kind, status, account_id, source, reason FROM service_orders WHERE id = ?",
            id=order_id,
        )
        assert (kind, order_status, order_account) == ("INSPECTION", "OPEN", account_id)
        assert source == f"open311:{case_id}"
        assert "redes-acueducto" in reason
        assert "SEVERIDAD: CHORRO" in reason
        assert city.count("service_orders") == orders_before + 1

    def test_a_leak_naming_an_unknown_account_is_refused_and_creates_nothing(
        self, city: City
    ) -> None:
        before = city.counts()

        status, answer = city.post({**LEAK, "account_id": ["NO-SUCH-ACCOUNT"]})

        assert status == 400
        assert answer[0]["code"] == 400
        assert "invalid_request_field" in answer[0]["description"]
        assert city.counts() == before

    def test_a_leak_without_an_account_files_the_case_without_an_order(self, city: City) -> None:
        requests, cases, orders = city.counts()

        status, answer = city.post(LEAK)

        assert status == 201
        ((order_id,),) = city.rows(
            "SELECT service_order_id FROM service_requests WHERE id = ?",
            id=answer[0]["service_request_id"],
        )
        assert order_id is None
        assert city.counts() == (requests + 1, cases + 1, orders)

    def test_a_report_that_is_not_a_utility_fault_opens_no_order(self, city: City) -> None:
        _, number = city.account()
        orders = city.count("service_orders")

        status, _ = city.post({**TRASH, "account_id": [number]})

        assert status == 201
        assert city.count("service_orders") == orders


@pytest.fixture(scope="module")
def filed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[City, dict[str, str]]]:
    """
    A city of its own with three reports on three days (a leak, trash, a street light), the
    trash one closed, and a batch report (a token).
    """
    clock = system.FixedClock(START)
    container = servers.demo_container(tmp_path_factory.mktemp("queries"), clock=clock)
    with servers.serving(container) as url:
        city = City(container, clock, f"{url}/open311/v2")
        made: dict[str, str] = {}
        for day, (name, fields) in enumerate([("leak", LEAK), ("trash", TRASH), ("light", LIGHT)]):
            clock.at = START + timedelta(days=day)
            status, answer = city.post(fields)
            assert status == 201, answer
            made[name] = answer[0]["service_request_id"]
        clock.at = START + timedelta(days=3)
        status, answer = city.post(
            {"service_code": ["CONEXION-ILEGAL"], "address_string": ["Cra 50 # 40-10"]}
            | {"api_key": [DEMO_KEY]}
        )
        assert status == 201, answer
        made["token"] = answer[0]["token"]
        _close(container, made["trash"])
        clock.at = START + timedelta(days=4)
        yield city, made


def _close(container: bootstrap.App, request_id: str) -> None:
    catalogue = catalogue_file.load_catalogue_file()
    with container.uow() as uow:
        tenant = uow.tenants.by_code("demo")
    assert tenant is not None
    actor = identity.Actor(
        user_id=ids.UserId("open311"), tenant_id=tenant.id, roles=frozenset({identity.Role.AGENT})
    )
    with container.engine.begin() as connection:
        env = Open311Env(
            tenant_id=tenant.id,
            catalogue=catalogue,
            requests=ServiceRequestRepository(connection, catalogue),
            api_keys=_NoKeys(),
            clock=container.clock,
            ids=container.ids,
            engagement=engagement_wiring.database_env(
                container=container, actor=actor, connection=connection
            ),
        )
        open311.close_request(env=env, service_request_id=request_id, status_notes="Recogido")


class _NoKeys:
    def is_valid(self, key: str) -> bool:
        return False


def w3(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


@pytest.mark.parametrize("fmt", ["json", "xml"])
class TestReadingRequestsBack:
    def test_by_service_code(self, filed: tuple[City, dict[str, str]], fmt: str) -> None:
        city, made = filed

        found = listed(client(city, fmt).get_service_requests(service_code="AGUA-FUGA,ALUMBRADO"))

        assert sorted(r["service_request_id"] for r in found) == sorted(
            [made["leak"], made["light"]]
        )

    def test_by_status(self, filed: tuple[City, dict[str, str]], fmt: str) -> None:
        city, made = filed

        closed = listed(client(city, fmt).get_service_requests(status="closed"))
        opened = listed(client(city, fmt).get_service_requests(status="open"))

        assert [(r["service_request_id"], r["status"]) for r in closed] == [
            (made["trash"], "closed")
        ]
        assert closed[0]["status_notes"] == "Recogido"
        assert made["trash"] not in {r["service_request_id"] for r in opened}
        assert {made["leak"], made["light"]} <= {r["service_request_id"] for r in opened}

    def test_by_dates(self, filed: tuple[City, dict[str, str]], fmt: str) -> None:
        city, made = filed

        found = listed(
            client(city, fmt).get_service_requests(
                start_date=w3(START + timedelta(hours=12)),
                end_date=w3(START + timedelta(days=2, hours=1)),
            )
        )

        assert sorted(r["service_request_id"] for r in found) == sorted(
            [made["trash"], made["light"]]
        )

    def test_a_list_of_ids_overrides_the_other_filters(
        self, filed: tuple[City, dict[str, str]], fmt: str
    ) -> None:
        city, made = filed

        found = listed(
            client(city, fmt).get_service_requests(
                service_request_id=f"{made['leak']},{made['trash']}", service_code="ALUMBRADO"
            )
        )

        assert sorted(r["service_request_id"] for r in found) == sorted(
            [made["leak"], made["trash"]]
        )

    def test_a_range_over_90_days_is_the_specs_400(
        self, filed: tuple[City, dict[str, str]], fmt: str
    ) -> None:
        city, _ = filed
        query = urlencode({"start_date": w3(START - timedelta(days=100)), "end_date": w3(START)})

        status, body = city.get(f"requests.{fmt}?{query}")

        assert status == 400
        if fmt == "json":
            assert json.loads(body)[0]["code"] == 400
        else:
            assert xmltodict.parse(body)["errors"]["error"]["code"] == "400"

    def test_a_token_leads_to_its_request_and_an_unknown_one_is_404(
        self, filed: tuple[City, dict[str, str]], fmt: str
    ) -> None:
        city, made = filed

        status, body = city.get(f"tokens/{made['token']}.{fmt}")
        missing, _ = city.get(f"tokens/no-such-token.{fmt}")

        assert (status, missing) == (200, 404)
        if fmt == "json":
            (answer,) = json.loads(body)
        else:
            answer = xmltodict.parse(body)["service_requests"]["request"]
        assert answer["token"] == made["token"]
        request_status, request_body = city.get(f"requests/{answer['service_request_id']}.json")
        assert request_status == 200
        assert json.loads(request_body)[0]["service_code"] == "CONEXION-ILEGAL"


class TestRefusedRequestsAreKeptForReview:
    def test_a_wrong_key_is_kept_without_the_key(self, city: City) -> None:
        before = city.count("rejected_payloads")

        status, _ = city.post({**LEAK, "api_key": ["a-leaked-secret-key"]})

        assert status == 403
        assert city.count("rejected_payloads") == before + 1
        ((raw, code),) = city.rows(
            "SELECT raw, error_code FROM rejected_payloads ORDER BY received_at DESC, id DESC"
            " LIMIT 1"
        )
        body = json.loads(raw)["body"] if isinstance(raw, str) else raw["body"]
        assert code == "invalid_api_key"
        assert "a-leaked-secret-key" not in body
        assert "service_code=AGUA-FUGA" in body
        assert "api_key=%28removed%29" in body

    def test_a_missing_location_is_kept(self, city: City) -> None:
        before = city.count("rejected_payloads")

        status, _ = city.post({"service_code": ["BASURAS"], "api_key": [DEMO_KEY]}, fmt="xml")

        assert status == 400
        assert city.count("rejected_payloads") == before + 1
        codes = [c for (c,) in city.rows("SELECT error_code FROM rejected_payloads")]
        assert "location_required" in codes

    def test_other_refusals_are_answered_but_not_kept(self, city: City) -> None:
        before = city.count("rejected_payloads")

        status, _ = city.post({**LEAK, "service_code": ["NO-SUCH-SERVICE"]})

        assert status == 404
        assert city.count("rejected_payloads") == before


def test_the_catalogue_comes_from_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalogue = tmp_path / "bogota.yaml"
    catalogue.write_text(
        "jurisdiction_id: bogota.gov.co\n"
        "services:\n"
        "  - {code: HUECO, name: Hueco en la vía, group: Vías, team: vias}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("URBIS_OPEN311_CATALOGUE", str(catalogue))
    container = servers.demo_container(tmp_path)

    with servers.serving(container) as url:
        services = GeoReport(
            f"{url}/open311/v2", jurisdiction="bogota.gov.co", output_format="json"
        ).get_service_list()
        status, _ = City(container, system.FixedClock(START), f"{url}/open311/v2").get(
            "services.json?jurisdiction_id=medellin.gov.co"
        )

    assert [s["service_code"] for s in services] == ["HUECO"]
    assert status == 404
