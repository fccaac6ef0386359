"""Open311 GeoReport v2 on the running urbis server, driven by the `georeport` client."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from georeport import GeoReport  # type: ignore[import-untyped]

from tests import servers
from urbis import bootstrap
from urbis.interfaces.api.open311 import DEMO_KEY

LEAK = {
    "service_code": ["AGUA-FUGA"],
    "lat": ["6.2442"],
    "long": ["-75.5812"],
    "description": ["Sale mucha agua frente al colegio"],
    "attribute[SEVERIDAD]": ["CHORRO"],
}


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[bootstrap.App, str]]:
    container = servers.demo_container(tmp_path_factory.mktemp("open311"))
    with servers.serving(container) as url:
        yield container, f"{url}/open311/v2"


def post(root: str, fields: dict[str, list[str]], fmt: str = "json") -> tuple[int, bytes]:
    data = urlencode(fields, doseq=True).encode()
    request = urllib.request.Request(f"{root}/requests.{fmt}", data=data, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read()


def count(container: bootstrap.App, table: str) -> int:
    with container.engine.connect() as connection:
        value: int = connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()
        return value


class TestOpen311OnTheServer:
    @pytest.mark.parametrize("fmt", ["json", "xml"])
    def test_a_resident_reports_a_leak_that_becomes_a_case_and_reads_it_back(
        self, city: tuple[bootstrap.App, str], fmt: str
    ) -> None:
        container, root = city
        cases_before = count(container, "cases")

        status, body = post(root, {**LEAK, "api_key": [DEMO_KEY]})
        request_id = json.loads(body)[0]["service_request_id"]
        client = GeoReport(root, jurisdiction="medellin.gov.co", output_format=fmt)
        services = client.get_service_list()
        definition = client.get_service_definition("AGUA-FUGA")
        one = client.get_service_request(request_id)

        assert status == 201
        assert "AGUA-FUGA" in [s["service_code"] for s in services]
        attributes = definition["attributes"]
        first = attributes[0] if fmt == "json" else attributes["attribute"][0]
        assert first["code"] == "SEVERIDAD"
        assert one["service_request_id"] == request_id
        assert one["status"] == "open"
        assert count(container, "cases") == cases_before + 1

    def test_a_request_without_a_key_is_a_403_in_the_specs_xml_and_creates_nothing(
        self, city: tuple[bootstrap.App, str]
    ) -> None:
        container, root = city
        before = (count(container, "service_requests"), count(container, "cases"))

        status, body = post(root, LEAK, fmt="xml")

        assert status == 403
        assert b"<errors><error><code>403</code>" in body
        assert (count(container, "service_requests"), count(container, "cases")) == before

    def test_a_request_without_a_location_is_a_400(self, city: tuple[bootstrap.App, str]) -> None:
        container, root = city
        before = count(container, "service_requests")

        status, body = post(root, {"service_code": ["BASURAS"], "api_key": [DEMO_KEY]})

        assert status == 400
        assert json.loads(body)[0]["code"] == 400
        assert count(container, "service_requests") == before

    def test_an_unknown_format_is_refused(self, city: tuple[bootstrap.App, str]) -> None:
        _, root = city

        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(f"{root}/services.csv", timeout=10)

        caught.value.close()
        assert caught.value.code == 400
