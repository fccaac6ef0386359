"""
An agent works a billed customer's account in a real browser (Debian's Chromium driven by
Playwright) without leaving the page: opens a bill's lines, records a call through "Registrar
contacto", opens a case; with the keyboard alone; and the page fits 1366x768 without scrolling
sideways. Screenshots in .ci-results/screenshots.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests import servers
from tests.browser.conftest import SCREENSHOTS, signed_in
from tests.browser.test_accessibility import AXE, violations
from urbis import bootstrap
from urbis.bootstrap import demo

AGENT = next(u for u in demo.DEMO_USERS if u.username == "agente")
ACTIONS = (
    "Radicar PQR",
    "Registrar contacto",
    "Responder por el chat del portal",
    "Crear orden de servicio",
    "Registrar promesa de pago",
)


@pytest.fixture(scope="module")
def container(tmp_path_factory: pytest.TempPathFactory) -> bootstrap.App:
    """The demo utility after a bill run of the showcase customer's cycle (her bills issued)."""
    app = servers.demo_container(tmp_path_factory.mktemp("agent-journeys"))
    demo.bill_demo_cycle(app)
    return app


@pytest.fixture(scope="module")
def server(container: bootstrap.App) -> Iterator[str]:
    with servers.serving(container) as url:
        yield url


def _account(browser: Browser, server: str) -> Page:
    page = signed_in(browser, server, AGENT)
    page.get_by_label("Buscar por nombre").fill(demo.SHOWCASE_DOCUMENT)
    page.keyboard.press("Enter")
    page.get_by_role("link", name="0000000018").click()
    page.wait_for_selector("h1")
    return page


def _focused(page: Page) -> str:
    return str(
        page.evaluate(
            """() => { const e = document.activeElement;
                return e ? `${e.tagName} ${(e.innerText || e.value || '').trim().split('\\n')[0]}`
                         : ''; }"""
        )
    )


class TestAgentJourneys:
    def test_the_agent_opens_a_bill_records_a_call_and_opens_a_case_without_leaving(
        self, server: str, browser: Browser
    ) -> None:
        page = _account(browser, server)
        account_url = page.url

        page.locator(".bill-lines-row summary").first.click()
        lines = page.locator(".bill-lines table").first
        expect(lines).to_be_visible(timeout=20_000)
        lines_text = lines.inner_text()

        expect(page.locator("#live[data-connected='true']")).to_have_count(1, timeout=20_000)
        page.get_by_text("Registrar contacto", exact=True).click()
        page.get_by_label("Canal").nth(1).select_option("PHONE")
        page.get_by_label("Resumen").fill("Llama a preguntar por el consumo de octubre")
        page.get_by_role("button", name="Guardar").click()
        timeline = page.locator("#timeline-panel")
        expect(timeline).to_contain_text("Contacto registrado.")
        expect(timeline.locator("li").first).to_contain_text(
            "Teléfono — entrante: Llama a preguntar por el consumo de octubre"
        )
        # the console's live stream brings the same contact: it is on the timeline once
        expect(page.locator("#live .live-note").first).to_contain_text(
            "Llama a preguntar por el consumo de octubre", timeout=20_000
        )
        expect(timeline.locator("li", has_text="consumo de octubre")).to_have_count(1)

        page.locator("summary", has_text="Radicar PQR").click()
        page.get_by_label("Tipo", exact=True).select_option("CLAIM")
        page.get_by_label("Asunto").fill("Consumo de octubre no reconocido")
        page.get_by_label("Descripción").fill("La lectura no corresponde al medidor")
        page.get_by_role("button", name="Radicar PQR").click()
        cases = page.locator("#cases-panel")
        expect(cases).to_contain_text("PQR radicada.")
        expect(cases).to_contain_text("Consumo de octubre no reconocido")
        expect(page.locator("#timeline-panel li").first).to_contain_text("radicada: Reclamo")
        page.screenshot(path=str(SCREENSHOTS / "agent-bill-call-case.png"), full_page=True)

        assert "Concepto" in lines_text
        assert "COP" in lines_text
        assert page.url.split("#")[0] == account_url
        assert page.get_by_label("Asunto").input_value() == ""  # ready for the next case
        assert "Call" not in page.locator("ol.timeline").inner_text()

    def test_the_keyboard_alone_reaches_every_action_and_logs_a_contact(
        self, server: str, browser: Browser
    ) -> None:
        page = _account(browser, server)
        page.locator("body").focus()

        visited: list[str] = []
        for _ in range(300):
            page.keyboard.press("Tab")
            visited.append(_focused(page))
            if visited[-1] == "SUMMARY Registrar promesa de pago":
                break
        summaries = [v.removeprefix("SUMMARY ") for v in visited if v.startswith("SUMMARY")]
        page.locator("body").focus()
        for _ in range(300):
            page.keyboard.press("Tab")
            if _focused(page) == "SUMMARY Registrar contacto":
                break
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        page.keyboard.press("Enter")  # opens the form
        page.keyboard.press("Tab")  # the channel, PHONE already chosen
        page.keyboard.press("Tab")
        page.keyboard.type("Contacto tomado solo con el teclado")
        page.keyboard.press("Tab")
        submit = _focused(page)
        page.keyboard.press("Enter")

        expect(page.locator("#timeline-panel")).to_contain_text(
            "entrante: Contacto tomado solo con el teclado"
        )
        assert [a for a in ACTIONS if a in summaries] == list(ACTIONS)
        assert any(s.startswith("Ver los conceptos") for s in summaries)
        assert submit == "BUTTON Guardar"
        assert outline == "solid"  # the focus is visible

    def test_the_page_fits_1366_by_768_with_everything_open_and_stays_accessible(
        self, server: str, browser: Browser
    ) -> None:
        assert AXE.exists(), "axe-core is required (make setup installs the npm packages)"
        page = _account(browser, server)
        closed_width = page.evaluate("document.scrollingElement.scrollWidth")

        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        expect(page.locator(".bill-lines table").first).to_be_visible(timeout=20_000)
        expect(page.locator("a[href$='/lines']")).to_have_count(0, timeout=20_000)
        open_width = page.evaluate("document.scrollingElement.scrollWidth")
        page.screenshot(path=str(SCREENSHOTS / "agent-account-all-open.png"), full_page=True)
        found = violations(page)

        assert closed_width <= 1366
        assert open_width <= 1366
        assert found == []
