"""Inventory pages of admins and auditors: an admin adds and changes facilities and enters a year's revenue and
verified emissions; an auditor marks records validated and reads every change in the history; staff do neither,
and another organisation's facility or record is 404."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import select

from db import utcnow
from errors import NotFound
from factors import default_factor_set
from inventory import records, reports
from inventory.models import ActivityRecord, Facility, ReportingYear
from inventory.rights import Actor
from tests.conftest import csrf_token_from, login
from tests.factories import DEFAULT_PASSWORD, make_organisation, make_user
from tests.inventory_data import make_facilities, year_rows

# The test's clock: the data's year (2025) has ended by then, whatever today is.
T0 = utcnow().replace(microsecond=0)


@pytest.fixture
def acme(session):
    organisation = make_organisation(session)
    admin = make_user(session, organisation, role="admin")
    return organisation, admin


def _facility(session, organisation_id, name):
    session.expire_all()  # the pages wrote through their own session
    return session.exec(select(Facility).where(Facility.organisation_id == organisation_id,
                                               Facility.name == name)).first()


def test_an_admin_adds_and_changes_facilities_and_staff_only_read_them(session, client, acme):
    organisation, admin = acme
    login(client, admin.email, DEFAULT_PASSWORD)
    assert "添加第一个设施" in client.get("/inventory").get_data(as_text=True)
    page = client.get("/inventory/facilities").get_data(as_text=True)
    assert "添加设施" in page and "决定电网排放因子" in page
    token = csrf_token_from(page)
    form = {"csrf_token": token, "name": "深圳研发中心", "facility_type": "laboratory", "country": "CN",
            "province": "广东", "floor_area_m2": "950.5", "headcount": "42"}
    assert client.post("/inventory/facilities", data=form).status_code == 303
    site = _facility(session, organisation.id, "深圳研发中心")
    assert (site.province, site.facility_type.value, site.floor_area_m2, site.headcount) == (
        "CN-GD", "laboratory", Decimal("950.5"), 42)
    # The same name again, a negative area, a province outside China: refused, nothing more written.
    twice = client.post("/inventory/facilities", data=form)
    assert twice.status_code == 409 and "已有同名设施" in twice.get_data(as_text=True)
    bad = client.post("/inventory/facilities", data={**form, "name": "东莞仓库", "floor_area_m2": "-3"})
    assert bad.status_code == 422 and 'class="field has-error"' in bad.get_data(as_text=True)
    assert "a number from 0 to 100000000 with at most 4 decimal places" in bad.get_data(as_text=True)
    abroad = client.post("/inventory/facilities", data={**form, "name": "Berlin", "country": "DE"})
    assert abroad.status_code == 422
    assert abroad.get_data(as_text=True).count("a province is given for Chinese sites only") == 1
    for name in ("东莞仓库", "Berlin"):
        assert _facility(session, organisation.id, name) is None
    # Changing it: the form comes filled in; the headcount changes, the rest stays.
    edit = client.get(f"/inventory/facilities?edit={site.id}").get_data(as_text=True)
    assert 'value="950.5"' in edit and 'value="CN-GD"' in edit
    assert client.post(f"/inventory/facilities/{site.id}", data={**form, "province": "CN-GD",
                                                                  "headcount": "50"}).status_code == 303
    site = _facility(session, organisation.id, "深圳研发中心")
    assert (site.headcount, site.province, site.floor_area_m2) == (50, "CN-GD", Decimal("950.5"))
    # A record at the new site takes Guangdong's grid factor.
    record = records.create_record(session=session, actor=Actor.member(organisation.id, admin.id, "admin"), values={
        "facility": "深圳研发中心", "month": "2025-02", "kind": "electricity", "quantity": "100", "unit": "kWh",
        "data_source": "metered"}, now=T0)
    assert record.kgco2e == 100 * default_factor_set().get("cn.elec.prov.guangdong.2023").kgco2e_per_unit
    # Staff read the list but get no form and may not write.
    staff = make_user(session, organisation, role="staff")
    client.get("/logout")
    login(client, staff.email, DEFAULT_PASSWORD)
    page = client.get("/inventory/facilities").get_data(as_text=True)
    assert "深圳研发中心" in page and "添加设施" not in page
    assert client.post("/inventory/facilities", data={**form, "csrf_token": csrf_token_from(
        client.get("/inventory").get_data(as_text=True)), "name": "staff site"}).status_code == 403
    # Another organisation's admin cannot see or change it.
    stranger = make_user(session, make_organisation(session), role="admin")
    client.get("/logout")
    login(client, stranger.email, DEFAULT_PASSWORD)
    theirs = client.get("/inventory/facilities").get_data(as_text=True)
    assert "深圳研发中心" not in theirs
    assert client.get(f"/inventory/facilities?edit={site.id}").status_code == 404
    assert client.post(f"/inventory/facilities/{site.id}", data={**form, "csrf_token": csrf_token_from(theirs),
                                                                  "headcount": "1"}).status_code == 404
    assert _facility(session, organisation.id, "深圳研发中心").headcount == 50


def test_an_auditor_marks_records_validated_and_reads_every_change_in_the_history(session, client, acme):
    organisation, admin = acme
    make_facilities(session, organisation.id, admin.id)
    staff = make_user(session, organisation, role="staff", display_name="张填报")
    auditor = make_user(session, organisation, role="auditor")
    as_staff = Actor.member(organisation.id, staff.id, "staff")
    january = [row for row in year_rows(2025) if row["month"] == "2025-01" and row["facility"] == "广州办公室"][:3]
    entered = [records.create_record(session=session, actor=as_staff, values=row, now=T0) for row in january]
    records.update_record(session=session, actor=as_staff, record_id=entered[1].id,
                          values={**january[1], "quantity": "99.5"}, now=T0)
    login(client, auditor.email, DEFAULT_PASSWORD)
    page = client.get("/inventory?month=2025-01").get_data(as_text=True)
    assert page.count('type="checkbox" name="record"') == 3 and "将勾选的记录标记为已核验" in page
    done = client.post("/inventory/records/validate", data={
        "csrf_token": csrf_token_from(page), "month": "2025-01", "record": [str(entered[0].id), str(entered[1].id)]})
    assert done.status_code == 303 and "month=2025-01" in done.headers["Location"]
    session.expire_all()
    validated = session.exec(select(ActivityRecord).where(ActivityRecord.validated_at.is_not(None))).all()
    assert sorted((r.id, r.validated_by_id) for r in validated) == [(entered[0].id, auditor.id),
                                                                     (entered[1].id, auditor.id)]
    page = client.get("/inventory?month=2025-01").get_data(as_text=True)
    assert page.count('type="checkbox" name="record"') == 1
    report = reports.year_report(session=session, actor=Actor.member(organisation.id, auditor.id, "auditor"),
                                 year=2025)
    assert report.validated_records == 2 and report.validated_share == Decimal(2) / Decimal(3)
    # The history: who did what, when, and the quantity before and after the change.
    history = client.get("/inventory/history")
    html = history.get_data(as_text=True)
    assert history.status_code == 200 and "记录变更历史" in html
    assert html.count("<td>新增</td>") == 3 and html.count("<td>修改</td>") == 1 and html.count("<td>核验</td>") == 2
    assert f"张填报 &lt;{staff.email}&gt;" in html and auditor.email in html
    assert f"{january[1]['quantity']} → 99.5" in html
    one = client.get(f"/inventory/history?record={entered[1].id}").get_data(as_text=True)
    assert one.count("<tr><td>") == 3  # created, changed, validated
    # Staff may neither validate nor read the history; another organisation's record is 404.
    client.get("/logout")
    login(client, staff.email, DEFAULT_PASSWORD)
    page = client.get("/inventory?month=2025-01").get_data(as_text=True)
    assert 'name="record"' not in page and "/inventory/history" not in page
    assert client.get("/inventory/history").status_code == 403
    assert client.post("/inventory/records/validate", data={"csrf_token": csrf_token_from(page),
                                                            "record": str(entered[2].id)}).status_code == 403
    other = make_organisation(session)
    other_auditor = make_user(session, other, role="auditor")
    with pytest.raises(NotFound):
        records.validate_records(session=session, actor=Actor.member(other.id, other_auditor.id, "auditor"),
                                 record_ids=[entered[2].id])
    client.get("/logout")
    login(client, other_auditor.email, DEFAULT_PASSWORD)
    assert "张填报" not in client.get("/inventory/history").get_data(as_text=True)
    assert client.post("/inventory/records/validate", data={
        "csrf_token": csrf_token_from(client.get("/inventory").get_data(as_text=True)),
        "record": str(entered[2].id)}).status_code == 404
    session.expire_all()
    assert session.get(ActivityRecord, entered[2].id).validated_at is None


def test_an_admin_enters_the_year_s_revenue_and_verified_emissions_and_the_report_uses_them(session, client, acme):
    organisation, admin = acme
    make_facilities(session, organisation.id, admin.id)
    records.create_record(session=session, actor=Actor.member(organisation.id, admin.id, "admin"),
                          values=year_rows(2025)[0], now=T0)
    login(client, admin.email, DEFAULT_PASSWORD)
    page = client.get("/inventory/2025/report").get_data(as_text=True)
    assert "2025 年信息" in page and "年度营业收入" in page and "CCER" not in page.split("2025 年信息")[0]
    token = csrf_token_from(page)
    bad = client.post("/inventory/2025/details", data={"csrf_token": token, "revenue": "很多",
                                                       "revenue_currency": "CNY"})
    assert bad.status_code == 422 and "不是有效的数字" in bad.get_data(as_text=True)
    assert session.exec(select(ReportingYear).where(ReportingYear.organisation_id == organisation.id)).first() is None
    saved = client.post("/inventory/2025/details", data={
        "csrf_token": token, "revenue": "8000000", "revenue_currency": "cny", "in_national_carbon_market": "y",
        "verified_emissions_t": "2000"})
    assert saved.status_code == 303
    session.expire_all()
    year = session.exec(select(ReportingYear).where(ReportingYear.organisation_id == organisation.id)).one()
    assert (year.revenue, year.revenue_currency, year.in_national_carbon_market, year.verified_emissions_t) == (
        Decimal("8000000"), "CNY", True, Decimal("2000"))
    report = reports.year_report(session=session, actor=Actor.member(organisation.id, admin.id, "admin"), year=2025)
    assert report.intensity["per_revenue"] == report.totals.total / Decimal("8000000")
    assert report.ccer_cap["cap_t"] == Decimal("100.00")
    html = client.get("/inventory/2025/report").get_data(as_text=True)
    assert "100.00 t" in html and 'value="8000000"' in html and "checked" in html
    # An auditor sees the figures but not the form, and may not post it.
    auditor = make_user(session, organisation, role="auditor")
    client.get("/logout")
    login(client, auditor.email, DEFAULT_PASSWORD)
    html = client.get("/inventory/2025/report").get_data(as_text=True)
    assert "100.00 t" in html and "年度营业收入" not in html
    assert client.post("/inventory/2025/details", data={"csrf_token": csrf_token_from(html),
                                                         "revenue": "1"}).status_code == 403
