"""An analyst drafts, edits, tests and publishes a rule pack through the API; another approves."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.functional import test_api_and_web as api_suite
from tests.functional.test_api_and_web import add_user, make_tenant
from urbis import bootstrap
from urbis.adapters import system
from urbis.bootstrap import rules as wiring
from urbis.domain import identity, rules
from urbis.interfaces.api import create_app
from urbis.interfaces.web import rules as rules_pages
from urbis.kernel import ids

NOW = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def container(tmp_path_factory: pytest.TempPathFactory) -> bootstrap.App:
    # one utility for the module (signing users in is slow on purpose); each test drafts its own
    folder = tmp_path_factory.mktemp("rules-api")
    return bootstrap.build(
        url=f"sqlite:///{folder / 'rules-api.sqlite3'}",
        clock=system.FixedClock(NOW),
        secret="a-test-signing-secret-of-enough-length-0123456789",
    )


@pytest.fixture(scope="module")
def client(container: bootstrap.App) -> Iterator[TestClient]:
    tenant = make_tenant(container, "epm")
    for username in ("sofia", "camilo"):
        add_user(container, username, identity.Role.RULES_AUTHOR)
    wiring.install_shipped_packs(
        container=container,
        actor=identity.Actor(
            user_id=ids.UserId("setup"),
            tenant_id=tenant.id,
            roles=frozenset({identity.Role.ADMIN}),
        ),
    )
    with TestClient(create_app(container)) as test_client:
        yield test_client


_TOKENS: dict[str, dict[str, str]] = {}


def token(client: TestClient, username: str) -> dict[str, str]:
    if username not in _TOKENS:
        _TOKENS[username] = api_suite.token(client, username)
    return _TOKENS[username]


def _published(client: TestClient, headers: dict[str, str], key: str) -> dict[str, Any]:
    found = client.get(f"/api/v1/rules/packs/{key}/versions/1", headers=headers)
    assert found.status_code == 200, found.text
    body: dict[str, Any] = found.json()
    return body


def _new_draft(client: TestClient, headers: dict[str, str], key: str) -> dict[str, Any]:
    published = _published(client, headers, key)
    created = client.post(f"/api/v1/rules/versions/{published['id']}/drafts", headers=headers)
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


def _table(graph: dict[str, Any]) -> dict[str, Any]:
    node: dict[str, Any] = next(n for n in graph["nodes"] if n["type"] == "decisionTableNode")
    return node


class TestListingPacks:
    def test_lists_the_shipped_packs_published(self, client: TestClient) -> None:
        headers = token(client, "sofia")

        response = client.get("/api/v1/rules/packs", headers=headers)

        assert response.status_code == 200
        packs = {p["pack_key"]: p for p in response.json()}
        assert "bill_validation_default" in packs
        assert packs["co_collections_policy"]["versions"][0]["status"] == "PUBLISHED"

    def test_a_version_carries_its_graph(self, client: TestClient) -> None:
        headers = token(client, "ana")

        version = _published(client, headers, "bill_validation_default")

        assert version["status"] == "PUBLISHED"
        assert {n["type"] for n in version["content"]["nodes"]} >= {"decisionTableNode"}

    def test_an_unknown_version_is_a_404_with_a_code(self, client: TestClient) -> None:
        response = client.get("/api/v1/rules/versions/nope", headers=token(client, "sofia"))

        assert response.status_code == 404
        assert response.json()["code"] == "not_found"

    def test_signing_in_is_required(self, client: TestClient) -> None:
        assert client.get("/api/v1/rules/packs").status_code == 401


class TestTheLifecycleThroughTheApi:
    def test_edit_test_submit_approve_and_publish_a_new_version(self, client: TestClient) -> None:
        sofia, camilo = token(client, "sofia"), token(client, "camilo")
        draft = _new_draft(client, sofia, "bill_validation_default")
        graph = draft["content"]
        graph["nodes"][0]["name"] = "Bill to check"

        saved = client.put(
            f"/api/v1/rules/versions/{draft['id']}/content",
            headers=sofia,
            content=json.dumps(graph),
        )
        tests = client.post(f"/api/v1/rules/versions/{draft['id']}/tests", headers=sofia)
        own = client.post(f"/api/v1/rules/versions/{draft['id']}/approve", headers=sofia)
        approved = client.post(f"/api/v1/rules/versions/{draft['id']}/approve", headers=camilo)
        published = client.post(f"/api/v1/rules/versions/{draft['id']}/publish", headers=camilo)

        assert saved.status_code == 200, saved.text
        assert saved.json()["content"]["nodes"][0]["name"] == "Bill to check"
        assert tests.json()["passed"] is True
        assert own.status_code == 403
        assert own.json()["code"] == "rule_pack_same_author_and_approver"
        assert approved.json()["status"] == "APPROVED"
        assert published.json()["status"] == "PUBLISHED"
        assert published.json()["version"] == draft["version"] >= 2
        trail = client.get(f"/api/v1/rules/versions/{draft['id']}/history", headers=sofia).json()
        assert [e["action"] for e in trail] == [
            "created",
            "edited",
            "tested",
            "approved",
            "published",
        ]

    def test_a_graph_is_saved_with_exact_numbers(self, client: TestClient) -> None:
        sofia = token(client, "sofia")
        draft = _new_draft(client, sofia, "bill_validation_default")
        text = json.dumps(draft["content"])[:-1] + ', "exact": 0.10000000000000000000001}'

        client.put(f"/api/v1/rules/versions/{draft['id']}/content", headers=sofia, content=text)
        again = client.get(f"/api/v1/rules/versions/{draft['id']}", headers=sofia)

        assert '"exact":0.10000000000000000000001' in again.text
        assert rules.read_json(again.text)["content"]["exact"] == Decimal(
            "0.10000000000000000000001"
        )

    def test_a_draft_failing_its_cases_cannot_be_submitted(self, client: TestClient) -> None:
        sofia = token(client, "sofia")
        draft = _new_draft(client, sofia, "bill_validation_default")
        graph = draft["content"]
        table = _table(graph)
        for row in table["content"]["rules"]:
            for key in row:
                if key.startswith("out-action"):
                    row[key] = '"ISSUE"'
        client.put(
            f"/api/v1/rules/versions/{draft['id']}/content",
            headers=sofia,
            content=json.dumps(graph),
        )

        tests = client.post(f"/api/v1/rules/versions/{draft['id']}/tests", headers=sofia)
        submitted = client.post(f"/api/v1/rules/versions/{draft['id']}/submit", headers=sofia)

        assert tests.json()["passed"] is False
        assert any(not c["passed"] for c in tests.json()["cases"])
        assert submitted.status_code == 409
        assert submitted.json()["code"] == "rule_pack_fails_checks"
        version = client.get(f"/api/v1/rules/versions/{draft['id']}", headers=sofia).json()
        assert version["status"] == "DRAFT"

    def test_a_published_version_cannot_be_edited(self, client: TestClient) -> None:
        sofia = token(client, "sofia")
        published = _published(client, sofia, "bill_validation_default")

        response = client.put(
            f"/api/v1/rules/versions/{published['id']}/content",
            headers=sofia,
            content=json.dumps(published["content"]),
        )

        assert response.status_code == 409
        assert response.json()["code"] == "rule_pack_not_editable"

    def test_a_graph_that_is_not_json_is_refused_with_a_code(self, client: TestClient) -> None:
        sofia = token(client, "sofia")
        draft = _new_draft(client, sofia, "bill_validation_default")

        response = client.put(
            f"/api/v1/rules/versions/{draft['id']}/content", headers=sofia, content="{nodes:"
        )

        assert response.status_code == 422
        assert response.json()["code"] == "malformed_rule_graph"

    @pytest.mark.parametrize(
        ("spoil", "problem"),
        [
            ("loop", "loop"),
            ("unknown_input", "unknown_input"),
            ("unsupported_node", "unsupported_node"),
            ("no_input", "input_node"),
            ("bad_expression", "syntax"),
        ],
    )
    def test_saving_an_unsound_graph_is_refused_with_its_problem_and_writes_nothing(
        self, client: TestClient, spoil: str, problem: str
    ) -> None:
        sofia = token(client, "sofia")
        draft = _new_draft(client, sofia, "bill_validation_default")
        graph = json.loads(json.dumps(draft["content"]))
        history = next(n for n in graph["nodes"] if n["type"] == "expressionNode")
        if spoil == "loop":
            graph["edges"].append(
                {"id": "back", "sourceId": "validation", "targetId": "history", "type": "edge"}
            )
        elif spoil == "unknown_input":
            history["content"]["expressions"][0]["value"] = "kwh_last_year / 12"
        elif spoil == "unsupported_node":
            history["type"] = "customNode"
        elif spoil == "no_input":
            graph["nodes"] = [n for n in graph["nodes"] if n["type"] != "inputNode"]
            graph["edges"] = [e for e in graph["edges"] if e["sourceId"] != "request"]
        else:
            history["content"]["expressions"][0]["value"] = "consumption * * 2"
        before = client.get(f"/api/v1/rules/versions/{draft['id']}/history", headers=sofia)

        response = client.put(
            f"/api/v1/rules/versions/{draft['id']}/content",
            headers=sofia,
            content=json.dumps(graph),
        )

        assert response.status_code == 422
        assert response.json()["code"] == "rule_graph_refused"
        assert problem in [p["code"] for p in response.json()["details"]["problems"]]
        kept = client.get(f"/api/v1/rules/versions/{draft['id']}", headers=sofia).json()
        assert kept["content"] == draft["content"]
        after = client.get(f"/api/v1/rules/versions/{draft['id']}/history", headers=sofia)
        assert after.json() == before.json()

    def test_a_graph_still_being_drawn_can_be_saved(self, client: TestClient) -> None:
        sofia = token(client, "sofia")
        draft = _new_draft(client, sofia, "bill_validation_default")
        graph = json.loads(json.dumps(draft["content"]))
        graph["nodes"].append(
            {
                "id": "later",
                "type": "expressionNode",
                "name": "Not wired yet",
                "position": {"x": 520, "y": 200},
                "content": {"expressions": []},
            }
        )

        response = client.put(
            f"/api/v1/rules/versions/{draft['id']}/content",
            headers=sofia,
            content=json.dumps(graph),
        )
        tests = client.post(f"/api/v1/rules/versions/{draft['id']}/tests", headers=sofia)

        assert response.status_code == 200, response.text
        assert "unreachable_node" in [p["code"] for p in tests.json()["problems"]]

    def test_an_agent_cannot_draft(self, client: TestClient) -> None:
        agent = token(client, "ana")
        published = _published(client, agent, "bill_validation_default")

        response = client.post(f"/api/v1/rules/versions/{published['id']}/drafts", headers=agent)

        assert response.status_code == 403
        assert response.json()["code"] == "role_required"


class TestSimulation:
    def test_shows_how_many_answers_a_draft_changes(self, client: TestClient) -> None:
        sofia = token(client, "sofia")
        draft = _new_draft(client, sofia, "bill_validation_default")
        graph = draft["content"]
        for row in _table(graph)["content"]["rules"]:
            for key in list(row):
                if key.startswith("out-action"):
                    row[key] = '"HOLD"'
        client.put(
            f"/api/v1/rules/versions/{draft['id']}/content",
            headers=sofia,
            content=json.dumps(graph),
        )
        history = [
            {
                "account": f"A{n}",
                "service": "ELECTRICITY",
                "bill_amount": 90_000 + n,
                "consumption": 150,
                "consecutive_estimates": 0,
                "days_in_period": 30,
                "average_consumption": 150,
            }
            for n in range(5)
        ]

        response = client.post(
            f"/api/v1/rules/versions/{draft['id']}/simulations",
            headers=sofia,
            json={
                "as_of": "2026-11-01",
                "history": history,
                "baseline_version_id": _published(client, sofia, "bill_validation_default")["id"],
            },
        )

        assert response.status_code == 200, response.text
        report = response.json()
        assert report["rows"] == 5
        assert report["changed"] == 5
        assert report["baseline"]["label"] == "bill_validation_default v1"

    def test_a_history_missing_an_input_is_refused_with_a_code(self, client: TestClient) -> None:
        sofia = token(client, "sofia")
        draft = _new_draft(client, sofia, "bill_validation_default")

        response = client.post(
            f"/api/v1/rules/versions/{draft['id']}/simulations",
            headers=sofia,
            json={"as_of": "2026-11-01", "history": [{"account": "A1"}]},
        )

        assert response.status_code == 422
        assert response.json()["code"] in {"invalid_rule_input", "invalid_simulation_history"}


class TestRulesPages:
    def _signed_in(self, container: bootstrap.App, username: str) -> TestClient:
        browser = TestClient(create_app(container))
        response = browser.post(
            "/login",
            data={"tenant": "epm", "username": username, "password": api_suite.PASSWORD},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        return browser

    def test_lists_the_packs_and_opens_a_version_in_the_editor(
        self, client: TestClient, container: bootstrap.App
    ) -> None:
        browser = self._signed_in(container, "sofia")

        listing = browser.get("/rules")
        page = browser.get("/rules/bill_validation_default/1")

        assert listing.status_code == 200
        assert 'href="/rules/bill_validation_default/1"' in listing.text
        assert page.status_code == 200
        assert "Autor urbis" in page.text
        if rules_pages.editor_built():
            assert 'id="rules-editor"' in page.text
            assert "/static/rules-editor/rules-editor.js" in page.text
        else:
            assert "make setup" in page.text

    def test_names_the_author_and_explains_an_unknown_version(
        self, client: TestClient, container: bootstrap.App
    ) -> None:
        browser = self._signed_in(container, "sofia")

        draft = _new_draft(client, token(client, "sofia"), "deposit_default")
        opened = browser.get(f"/rules/deposit_default/{draft['version']}")
        page = browser.get("/rules/bill_validation_default/99")

        assert "Autor Sofia" in opened.text  # the display name, not the user id
        assert page.status_code == 404
        assert "not_found" in page.text

    def test_a_visitor_is_sent_to_sign_in(self, container: bootstrap.App) -> None:
        response = TestClient(create_app(container)).get("/rules", follow_redirects=False)

        assert response.status_code == 303
        assert response.headers["location"] == "/login"
