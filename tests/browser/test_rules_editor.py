"""
A rules author in a real browser (Debian's Chromium driven by Playwright) opens a published pack,
starts a draft from it, edits a cell of its decision table in the JDM editor, saves the draft and
runs its saved test cases; a screenshot is kept in .ci-results/screenshots.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests import servers
from tests.browser.conftest import SCREENSHOTS, signed_in
from urbis.bootstrap import demo
from urbis.interfaces.web import rules as rules_pages

# the island is a large bundle and a shared 2-core machine may be busy: wait for it generously
SLOW = 60_000
AUTHOR = next(u for u in demo.DEMO_USERS if u.username == "reglas")
APPROVER = next(u for u in demo.DEMO_USERS if u.username == "aprobador")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not rules_pages.editor_built():
        if os.environ.get("CI"):
            pytest.fail("The rules editor island is required in CI (make setup builds it)")
        pytest.skip("The rules editor island is not built (make setup)")
    with servers.serving(servers.demo_container(tmp_path_factory.mktemp("rules-editor"))) as url:
        yield url


def _edit_cell(page: Page, old: str, new: str) -> None:
    """Replace the text of the decision table cell that reads ``old``."""
    cell = page.locator(".grl-dt__cell__input .cm-content").filter(has_text=old).first
    cell.click(timeout=SLOW)
    page.keyboard.press("Control+A")
    page.keyboard.type(new)
    page.keyboard.press("Escape")
    page.get_by_text("Validation", exact=True).first.click()  # leave the cell
    expect(
        page.locator(".grl-dt__cell__input .cm-content").filter(has_text=new).first
    ).to_be_visible(timeout=SLOW)
    expect(page.get_by_text("Cambios sin guardar")).to_be_visible(timeout=SLOW)


def _saved_ratio_cell(page: Page, server: str, version: int) -> str:
    found = page.request.get(
        f"{server}/api/v1/rules/packs/bill_validation_default/versions/{version}"
    ).json()
    table = next(n for n in found["content"]["nodes"] if n["type"] == "decisionTableNode")
    row = next(r for r in table["content"]["rules"] if r["_id"] == "rule-5")
    cell: str = row["in-ratio"]
    return cell


class TestRulesEditorInABrowser:
    def test_an_author_edits_a_table_cell_saves_and_tests_the_draft_and_another_publishes_it(
        self, server: str, browser: Browser
    ) -> None:
        page = signed_in(browser, server, AUTHOR, height=900)
        page.get_by_role("link", name="Reglas", exact=True).click()
        page.get_by_role("link", name="bill_validation_default v1").click()
        expect(page.get_by_test_id("version-status")).to_have_text("Publicado", timeout=SLOW)

        page.get_by_role("button", name="Nuevo borrador a partir de esta versión").click()
        page.wait_for_url("**/rules/bill_validation_default/2")
        expect(page.get_by_test_id("version-status")).to_have_text("Borrador", timeout=SLOW)
        page.get_by_text("Edit Table").click(timeout=SLOW)
        _edit_cell(page, "> 1.65", "> 2.5")
        page.get_by_role("button", name="Ejecutar pruebas").click()
        failing = page.get_by_test_id("test-results")
        expect(failing).to_contain_text("Falla", timeout=SLOW)
        expect(failing).to_contain_text(
            "Double the usual consumption is held as high", timeout=SLOW
        )
        expect(page.get_by_test_id("version-status")).to_have_text("Borrador", timeout=SLOW)

        _edit_cell(page, "> 2.5", "> 1.5")
        page.get_by_role("button", name="Guardar borrador").click()
        expect(page.get_by_text("Borrador guardado")).to_be_visible(timeout=SLOW)
        saved = _saved_ratio_cell(page, server, 2)
        page.get_by_role("button", name="Ejecutar pruebas").click()
        results = page.get_by_test_id("test-results")
        expect(results).to_contain_text("10/10 pasaron", timeout=SLOW)
        page.screenshot(path=str(SCREENSHOTS / "rules-editor-tests-passed.png"), full_page=True)

        assert saved == "> 1.5"
        expect(page.get_by_test_id("version-status")).to_have_text("Probado", timeout=SLOW)
        assert results.get_by_text("Falla").count() == 0
        assert _saved_ratio_cell(page, server, 1) == "> 1.65"

        page.get_by_role("button", name="Aprobar").click()
        expect(page.get_by_role("alert")).to_contain_text(
            "rule_pack_same_author_and_approver", timeout=SLOW
        )

        approver = signed_in(browser, server, APPROVER, height=900)
        approver.goto(f"{server}/rules/bill_validation_default/2")
        approver.get_by_role("button", name="Aprobar").click(timeout=SLOW)
        approver.get_by_role("button", name="Publicar").click(timeout=SLOW)
        expect(approver.get_by_test_id("version-status")).to_have_text("Publicado", timeout=SLOW)
        approver.screenshot(
            path=str(SCREENSHOTS / "rules-editor-published-by-another.png"), full_page=True
        )

    def test_a_graph_that_does_not_compile_is_refused_on_save_and_the_editor_says_why(
        self, server: str, browser: Browser
    ) -> None:
        page = signed_in(browser, server, AUTHOR, height=900)
        page.goto(f"{server}/rules/bill_validation_default/1")
        page.get_by_role("button", name="Nuevo borrador a partir de esta versión").click(
            timeout=SLOW
        )
        page.wait_for_url(re.compile(r".*/rules/bill_validation_default/\d+$"))
        version = int(page.url.rsplit("/", 1)[1])
        expect(page.get_by_test_id("version-status")).to_have_text("Borrador", timeout=SLOW)
        page.get_by_text("Edit Table").click(timeout=SLOW)

        _edit_cell(page, "> 1.65", "> > 1.65")
        page.get_by_role("button", name="Guardar borrador").click()

        expect(page.get_by_role("alert")).to_contain_text("rule_graph_refused", timeout=SLOW)
        expect(page.get_by_test_id("save-problems")).to_contain_text("syntax", timeout=SLOW)
        expect(page.get_by_text("Cambios sin guardar")).to_be_visible(timeout=SLOW)
        page.screenshot(path=str(SCREENSHOTS / "rules-editor-save-refused.png"), full_page=True)
        assert _saved_ratio_cell(page, server, version) == "> 1.65"
