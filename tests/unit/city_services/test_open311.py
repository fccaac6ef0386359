from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import jsonschema
import pytest
from defusedxml import ElementTree as SafeXml

from tests import shared_data
from tests.unit.engagement import fakes
from urbis.adapters.open311 import catalogue as catalogue_file
from urbis.adapters.open311 import formats
from urbis.application.city_services import open311
from urbis.application.city_services.ports import Open311Env
from urbis.application.engagement import ports as engagement_ports
from urbis.domain import city_services, engagement

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "open311"
NOW = datetime(2026, 4, 14, 15, 0, tzinfo=UTC)
CATALOGUE = catalogue_file.load_catalogue_file()


class FakeRequests:
    def __init__(self) -> None:
        self.rows: dict[str, city_services.ServiceRequest] = {}

    def add(self, request: city_services.ServiceRequest) -> None:
        self.rows[request.id] = request

    def update(self, request: city_services.ServiceRequest) -> None:
        self.rows[request.id] = request

    def get(self, tenant_id: str, request_id: str) -> city_services.ServiceRequest | None:
        return self.rows.get(request_id)

    def by_token(self, tenant_id: str, token: str) -> city_services.ServiceRequest | None:
        return next((r for r in self.rows.values() if r.token == token), None)

    def search(
        self,
        tenant_id: str,
        *,
        service_codes: Sequence[str],
        statuses: Sequence[city_services.RequestStatus],
        start: datetime,
        end: datetime,
        limit: int,
    ) -> Sequence[city_services.ServiceRequest]:
        return [
            r
            for r in self.rows.values()
            if (not service_codes or r.submission.service.code in service_codes)
            and (not statuses or r.status in statuses)
            and start <= r.requested_at <= end
        ][:limit]


class FakeKeys:
    def is_valid(self, key: str) -> bool:
        return key == "good-key"


class FakeFieldWork:
    def __init__(self) -> None:
        self.orders: list[tuple[str, str]] = []

    def request_service_order(
        self,
        *,
        tenant_id: str,
        team: str,
        case_id: str,
        description: str,
        location: city_services.Location,
        account_number: str | None,
    ) -> str | None:
        self.orders.append((team, case_id))
        return f"so-{len(self.orders)}"


class World:
    def __init__(self) -> None:
        self.field_work = FakeFieldWork()
        self.clock = fakes.FakeClock(NOW)
        self.cases = fakes.FakeCases()
        self.requests = FakeRequests()
        ids = fakes.FakeIds()
        self.env = Open311Env(
            tenant_id=fakes.TENANT,
            catalogue=CATALOGUE,
            requests=self.requests,
            api_keys=FakeKeys(),
            clock=self.clock,
            ids=ids,
            engagement=engagement_ports.EngagementEnv(
                tenant_id=fakes.TENANT,
                actor_id="open311",
                clock=self.clock,
                ids=ids,
                directory=fakes.FakeDirectory(),
                interactions=fakes.FakeInteractions(),
                cases=self.cases,
                rejected=fakes.FakeRejected(),
                calendar=engagement.colombia_calendar(years=(2026,)),
            ),
            field_work=self.field_work,
        )


LEAK = {
    "service_code": ["AGUA-FUGA"],
    "lat": ["6.2442"],
    "long": ["-75.5812"],
    "description": ["Sale mucha agua frente al colegio"],
    "attribute[SEVERIDAD]": ["CHORRO"],
}


class TestCatalogue:
    def test_loads_the_demo_city_catalogue(self) -> None:
        assert CATALOGUE.jurisdiction_id == "medellin.gov.co"
        leak = CATALOGUE.get("AGUA-FUGA")
        assert leak is not None
        assert leak.metadata
        assert leak.utility_fault
        assert [a.code for a in leak.attributes] == ["SEVERIDAD", "MEDIDOR"]

    def test_refuses_repeated_service_codes(self) -> None:
        service = {"code": "A", "name": "a", "group": "g", "team": "t"}

        with pytest.raises(city_services.InvalidCatalogue):
            city_services.load_catalogue(data={"jurisdiction_id": "x", "services": [service] * 2})

    def test_refuses_a_list_attribute_without_values(self) -> None:
        attribute = {"code": "X", "datatype": "singlevaluelist", "order": 1, "description": "d"}
        service = {"code": "A", "name": "a", "group": "g", "team": "t", "attributes": [attribute]}

        with pytest.raises(city_services.InvalidCatalogue):
            city_services.load_catalogue(data={"jurisdiction_id": "x", "services": [service]})


class TestSubmitRequest:
    def test_creates_a_request_and_a_case_routed_to_the_services_team(self) -> None:
        world = World()

        (answer,) = open311.submit_request(env=world.env, form=LEAK, api_key="good-key")

        request = world.requests.rows[answer["service_request_id"]]
        (case,) = world.cases.rows.values()
        assert case.team == "redes-acueducto"
        assert "SEVERIDAD: CHORRO" in case.description
        assert request.case_id == case.id
        assert request.expected_at == NOW + timedelta(hours=24)
        assert answer["service_notice"].startswith("Una cuadrilla")

    def test_a_utility_fault_also_orders_field_work_and_other_reports_do_not(self) -> None:
        world = World()
        trash = {"service_code": ["BASURAS"], "address_string": ["Parque Berrío"]}

        (leak,) = open311.submit_request(env=world.env, form=LEAK, api_key="good-key")
        open311.submit_request(env=world.env, form=trash, api_key="good-key")

        request = world.requests.rows[leak["service_request_id"]]
        assert world.field_work.orders == [("redes-acueducto", request.case_id)]
        assert request.service_order_id == "so-1"

    def test_a_batch_service_answers_with_a_token_that_leads_to_the_request(self) -> None:
        world = World()
        batch = {"service_code": ["CONEXION-ILEGAL"], "address_string": ["Cra 50 # 40-10"]}

        (answer,) = open311.submit_request(env=world.env, form=batch, api_key="good-key")
        (from_token,) = open311.request_from_token(env=world.env, token=answer["token"])

        assert "service_request_id" not in answer
        assert from_token["service_request_id"] in world.requests.rows

    @pytest.mark.parametrize("key", [None, "", "stolen"])
    def test_refuses_a_missing_or_unknown_api_key(self, key: str | None) -> None:
        world = World()

        with pytest.raises(city_services.InvalidApiKey) as caught:
            open311.submit_request(env=world.env, form=LEAK, api_key=key)

        assert caught.value.status == 403
        assert world.requests.rows == {}
        assert world.cases.rows == {}

    @pytest.mark.parametrize(
        ("changes", "error"),
        [
            ({"lat": None, "long": None}, city_services.LocationRequired),
            ({"long": None}, city_services.InvalidLocation),
            ({"lat": ["91"]}, city_services.InvalidLocation),
            ({"lat": ["norte"]}, city_services.InvalidLocation),
            ({"service_code": None}, city_services.ServiceCodeRequired),
            ({"service_code": ["NOPE"]}, city_services.ServiceNotFound),
            ({"attribute[SEVERIDAD]": None}, city_services.InvalidAttribute),
            ({"attribute[SEVERIDAD]": ["MUCHA"]}, city_services.InvalidAttribute),
            ({"attribute[COLOR]": ["rojo"]}, city_services.InvalidAttribute),
            ({"description": ["x" * 4001]}, city_services.InvalidRequestField),
            ({"jurisdiction_id": ["bogota.gov.co"]}, city_services.JurisdictionNotFound),
        ],
    )
    def test_refuses_bad_requests_and_creates_nothing(
        self, changes: dict[str, list[str] | None], error: type[city_services.Open311Error]
    ) -> None:
        world = World()
        bad = {**LEAK, **{k: v for k, v in changes.items() if v is not None}}
        for k, v in changes.items():
            if v is None:
                bad.pop(k, None)

        with pytest.raises(error):
            open311.submit_request(env=world.env, form=bad, api_key="good-key")

        assert world.requests.rows == {}
        assert world.cases.rows == {}

    def test_an_address_alone_is_a_location(self) -> None:
        world = World()
        by_address = {"service_code": ["ALCANTARILLA"], "address_string": ["Calle 10 # 43-12"]}

        (answer,) = open311.submit_request(env=world.env, form=by_address, api_key="good-key")

        assert answer["service_request_id"] in world.requests.rows

    def test_accepts_several_values_of_a_multivaluelist(self) -> None:
        world = World()
        lamp = {
            "service_code": ["ALUMBRADO"],
            "address_id": ["A-991"],
            "attribute[FALLA][]": ["APAGADA", "INTERMITENTE"],
        }

        (answer,) = open311.submit_request(env=world.env, form=lamp, api_key="good-key")

        request = world.requests.rows[answer["service_request_id"]]
        assert request.submission.attributes == (("FALLA", ("APAGADA", "INTERMITENTE")),)


class TestGetRequests:
    def world_with_requests(self) -> tuple[World, str, str]:
        world = World()
        world.clock.current = NOW - timedelta(days=10)
        (old,) = open311.submit_request(env=world.env, form=LEAK, api_key="good-key")
        world.clock.current = NOW
        lamp = {"service_code": ["BASURAS"], "address_string": ["Parque Berrío"]}
        (new,) = open311.submit_request(env=world.env, form=lamp, api_key="good-key")
        open311.close_request(
            env=world.env, service_request_id=old["service_request_id"], status_notes="Reparada"
        )
        return world, old["service_request_id"], new["service_request_id"]

    def test_filters_by_status_and_service(self) -> None:
        world, old, new = self.world_with_requests()

        closed = open311.get_requests(env=world.env, query={"status": ["closed"]})
        trash = open311.get_requests(env=world.env, query={"service_code": ["BASURAS,ALUMBRADO"]})

        assert [r["service_request_id"] for r in closed] == [old]
        assert closed[0]["status_notes"] == "Reparada"
        assert [r["service_request_id"] for r in trash] == [new]

    def test_ids_override_every_other_filter(self) -> None:
        world, old, new = self.world_with_requests()

        rows = open311.get_requests(
            env=world.env, query={"service_request_id": [f"{new},{old}"], "status": ["open"]}
        )

        assert [r["service_request_id"] for r in rows] == [new, old]

    def test_filters_by_requested_date(self) -> None:
        world, _, new = self.world_with_requests()

        rows = open311.get_requests(
            env=world.env,
            query={
                "start_date": ["2026-04-10T00:00:00Z"],
                "end_date": ["2026-04-15T00:00:00-05:00"],
            },
        )

        assert [r["service_request_id"] for r in rows] == [new]

    @pytest.mark.parametrize(
        "query",
        [
            {"start_date": ["2026-01-01T00:00:00Z"], "end_date": ["2026-04-14T00:00:00Z"]},
            {"start_date": ["2026-04-14T00:00:00Z"], "end_date": ["2026-04-01T00:00:00Z"]},
            {"start_date": ["yesterday"]},
            {"start_date": ["2026-04-01T00:00:00"]},
            {"status": ["pending"]},
        ],
    )
    def test_refuses_bad_queries(self, query: dict[str, list[str]]) -> None:
        world = World()

        with pytest.raises(city_services.InvalidQuery):
            open311.get_requests(env=world.env, query=query)

    def test_an_unknown_request_or_token_is_not_found(self) -> None:
        world = World()

        with pytest.raises(city_services.RequestNotFound) as caught:
            open311.get_request(env=world.env, service_request_id="nope")
        with pytest.raises(city_services.TokenNotFound):
            open311.request_from_token(env=world.env, token="nope")

        assert caught.value.status == 404


def shape(element: ET.Element) -> tuple[Any, ...]:
    """An element's tag and its children's shapes (text ignored), for comparing structures."""
    return (element.tag, tuple(shape(c) for c in element))


@pytest.fixture
def shared_open311() -> None:
    shared_data.require(SHARED, what="the shared Open311 data of ../shared/data/open311")


needs_shared = pytest.mark.usefixtures("shared_open311")


class TestFormats:
    @needs_shared
    def test_a_service_definition_in_xml_has_the_spec_examples_structure(self) -> None:
        definition = {
            "service_code": "DMV66",
            "attributes": [
                {
                    "variable": True,
                    "code": "WHISHETN",
                    "datatype": "singlevaluelist",
                    "required": True,
                    "datatype_description": None,
                    "order": 1,
                    "description": "What is the ticket/tag/DL number?",
                    "values": [{"key": "123", "name": "Ford"}, {"key": "124", "name": "Chrysler"}],
                }
            ],
        }
        spec = (SHARED / "GeoReport_v2_spec.md").read_text(encoding="utf-8")
        start = spec.index("<?xml", spec.index("#xml-service-definition}"))
        example = SafeXml.fromstring(spec[start : spec.index("~~~~", start)].encode())

        ours = SafeXml.fromstring(formats.to_xml("service_definition", definition))

        assert shape(ours) == shape(example)
        assert ours.findtext("attributes/attribute/values/value/name") == "Ford"
        assert ours.findtext("attributes/attribute/required") == "true"

    @needs_shared
    def test_the_service_list_uses_the_elements_of_san_franciscos_list(self) -> None:
        world = World()
        sf = SafeXml.fromstring((SHARED / "sf311_v2_services_2010.xml").read_bytes())

        ours = SafeXml.fromstring(formats.to_xml("services", open311.list_services(env=world.env)))

        assert ours.tag == sf.tag == "services"
        assert {c.tag for c in ours[0]} == {c.tag for c in sf[0]}
        assert ours.findtext("service/metadata") == "true"

    @needs_shared
    def test_requests_in_xml_have_the_spec_examples_elements_in_order(self) -> None:
        world = World()
        (answer,) = open311.submit_request(env=world.env, form=LEAK, api_key="good-key")
        example = SafeXml.fromstring(
            (SHARED / "georeport_v2_service_requests_example.xml").read_bytes()
        )

        rows = open311.get_request(env=world.env, service_request_id=answer["service_request_id"])
        ours = SafeXml.fromstring(formats.to_xml("service_requests", rows))

        assert shape(ours) == (example.tag, (shape(example[0]),))
        assert ours.findtext("request/lat") == "6.2442"
        assert ours.findtext("request/requested_datetime") == "2026-04-14T15:00:00Z"

    @needs_shared
    def test_json_documents_satisfy_the_published_schemas(self) -> None:
        world = World()
        (answer,) = open311.submit_request(env=world.env, form=LEAK, api_key="good-key")
        schemas = SHARED / "schemas"

        def check(schema_name: str, document: Any) -> None:
            schema = json.loads((schemas / schema_name).read_text(encoding="utf-8"))
            jsonschema.Draft7Validator(schema).validate(document)

        for service in open311.list_services(env=world.env):
            check("schema_service.json", service)
        check(
            "schema_service-definition.json",
            open311.service_definition(env=world.env, service_code="AGUA-FUGA"),
        )
        for row in open311.get_request(
            env=world.env, service_request_id=answer["service_request_id"]
        ):
            check("schema_request.json", json.loads(json.dumps(row)))

    def test_post_answers_render_as_service_requests_with_empty_elements(self) -> None:
        body, content_type = formats.render(
            "service_requests",
            [{"service_request_id": "293944", "service_notice": None, "account_id": None}],
            fmt="xml",
        )

        assert content_type.startswith("text/xml")
        assert body.decode().endswith(
            "<service_requests><request><service_request_id>293944</service_request_id>"
            "<service_notice /><account_id /></request></service_requests>"
        )

    def test_errors_render_as_the_spec_defines(self) -> None:
        error = city_services.InvalidApiKey(
            "Invalid api_key received -- can't proceed with create_request."
        )

        xml_body, _ = formats.render("errors", formats.error_document(error), fmt="xml")
        json_body, content_type = formats.render(
            "errors", formats.error_document(error), fmt="json"
        )

        root = SafeXml.fromstring(xml_body)
        assert root.tag == "errors"
        assert root.findtext("error/code") == "403"
        assert json.loads(json_body)[0]["code"] == 403
        assert "invalid_api_key" in json.loads(json_body)[0]["description"]
        assert content_type.startswith("application/json")

    def test_refuses_other_formats(self) -> None:
        with pytest.raises(formats.UnsupportedFormat):
            formats.render("services", [], fmt="csv")
