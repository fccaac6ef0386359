"""Browser tests drive Debian's Chromium with Playwright against a real urbis server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from urbis.bootstrap import demo

SCREENSHOTS = Path(__file__).resolve().parents[2] / ".ci-results" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


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


def signed_in(browser: Browser, server: str, user: demo.DemoUser, *, height: int = 768) -> Page:
    """A new page of a fresh browser context, signed in as ``user`` (Spanish screens)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_context(viewport={"width": 1366, "height": height}).new_page()
    page.goto(f"{server}/login")
    page.get_by_label("Usuario").fill(user.username)
    page.get_by_label("Contraseña").fill(user.password)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: not url.endswith("/login"))
    return page
