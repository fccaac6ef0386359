"""
An agent in a real browser (Debian's Chromium driven by Playwright) signs in, finds a customer
and opens the account page; screenshots are kept in .ci-results/screenshots.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests import servers
from urbis.bootstrap import demo

SCREENSHOTS = Path(__file__).resolve().parents[2] / ".ci-results" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with servers.serving(servers.demo_container(tmp_path_factory.mktemp("browser"))) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("Chromium is required in CI (scripts/test.sh installs it)")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield launched
        launched.close()


class TestAgentConsoleInABrowser:
    def test_an_agent_signs_in_finds_a_customer_and_opens_the_account(
        self, server: str, browser: Browser
    ) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        agent = demo.DEMO_USERS[1]

        page.goto(f"{server}/login")
        page.get_by_label("Usuario").fill(agent.username)
        page.get_by_label("Contraseña").fill(agent.password)
        page.keyboard.press("Enter")
        page.get_by_label("Buscar por nombre").fill(demo.SHOWCASE_DOCUMENT)
        page.keyboard.press("Enter")
        page.get_by_role("link", name="0000000018").click()
        page.wait_for_selector("h1")
        page.screenshot(path=str(SCREENSHOTS / "agent-account-page.png"))

        assert page.get_by_role("heading", level=1).inner_text() == "Luz Dary Gómez Restrepo"
        assert page.get_by_text("EDM-2019-0142").is_visible()
        assert page.get_by_text("Estrato 3").count() >= 1

    def test_a_wrong_password_is_explained_on_the_form(self, server: str, browser: Browser) -> None:
        page = browser.new_page()

        page.goto(f"{server}/login")
        page.get_by_label("Usuario").fill("agente")
        page.get_by_label("Contraseña").fill("not-the-password")
        page.keyboard.press("Enter")

        assert "wrong_credentials" in page.get_by_role("alert").inner_text()
