"""
The agent console and the customer portal against WCAG 2.x A and AA, checked in a real browser
(Debian's Chromium) with axe-core (installed by the set-up's npm packages): labels, names,
contrast, landmarks, language, keyboard focus order. A page with a violation fails, naming the
rule and the elements.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, Page

from tests import servers
from tests.browser.conftest import signed_in
from urbis.bootstrap import demo

AXE = Path(__file__).resolve().parents[2] / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
AGENT = next(u for u in demo.DEMO_USERS if u.username == "agente")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not AXE.exists():
        if os.environ.get("CI"):
            pytest.fail("axe-core is required in CI (make setup installs the npm packages)")
        pytest.skip("axe-core is not installed (make setup)")
    with servers.serving(servers.demo_container(tmp_path_factory.mktemp("a11y"))) as url:
        yield url


def violations(page: Page) -> list[str]:
    """WCAG 2 A and AA violations on the page as it is now, one line per rule."""
    page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        """async () => (await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
        })).violations.map(v => ({id: v.id, help: v.help,
            nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))"""
    )
    return [f"{v['id']}: {v['help']} at {v['nodes']}" for v in found]


class TestAgentConsole:
    def test_sign_in_search_account_and_matching_pages_have_no_violations(
        self, server: str, browser: Browser
    ) -> None:
        page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
        page.goto(f"{server}/login")
        at_login = violations(page)
        page.close()

        agent = signed_in(browser, server, AGENT)
        agent.get_by_label("Buscar por nombre").fill(demo.SHOWCASE_DOCUMENT)
        agent.keyboard.press("Enter")
        agent.get_by_role("link", name="0000000018").wait_for()
        at_search = violations(agent)
        agent.get_by_role("link", name="0000000018").click()
        agent.wait_for_selector("h1")
        at_account = violations(agent)
        agent.goto(f"{server}/matching")
        at_matching = violations(agent)
        agent.goto(f"{server}/rules")
        at_rules = violations(agent)

        assert at_login == []
        assert at_search == []
        assert at_account == []
        assert at_matching == []
        assert at_rules == []

    def test_the_rejected_messages_page_has_no_violations(
        self, server: str, browser: Browser, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("URBIS_CTI_SECRET", "a-cti-secret-for-the-a11y-test")
        kept = requests.post(
            f"{server}/webhooks/demo/cti",
            data=b'{"call_id": "<b>c1</b>"}',
            headers={
                "Authorization": "Bearer a-cti-secret-for-the-a11y-test",
                "Content-Type": "application/json",
            },
            timeout=10,
        )
        assert kept.status_code == 422
        agent = signed_in(browser, server, AGENT)
        agent.goto(f"{server}/rejected")
        agent.get_by_role("button", name="Marcar como revisado").first.wait_for()
        agent.get_by_text("Contenido recibido").first.click()

        assert violations(agent) == []


class TestCustomerPortal:
    def test_the_portal_pages_have_no_violations(self, server: str, browser: Browser) -> None:
        customer = signed_in(browser, server, demo.CUSTOMER_USER)
        at_home = violations(customer)
        customer.get_by_role("link", name="0000000018").first.click()
        customer.wait_for_selector("h1")
        at_account = violations(customer)

        assert at_home == []
        assert at_account == []


class TestTheCheckItself:
    def test_a_page_with_known_faults_is_caught(self, server: str, browser: Browser) -> None:
        page = browser.new_page()
        page.set_content(
            '<html><body><img src="x.png"><input type="text">'
            '<p style="color:#aaa;background:#fff">low contrast</p></body></html>'
        )

        found = {line.split(":")[0] for line in violations(page)}

        assert {"image-alt", "label", "html-has-lang", "color-contrast"} <= found
