"""The factor browser and the calculator's beef choice in a real browser, on a phone and a desktop."""

from __future__ import annotations

import pytest

from tests.browser.conftest import DESKTOP, PHONE


@pytest.mark.parametrize(("viewport", "lang"), [(PHONE, "zh_CN"), (DESKTOP, "en")])
def test_the_cross_checks_are_folded_away_under_the_primary_citation(live_server, browser, shots, viewport, lang):
    page = browser.new_page(viewport=viewport)
    if lang == "en":
        page.goto(f"{live_server.live_url}/lang/en?next=/factors")
    page.goto(f"{live_server.live_url}/factors?q=beef_beef_herd")
    row = page.locator("tr", has=page.locator("code.factor-id", has_text="beef_beef_herd")).first
    assert row.locator("cite a").get_attribute("href") == "https://doi.org/10.1126/science.aaq0216"
    mirror = row.locator("details.cross-check p").first
    assert not mirror.is_visible()
    page.screenshot(path=str(shots / f"factors-{lang}-{viewport['width']}.png"), full_page=True)
    row.locator("details.cross-check summary").click()
    assert mirror.is_visible() and "njsuthe/GhGlabeling" in mirror.inner_text()
    page.screenshot(path=str(shots / f"factors-{lang}-{viewport['width']}-open.png"), full_page=True)
    page.goto(f"{live_server.live_url}/calculator")
    options = page.locator("#beef option").all_inner_texts()
    assert "99.48" in options[0] and "20.82" in options[1]
    page.locator("#beef").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / f"calculator-beef-{lang}-{viewport['width']}.png"))
    page.close()
