"""
A customer in a real browser (Debian's Chromium driven by Playwright) signs in to the portal,
sees their use, pays last month's bills by card (they end settled) and downloads their data as
Green Button XML; screenshots are kept in .ci-results/screenshots.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from xml.etree import ElementTree

import polars as pl
import pytest
from playwright.sync_api import Browser

from tests import servers
from tests.browser.conftest import SCREENSHOTS
from urbis import bootstrap
from urbis.adapters.formats import greenbutton
from urbis.application.metering import operations as metering_ops
from urbis.bootstrap import demo
from urbis.bootstrap import metering as metering_wiring


def _hourly_reads(container: bootstrap.App, days: int = 10) -> None:
    """Ten days of hourly reads for the showcase customer's smart meter, up to this hour."""
    now = container.clock.now().replace(minute=0, second=0, microsecond=0)
    starts = [now - timedelta(hours=h) for h in range(days * 24, 0, -1)]
    adapters = metering_wiring.for_tenant(
        engine=container.engine, data_dir=container.data_dir, tenant_code="demo"
    )
    frame = pl.DataFrame(
        {
            "meter": ["EDM-2019-0142"] * len(starts),
            "channel": ["E1"] * len(starts),
            "start": starts,
            "minutes": [60] * len(starts),
            "quantity": [0.2 + 0.8 * (s.hour in (7, 8, 19, 20, 21)) for s in starts],
            "unit": ["kWh"] * len(starts),
            "quality": ["ACTUAL"] * len(starts),
        }
    ).with_columns(pl.col("start").dt.replace_time_zone("UTC"))
    metering_ops.ingest_intervals(
        frame=frame,
        source="ami",
        directory=adapters.directory,
        store=adapters.intervals,
        as_at=container.clock.now(),
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    container = servers.demo_container(tmp_path_factory.mktemp("portal"))
    demo.bill_demo_cycle(container)  # the customer has last month's bills to pay
    _hourly_reads(container)
    with servers.serving(container) as url:
        yield url


class TestCustomerPortalInABrowser:
    def test_a_customer_signs_in_pays_and_downloads_their_data(
        self,
        server: str,
        browser: Browser,
    ) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        context = browser.new_context(
            viewport={"width": 1366, "height": 768}, accept_downloads=True
        )
        page = context.new_page()
        customer = demo.CUSTOMER_USER

        page.goto(f"{server}/login")
        page.get_by_label("Usuario").fill(customer.username)
        page.get_by_label("Contraseña").fill(customer.password)
        page.keyboard.press("Enter")
        page.get_by_role("heading", name="Mis cuentas").wait_for()
        page.get_by_role("link", name="Cuenta").first.click()
        page.wait_for_selector("svg[role=img]")
        page.screenshot(path=str(SCREENSHOTS / "portal-account.png"), full_page=True)
        owed_before = page.locator("#owed").inner_text()
        unpaid_before = page.locator("caption", has_text="Facturas pendientes").count()
        page.locator("#pay-link").click()
        amount = page.get_by_label("Valor a pagar").input_value()  # what is owed, offered
        page.get_by_label("Número de tarjeta").fill("4242 4242 4242 4242")
        page.screenshot(path=str(SCREENSHOTS / "portal-pay.png"))
        page.get_by_role("button", name="Pagar").click()
        paid = page.get_by_role("status").inner_text()
        owed_after = page.locator("#owed").inner_text()
        unpaid_after = page.locator("caption", has_text="Facturas pendientes").count()
        page.screenshot(path=str(SCREENSHOTS / "portal-paid.png"), full_page=True)
        with page.expect_download() as download_info:
            page.get_by_role("button", name="Descargar mis datos").first.click()
        feed = download_info.value
        saved = SCREENSHOTS.parent / "greenbutton-EDM-2019-0142.xml"
        feed.save_as(saved)

        assert paid.startswith("Pago aprobado. Referencia test_")
        assert Decimal(amount) > 0
        assert re.sub(r"\D", "", owed_before) == re.sub(r"\D", "", amount)
        assert unpaid_before == 1
        assert not re.search(r"[1-9]", owed_after)  # the bills end settled
        assert unpaid_after == 0
        assert page.get_by_text("•••• 4242").is_visible()
        assert feed.suggested_filename.startswith("greenbutton-EDM-2019-0142-")
        readings = ElementTree.parse(saved).getroot().iter(f"{{{greenbutton.ESPI}}}IntervalReading")
        assert len(list(readings)) >= 200
        context.close()

    def test_a_declined_card_is_explained_on_the_form(
        self,
        server: str,
        browser: Browser,
    ) -> None:
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{server}/login")
        page.get_by_label("Usuario").fill(demo.CUSTOMER_USER.username)
        page.get_by_label("Contraseña").fill(demo.CUSTOMER_USER.password)
        page.keyboard.press("Enter")
        page.get_by_role("link", name="Cuenta").first.click()
        page.locator("#pay-link").click()

        page.get_by_label("Valor a pagar").fill("1000")
        page.get_by_label("Número de tarjeta").fill("4000000000000002")
        page.get_by_role("button", name="Pagar").click()

        assert "card_declined" in page.get_by_role("alert").inner_text()
        context.close()
