"""
An agent in a real browser (Debian's Chromium driven by Playwright) signs in, finds a customer
and opens the account page; screenshots are kept in .ci-results/screenshots.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, expect

from tests import servers
from tests.browser.conftest import SCREENSHOTS
from tests.integration.billing import helpers
from urbis import bootstrap
from urbis.adapters.db import ledger as db_ledger
from urbis.adapters.db import tables
from urbis.bootstrap import demo
from urbis.domain import ledger
from urbis.kernel import ids


@pytest.fixture(scope="module")
def container(tmp_path_factory: pytest.TempPathFactory) -> bootstrap.App:
    """The demo utility, with the showcase customer owing a bill that fell due a month ago."""
    app = servers.demo_container(tmp_path_factory.mktemp("browser"))
    a = tables.accounts.c
    with app.engine.begin() as connection:
        account = connection.execute(
            sa.select(a.id, a.tenant_id).where(a.number == "0000000018")
        ).one()
        today = app.clock.now().date()
        db_ledger.LedgerRepository(connection).add(
            ledger.bill_entry(
                id=ledger.EntryId(app.ids.new_id()),
                tenant_id=ids.TenantId(account.tenant_id),
                account_id=ids.AccountId(account.id),
                source="bill:browser-journey",
                booked_at=app.clock.now() - timedelta(days=45),
                accounting_date=today - timedelta(days=45),
                due_date=today - timedelta(days=30),
                item="F-BROWSER-1",
                currency="COP",
                revenue={"ELECTRICITY": Decimal("185000")},
            )
        )
    with app.uow() as uow:
        tenant = uow.tenants.by_code(demo.TENANT_CODE)
    assert tenant is not None
    # a month of her smart meter's use and three reads of her water meter, for the charts
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    for month in (last_month, today.replace(day=1)):
        helpers.add_interval_month(app, tenant, "EDM-2019-0142", month, 0.4)
    helpers.add_register_reads(
        app,
        tenant,
        [
            ("ADM-2019-0142", app.clock.now() - timedelta(days=days), value, "ACTUAL")
            for days, value in ((62, 1200.0), (31, 1214.5), (1, 1231.0))
        ],
    )
    return app


@pytest.fixture(scope="module")
def server(container: bootstrap.App) -> Iterator[str]:
    with servers.serving(container) as url:
        yield url


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
        assert page.get_by_role("cell", name="EDM-2019-0142").is_visible()
        assert page.get_by_role("heading", name="Consumo · EDM-2019-0142").is_visible()
        assert page.get_by_role(
            "img", name="Consumo diario de los últimos 30 días (kWh)"
        ).is_visible()
        assert page.get_by_role("img", name="Consumo por periodo de lectura (m3)").is_visible()
        assert page.get_by_role("cell", name="16.5").is_visible()  # the last read period
        assert page.get_by_text("Estrato 3").count() >= 1

    def test_a_wrong_password_is_explained_on_the_form(self, server: str, browser: Browser) -> None:
        page = browser.new_page()

        page.goto(f"{server}/login")
        page.get_by_label("Usuario").fill("agente")
        page.get_by_label("Contraseña").fill("not-the-password")
        page.keyboard.press("Enter")

        assert "wrong_credentials" in page.get_by_role("alert").inner_text()

    def test_an_agent_takes_a_payment_promise_and_opens_a_service_order_from_the_page(
        self, server: str, browser: Browser, container: bootstrap.App
    ) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        agent = demo.DEMO_USERS[1]
        promised = (container.clock.now().date() + timedelta(days=6)).isoformat()
        page.goto(f"{server}/login")
        page.get_by_label("Usuario").fill(agent.username)
        page.get_by_label("Contraseña").fill(agent.password)
        page.keyboard.press("Enter")
        page.get_by_label("Buscar por nombre").fill(demo.SHOWCASE_DOCUMENT)
        page.keyboard.press("Enter")
        page.get_by_role("link", name="0000000018").click()
        page.wait_for_selector("h1")
        account_url = page.url

        page.get_by_text("Registrar promesa de pago", exact=True).first.focus()
        page.keyboard.press("Enter")  # the summary opens with the keyboard
        page.get_by_label("Valor prometido (COP)").fill("50000")
        page.get_by_label("Pagará a más tardar el").fill(promised)
        page.get_by_label("Canal").last.select_option("PHONE")
        page.get_by_label("Nota (opcional)").fill("Paga el viernes con la prima")
        page.get_by_role("button", name="Registrar promesa de pago").click()
        page.wait_for_selector("#collections-panel .promise")
        collections_text = page.locator("#collections-panel").inner_text()
        timeline_text = page.locator("ol.timeline").inner_text()

        page.get_by_text("Crear orden de servicio", exact=True).click()
        page.get_by_label("Trabajo").select_option("INSPECTION")
        page.get_by_label("Motivo").fill("Revisar acometida por consumo alto")
        page.get_by_role("button", name="Crear", exact=True).click()
        orders = page.locator("#orders-panel")
        expect(orders).to_contain_text("Revisar acometida por consumo alto")
        page.screenshot(path=str(SCREENSHOTS / "agent-promise-and-order.png"), full_page=True)

        assert "50000.00 COP" in collections_text
        assert promised in collections_text
        assert "Abierta" in collections_text
        assert f"Promesa de pago: 50000.00 COP a más tardar el {promised}" in timeline_text
        assert page.url.split("#")[0] == account_url  # the order came back without leaving
        assert "Guardado." in orders.inner_text()
        assert page.get_by_label("Motivo").input_value() == ""  # the form is ready for the next
