"""The platform admin's pages from a sink estimate to ex-ante credits in the ledger, and their replacement."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from accounts.models import Role
from ledger.invariants import check_invariants
from ledger.models import BlockStatus, CreditBlock
from sinks.models import ExAnteRegistration
from tests.conftest import csrf_token_from, login
from tests.factories import DEFAULT_PASSWORD, make_organisation, make_user
from tests.ledger_factories import make_credit_project

ESTIMATE = ("go=1&area=1500&area_unit=mu&province=CN-JX&species_group=other_conifer&origin=planted&stand_age=0"
            "&crediting_years=20&uncertainty_discount_pct=10&risk_buffer_pct=10")


@pytest.fixture
def admin(session):
    platform = make_organisation(session, slug="platform")
    return make_user(session, platform, role=Role.admin)


def test_the_estimator_offers_registration_to_platform_admins_only(client, session, admin):
    assert "/sinks/admin/register" not in client.get(f"/sinks?{ESTIMATE}").get_data(as_text=True)
    assert client.get(f"/sinks/admin/register?{ESTIMATE}").status_code == 302  # to the sign-in page
    member = make_user(session, make_organisation(session), role=Role.admin)
    login(client, member.email, DEFAULT_PASSWORD)
    assert client.get(f"/sinks/admin/register?{ESTIMATE}").status_code == 403
    login(client, admin.email, DEFAULT_PASSWORD)
    html = client.get(f"/sinks?{ESTIMATE}").get_data(as_text=True)
    assert "/sinks/admin/register?" in html


def test_an_admin_registers_an_estimate_and_replaces_it_by_ex_post_credits_in_chinese(client, session, admin):
    project = make_credit_project(session, registry_project_id="CCER-JX-9")
    login(client, admin.email, DEFAULT_PASSWORD)
    client.set_cookie("lang", "zh_CN")
    page = client.get(f"/sinks/admin/register?{ESTIMATE}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "事前碳汇减排量" in html and "27560" in html
    token = csrf_token_from(html)
    fields = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">', html))
    fields.pop("csrf_token", None)
    missing = client.post("/sinks/admin/register", data={**fields, "csrf_token": token, "first_year": "2026"})
    assert missing.status_code == 422 and "project_id" in missing.get_data(as_text=True)
    done = client.post("/sinks/admin/register", data={**fields, "csrf_token": token, "project_id": project.id,
                                                      "first_year": "2026"})
    assert done.status_code == 303
    registered = session.exec(select(ExAnteRegistration)).one()
    assert registered.expected_tonnes == 27560 and registered.estimate["request"]["plots"][0]["area"] == "1500"
    detail = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "EX-ANTE CCER-JX-9 2026 1-1373" in detail
    bad = client.post(f"/sinks/admin/registrations/{registered.id}/replace",
                      data={"csrf_token": token, "serial_text": "CCER-JX-9-2026", "vintage": "2026",
                            "serial_start": "10", "serial_end": "5"})
    assert bad.status_code == 422
    replaced = client.post(f"/sinks/admin/registrations/{registered.id}/replace",
                           data={"csrf_token": token, "serial_text": "CCER-JX-9-2026-1-900", "vintage": "2026",
                                 "serial_start": "1", "serial_end": "900", "quantity": "900"})
    assert replaced.status_code == 303
    statuses = {(b.is_ex_ante, b.status) for b in session.exec(select(CreditBlock).where(
        CreditBlock.project_id == project.id, CreditBlock.status != BlockStatus.split))}
    assert statuses == {(True, BlockStatus.invalidated), (False, BlockStatus.held)}
    after = client.get(f"/sinks/admin/registrations/{registered.id}").get_data(as_text=True)
    assert "已由事后减排量替换" in after and "替换事前减排量" not in after
    assert check_invariants(session) == []
