"""A staff member enters a month in the entry grid by keyboard only, at desktop width, in Chinese."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from db import (
    get_session,
    utcnow,  # noqa: I001
)
from inventory import records
from inventory.models import ActivityRecord
from inventory.rights import Actor
from tests.browser.conftest import DESKTOP, sign_in
from tests.factories import DEFAULT_PASSWORD, make_organisation, make_user
from tests.inventory_data import make_facilities

pytestmark = pytest.mark.browser
# The test's clock: the data's year (2025) has ended by then, whatever today is.
T0 = utcnow().replace(microsecond=0)


def _company(app):
    with app.app_context():
        session = get_session()
        organisation = make_organisation(session, name_zh="绿色制造有限公司", name_en="Green Manufacturing Ltd")
        admin = make_user(session, organisation, role="admin")
        staff = make_user(session, organisation, role="staff")
        sites = make_facilities(session, organisation.id, admin.id)
        actor = Actor.member(organisation.id, admin.id, "admin")
        for month, kwh in (("2025-01", "10000"), ("2025-02", "11000"), ("2025-03", "12000")):
            for values in ({"kind": "electricity", "quantity": kwh, "unit": "kWh", "data_source": "invoice"},
                           {"kind": "fuel", "activity": "natural_gas", "quantity": "320", "unit": "m3",
                            "data_source": "metered"},
                           {"kind": "water", "activity": "supply", "quantity": "95", "unit": "m3",
                            "data_source": "metered"}):
                records.create_record(session=session, actor=actor, values={
                    "facility": sites[0].name, "month": month, **values}, now=T0)
        return organisation.id, sites[0].id, staff.email


def _tab_to(page, predicate: str, limit: int = 60) -> None:
    """Press Tab until `predicate` (a JS expression on document.activeElement as `el`) holds."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!({predicate}); }})()"):
            return
    raise AssertionError(f"Tab never reached {predicate}")


def test_a_month_is_entered_in_the_grid_by_keyboard_only_in_chinese(live_server, browser, shots):
    organisation_id, facility_id, email = _company(live_server)
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = sign_in(context, live_server.live_url, email, DEFAULT_PASSWORD)
    page.goto(f"{live_server.live_url}/inventory/grid?facility={facility_id}&month=2025-04")
    expect(page.locator("h1")).to_contain_text("月度填报")
    # Copy last month's structure: Tab to the link, Enter.
    _tab_to(page, "el.id === 'copy-previous'")
    page.keyboard.press("Enter")
    page.wait_for_url("**copy=1**")
    expect(page.locator("input[name='rows-2-unit']")).to_have_value("m3")
    # Into the first quantity cell, then Enter down the column, the arrows across, typing as it goes.
    _tab_to(page, "el.name === 'rows-0-quantity'")
    page.keyboard.type("12500")
    page.keyboard.press("Enter")
    page.keyboard.type("41000")  # natural gas, more than 3 × its median of 320 m3: an outlier to confirm
    expect(page.locator("tr[data-row='1'] td.confirm label")).to_be_visible()
    page.screenshot(path=shots / "grid-outlier-zh.png", full_page=True)
    for _ in range(5):
        page.keyboard.press("Backspace")
    page.keyboard.type("330")
    expect(page.locator("tr[data-row='1'] td.confirm label")).to_be_hidden()
    page.keyboard.press("Enter")
    page.keyboard.type("101.5")
    page.keyboard.press("ArrowRight")  # at the end of the cell: on to the unit
    assert page.evaluate("document.activeElement.name") == "rows-2-unit"
    page.keyboard.press("ArrowLeft")  # a cell reached by the keyboard is selected whole: left goes back a cell
    assert page.evaluate("document.activeElement.name") == "rows-2-quantity"
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.name") == "rows-1-quantity"
    page.keyboard.press("ArrowDown")
    page.screenshot(path=shots / "grid-typed-zh.png", full_page=True)
    page.keyboard.press("Control+Enter")
    page.wait_for_url("**/inventory/grid?facility=*&month=2025-04")
    expect(page.locator(".flash, [role=status], .messages").first).to_contain_text("新增 3 条")
    page.screenshot(path=shots / "grid-saved-zh.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"], "the page scrolls sideways"
    with live_server.app_context():
        session = get_session()
        saved = session.exec(select(ActivityRecord).where(ActivityRecord.organisation_id == organisation_id,
                                                          ActivityRecord.month == date(2025, 4, 1))
                             .order_by(ActivityRecord.id)).all()
        assert [(r.kind.value, r.quantity) for r in saved] == [
            ("electricity", Decimal("12500")), ("fuel", Decimal("330")), ("water", Decimal("101.5"))]
    context.close()
