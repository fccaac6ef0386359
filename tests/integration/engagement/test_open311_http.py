"""
The Open311 use cases and formats behind a small loopback HTTP server, driven by the
``georeport`` client package: what an Open311 client reads is what the spec promises.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from georeport import GeoReport  # type: ignore[import-untyped]

from tests.unit.city_services.test_open311 import LEAK, World
from urbis.adapters.channels import smtp
from urbis.adapters.open311 import formats
from urbis.application.city_services import open311
from urbis.application.city_services.ports import Open311Env
from urbis.kernel import errors


def _route(
    env: Open311Env, method: str, path: str, fields: dict[str, list[str]]
) -> tuple[str, Any]:
    stem, _, _ = path.rpartition(".")
    parts = stem.strip("/").removeprefix("open311/v2/").split("/")
    one = {k: v[0] for k, v in fields.items() if v}
    jurisdiction = one.get("jurisdiction_id")
    if method == "POST" and parts == ["requests"]:
        return "service_requests", open311.submit_request(
            env=env, form=fields, api_key=one.get("api_key")
        )
    if parts == ["services"]:
        return "services", open311.list_services(env=env, jurisdiction_id=jurisdiction)
    if len(parts) == 2 and parts[0] == "services":
        return "service_definition", open311.service_definition(
            env=env, service_code=parts[1], jurisdiction_id=jurisdiction
        )
    if parts == ["requests"]:
        return "service_requests", open311.get_requests(env=env, query=fields)
    if len(parts) == 2 and parts[0] == "requests":
        return "service_requests", open311.get_request(
            env=env, service_request_id=parts[1], jurisdiction_id=jurisdiction
        )
    if len(parts) == 2 and parts[0] == "tokens":
        return "service_requests", open311.request_from_token(env=env, token=parts[1])
    raise errors.NotFound(f"No resource {path}")


def handler_for(env: Open311Env) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self, method: str) -> None:
            url = urlsplit(self.path)
            fields = parse_qs(url.query)
            if method == "POST":
                length = int(self.headers.get("Content-Length", "0"))
                fields.update(parse_qs(self.rfile.read(length).decode("utf-8")))
            fmt = url.path.rpartition(".")[2]
            try:
                document, payload = _route(env, method, url.path, fields)
                status = 201 if method == "POST" else 200
            except errors.DomainError as exc:
                document, payload, status = "errors", formats.error_document(exc), exc.status
            body, content_type = formats.render(document, payload, fmt=fmt)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@pytest.fixture
def server() -> Iterator[tuple[World, str]]:
    world = World()
    port = smtp.free_port()
    httpd = ThreadingHTTPServer(("127.0.0.1", port), handler_for(world.env))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield world, f"http://127.0.0.1:{port}/open311/v2"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def post(root: str, fields: dict[str, list[str]], fmt: str = "json") -> tuple[int, bytes]:
    data = urlencode(fields, doseq=True).encode()
    request = urllib.request.Request(f"{root}/requests.{fmt}", data=data, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


class TestOpen311OverHttp:
    @pytest.mark.parametrize("fmt", ["json", "xml"])
    def test_a_georeport_client_reads_services_definitions_and_requests(
        self, server: tuple[World, str], fmt: str
    ) -> None:
        _, root = server
        status, body = post(root, {**LEAK, "api_key": ["good-key"]})
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

    def test_a_post_without_a_key_gets_a_403_errors_document_in_xml(
        self, server: tuple[World, str]
    ) -> None:
        world, root = server

        status, body = post(root, LEAK, fmt="xml")

        assert status == 403
        assert b"<errors><error><code>403</code>" in body
        assert world.requests.rows == {}

    def test_a_post_without_a_location_gets_a_400_in_json(self, server: tuple[World, str]) -> None:
        _, root = server
        fields = {"service_code": ["BASURAS"], "api_key": ["good-key"]}

        status, body = post(root, fields)

        assert status == 400
        assert "location_required" in json.loads(body)[0]["description"]
