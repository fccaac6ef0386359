"""
An agent has a customer's account open in a real browser (Debian's Chromium) when that customer
calls: the telephony system's call event pops a notice with the customer's name and a link to
her account, and her timeline shows the call without a reload. A notice also pops for a caller
nobody knows, whom the agent then assigns to her from the matching queue. Screenshots in
.ci-results/screenshots.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests import servers
from tests.browser.conftest import SCREENSHOTS, signed_in
from urbis.bootstrap import demo

CTI_SECRET = "cti-secret-for-the-screen-pop"
AGENT = next(u for u in demo.DEMO_USERS if u.username == "agente")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with servers.serving(servers.demo_container(tmp_path_factory.mktemp("screen-pop"))) as url:
        yield url


def _call(server: str, call_id: str, phone: str) -> httpx.Response:
    return httpx.post(
        f"{server}/webhooks/demo/cti",
        content=json.dumps(
            {
                "call_id": call_id,
                "event": "ringing",
                "from": phone,
                "at": "2026-11-22T09:00:00-05:00",
            }
        ).encode(),
        headers={"Authorization": f"Bearer {CTI_SECRET}", "Content-Type": "application/json"},
        timeout=30,
    )


class TestScreenPop:
    def test_a_ringing_call_pops_the_customer_and_lands_on_her_open_timeline(
        self, server: str, browser: Browser, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("URBIS_CTI_SECRET", CTI_SECRET)
        page = signed_in(browser, server, AGENT)
        page.get_by_label("Buscar por nombre").fill(demo.SHOWCASE_DOCUMENT)
        page.keyboard.press("Enter")
        page.get_by_role("link", name="0000000018").click()
        page.wait_for_selector("h1")
        account_url = page.url
        timeline = page.locator("ol.timeline")
        expect(page.locator("#live[data-connected='true']")).to_have_count(1, timeout=20_000)

        answered = _call(server, "pop-1", "+57 310 555 0142")
        notice = page.get_by_test_id("live").locator(".live-note").first

        assert answered.status_code == 202, answered.text
        expect(notice).to_contain_text("Llamada entrante: Luz Dary Gómez", timeout=20_000)
        expect(notice).to_contain_text("+573105550142")
        expect(timeline.locator("li.live-line")).to_contain_text("Llamada entrante")
        assert "Call" not in timeline.locator("li.live-line").inner_text()
        page.screenshot(path=str(SCREENSHOTS / "agent-screen-pop.png"))

        unknown = _call(server, "pop-2", "+57 300 000 0000")
        stranger = page.get_by_test_id("live").locator(".live-note").first
        assert unknown.status_code == 202, unknown.text
        expect(stranger).to_contain_text("Remitente sin identificar", timeout=20_000)
        assert timeline.locator("li.live-line").count() == 1  # not her call

        # the agent learns who called and assigns the call from the matching queue
        stranger.get_by_role("link", name="Asignar a un cliente").click()
        page.wait_for_url(f"{server}/matching")
        page.get_by_label("Cuenta, documento, teléfono o correo del cliente").first.fill(
            "0000000000"
        )
        page.get_by_role("button", name="Asignar").first.click()
        expect(page.get_by_role("alert")).to_contain_text("no_customer_for_key")
        page.get_by_label("Cuenta, documento, teléfono o correo del cliente").first.fill(
            demo.SHOWCASE_DOCUMENT
        )
        page.get_by_role("button", name="Asignar").first.click()
        expect(page.get_by_test_id("matched")).to_contain_text("Luz Dary Gómez")
        expect(page.get_by_text("No hay mensajes por asignar.")).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / "agent-matching-queue.png"))

        page.goto(account_url)
        expect(page.locator("ol.timeline")).to_contain_text("Teléfono — Llamada entrante")
        assert page.locator("ol.timeline li").filter(has_text="Llamada entrante").count() == 2
        assert "Call" not in page.locator("ol.timeline").inner_text()
        page.goto(f"{account_url}?lang=en")
        assert page.locator("ol.timeline li").filter(has_text="Phone — Call ringing").count() == 2
