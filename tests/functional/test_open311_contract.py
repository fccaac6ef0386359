"""
The Open311 server against the published GeoReport v2 contract (the patched Swagger file in
../shared/data/open311/schemas), with schemathesis generating requests: no server errors, and
every successful answer conforms to the schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests import servers, shared_data

SCHEMA = (
    Path(__file__).resolve().parents[2]
    / ".."
    / "shared"
    / "data"
    / "open311"
    / "schemas"
    / "schema_swagger_patched.json"
)

shared_data.require(SCHEMA, what="the GeoReport v2 Swagger schema of ../shared/data")

schema = schemathesis.openapi.from_path(str(SCHEMA))


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with servers.serving(servers.demo_container(tmp_path_factory.mktemp("contract"))) as url:
        yield f"{url}/open311/v2"


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_server_keeps_the_georeport_contract(
    case: schemathesis.Case[Any], base_url: str
) -> None:
    response = case.call(base_url=base_url)

    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
