"""Inventory pages: the monthly entry grid (copy last month, outliers to confirm, all rows or none), the yearly
report with its PDF, closing and neutralising a year, travel from a meeting certificate, and a large import run
as a background job."""

from __future__ import annotations

import io
import re
from datetime import datetime
from decimal import Decimal

import pytest
from sqlmodel import select

from app import create_app
from certificates import issuing
from certificates.models import Certificate, NeutralisationOffer
from db import utcnow
from inventory import import_jobs, records
from inventory.models import ActivityRecord
from inventory.rights import Actor
from jobs.models import Job, JobState
from meetings import footprint as event_footprint
from tests.conftest import csrf_token_from, login, make_test_settings
from tests.factories import DEFAULT_PASSWORD, make_attendee_response, make_event, make_organisation, make_user
from tests.inventory_data import as_csv, make_facilities, year_rows
from tests.ledger_factories import give_credits

# The test's clock: the data's year (2025) has ended by then, whatever today is.
T0 = utcnow().replace(microsecond=0)


@pytest.fixture
def acme(session):
    organisation = make_organisation(session)
    admin = make_user(session, organisation, role="admin")
    sites = make_facilities(session, organisation.id, admin.id)
    actor = Actor.member(organisation.id, admin.id, "admin")
    for month, kwh in (("2025-01", "1000"), ("2025-02", "1100"), ("2025-03", "1200")):
        for values in ({"kind": "electricity", "quantity": kwh, "unit": "kWh", "data_source": "invoice"},
                       {"kind": "waste", "activity": "commercial_industrial", "treatment": "landfill",
                        "quantity": "80", "unit": "kg", "data_source": "estimate"}):
            records.create_record(session=session, actor=actor, values={
                "facility": sites[0].name, "month": month, **values}, now=T0)
    return organisation, admin, sites


def _month(session, organisation_id, facility_id, month):
    session.expire_all()  # the pages wrote through their own session
    return session.exec(select(ActivityRecord).where(
        ActivityRecord.organisation_id == organisation_id, ActivityRecord.facility_id == facility_id,
        ActivityRecord.month == month).order_by(ActivityRecord.id)).all()


def _grid_form(html: str) -> dict[str, str]:
    """The grid's posted fields as a browser would send them (selected options, input values, hidden fields)."""
    form = {"csrf_token": csrf_token_from(html)}
    for name, value in re.findall(r'<input[^>]*name="(rows-\d+-[a-z_]+)"[^>]*value="([^"]*)"', html):
        form[name] = value
    for name, body in re.findall(r'<select name="(rows-\d+-[a-z_]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', body)
        form[name] = chosen.group(1) if chosen else ""
    return {name: value for name, value in form.items() if not name.endswith("-confirm")}


def test_the_grid_copies_last_month_s_structure_and_saves_all_rows_or_none(session, client, acme):
    organisation, admin, sites = acme
    staff = make_user(session, organisation, role="staff")
    login(client, staff.email, DEFAULT_PASSWORD)
    url = f"/inventory/grid?facility={sites[0].id}&month=2025-04"
    copied = client.get(url + "&copy=1").get_data(as_text=True)
    assert "复制" in client.get(url).get_data(as_text=True)
    form = _grid_form(copied)
    # Last month's two activities, without quantities, the waste stream's treatment carried along.
    assert (form["rows-0-kind"], form["rows-0-quantity"], form["rows-0-unit"]) == ("electricity", "", "kWh")
    assert (form["rows-1-kind"], form["rows-1-activity"], form["rows-1-treatment"]) == (
        "waste", "commercial_industrial", "landfill")
    assert "rows-0-id" not in form
    # One bad cell: nothing is written and the error is on its cell.
    form.update({"rows-0-quantity": "1150", "rows-1-quantity": "8o"})
    refused = client.post(url, data=form)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "not a decimal number" in html and 'class="quantity has-error"' in html
    assert _month(session, organisation.id, sites[0].id, datetime(2025, 4, 1).date()) == []
    # An outlier (more than 3 × the median 1100 kWh) must be confirmed.
    form.update({"rows-0-quantity": "5000", "rows-1-quantity": "75"})
    outlier = client.post(url, data=form)
    assert outlier.status_code == 422 and "1100" in outlier.get_data(as_text=True)
    assert _month(session, organisation.id, sites[0].id, datetime(2025, 4, 1).date()) == []
    saved = client.post(url, data={**form, "rows-0-confirm": "1"})
    assert saved.status_code == 303
    rows = _month(session, organisation.id, sites[0].id, datetime(2025, 4, 1).date())
    assert [(r.kind.value, r.quantity, r.entered_by_id) for r in rows] == [
        ("electricity", Decimal("5000"), staff.id), ("waste", Decimal("75"), staff.id)]
    # Editing through the grid changes a record; emptying a row removes it; both in one POST.
    page = client.get(url).get_data(as_text=True)
    form = _grid_form(page)
    assert form["rows-0-id"] == str(rows[0].id)
    form.update({"rows-0-quantity": "5100", "rows-1-kind": "", "rows-1-activity": "", "rows-1-quantity": "",
                 "rows-1-unit": "", "rows-1-data_source": "", "rows-1-evidence_note": "",
                 "rows-0-confirm": "1"})
    assert client.post(url, data=form).status_code == 303
    (left,) = _month(session, organisation.id, sites[0].id, datetime(2025, 4, 1).date())
    assert left.id == rows[0].id and left.quantity == Decimal("5100")


def test_the_grid_is_read_only_for_an_auditor_and_404_for_another_organisation(session, client, acme):
    organisation, admin, sites = acme
    auditor = make_user(session, organisation, role="auditor")
    login(client, auditor.email, DEFAULT_PASSWORD)
    url = f"/inventory/grid?facility={sites[0].id}&month=2025-03"
    page = client.get(url)
    assert page.status_code == 200 and "保存全部" not in page.get_data(as_text=True)
    form = _grid_form(page.get_data(as_text=True))
    assert client.post(url, data={**form, "rows-0-quantity": "1"}).status_code == 403
    other = make_organisation(session)
    stranger = make_user(session, other, role="admin")
    client.get("/logout")
    login(client, stranger.email, DEFAULT_PASSWORD)
    assert client.get(url).status_code == 404
    assert sites[0].name not in client.get("/inventory/2025/report").get_data(as_text=True)


def test_an_admin_closes_and_neutralises_a_year_from_the_report_and_the_statement_verifies(session, client, acme):
    organisation, admin, sites = acme
    login(client, admin.email, DEFAULT_PASSWORD)
    page = client.get("/inventory/2025/report")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "范围一" in html and "基于市场" in html and "<svg" in html
    assert "关闭" in html
    closed = client.post("/inventory/2025/close", data={"csrf_token": csrf_token_from(html)})
    assert closed.status_code == 303
    html = client.get("/inventory/2025/report").get_data(as_text=True)
    required = int(re.search(r"注销 (\d+) t", html).group(1))
    short = client.post("/inventory/2025/neutralise", data={"csrf_token": csrf_token_from(html)})
    assert short.status_code == 409 and f"缺少 {required} t" in short.get_data(as_text=True)
    give_credits(session, organisation, required)
    done = client.post("/inventory/2025/neutralise", data={"csrf_token": csrf_token_from(html),
                                                           "reduction_statement": "LED 照明改造，年节电 8%。"})
    assert done.status_code == 303
    statement = session.exec(select(Certificate).where(Certificate.subject_kind == "inventory_period")).one()
    html = client.get("/inventory/2025/report").get_data(as_text=True)
    assert statement.number in html and statement.number.startswith("ECN-")
    verify = client.get(f"/verify/{statement.number}")
    assert verify.status_code == 200 and statement.number in verify.get_data(as_text=True)
    pdf = client.get(f"/certificates/{statement.number}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    report_pdf = client.get("/inventory/2025/report.pdf")
    assert report_pdf.status_code == 200 and report_pdf.mimetype == "application/pdf"
    assert report_pdf.data.startswith(b"%PDF") and len(report_pdf.data) > 10_000


def test_the_report_shows_the_ccer_cap_and_an_auditor_cannot_close_or_neutralise(session, client, acme):
    organisation, admin, sites = acme
    from inventory import periods

    periods.set_year_details(session=session, actor=Actor.member(organisation.id, admin.id, "admin"), year=2025,
                             values={"in_national_carbon_market": True, "verified_emissions_t": Decimal("2000")})
    auditor = make_user(session, organisation, role="auditor")
    login(client, auditor.email, DEFAULT_PASSWORD)
    html = client.get("/inventory/2025/report").get_data(as_text=True)
    assert "CCER" in html and "100.00 t" in html and "第二十九条" in html
    assert "/inventory/2025/close" not in html
    token = csrf_token_from(client.get(f"/inventory/grid?facility={sites[0].id}&month=2025-03").get_data(
        as_text=True))
    assert client.post("/inventory/2025/close", data={"csrf_token": token}).status_code == 403
    assert client.post("/inventory/2025/neutralise", data={"csrf_token": token}).status_code == 403


def test_staff_import_their_colleagues_travel_from_a_meeting_certificate(app, session, client, acme):
    organisation, admin, sites = acme
    organiser = make_organisation(session)
    event = make_event(session, organiser, expected_attendance=20)
    give_credits(session, organiser, 300, start=700_001)
    session.add(NeutralisationOffer(event_id=event.id, price_per_tonne_cny=Decimal("0")))
    session.commit()
    with app.app_context():
        signers = issuing.signers_for(app.extensions["settings"], "http://localhost")
        response = make_attendee_response(session, event, origin="北京", travel_mode="flight")
        issuing.neutralise_attendee(session, signers=signers, response_id=response.response_id, holder_name="王芳")
        event_footprint.take_snapshot(session=session, organisation_id=organiser.id, event_id=event.id)
        meeting = issuing.neutralise_meeting(session, signers=signers, organisation_id=organiser.id,
                                             event_id=event.id)
    staff = make_user(session, organisation, role="staff")
    login(client, staff.email, DEFAULT_PASSWORD)
    page = client.get(f"/inventory/meeting-travel?number={meeting.number}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "王芳" in html
    neutralisation_id = re.search(r'name="attendee" value="(\d+)"', html).group(1)
    done = client.post("/inventory/meeting-travel", data={
        "csrf_token": csrf_token_from(html), "number": meeting.number, "attendee": neutralisation_id,
        "facility": str(sites[1].id)})
    assert done.status_code == 303
    (line,) = session.exec(select(ActivityRecord).where(ActivityRecord.compensated_by_certificate.is_not(None))).all()
    assert (line.compensated_by_certificate, line.facility_id, line.activity) == (meeting.number, sites[1].id,
                                                                                 "flight")
    assert "已导入" in client.get(f"/inventory/meeting-travel?number={meeting.number}").get_data(as_text=True)
    unknown = client.get("/inventory/meeting-travel?number=ZCM-2099-000001")
    assert unknown.status_code == 422


@pytest.fixture
def immediate_client(database, tmp_path):
    return create_app(make_test_settings(tmp_path, tasks_immediate=True), database=database).test_client()


def test_a_large_file_is_imported_by_a_background_job_with_its_progress(session, immediate_client, acme,
                                                                       monkeypatch):
    organisation, admin, sites = acme
    monkeypatch.setattr(import_jobs, "LARGE_IMPORT_ROWS", 100)
    client = immediate_client
    login(client, admin.email, DEFAULT_PASSWORD)
    rows = year_rows(2024)
    bad = [dict(row) for row in rows]
    bad[5]["quantity"] = "x1"
    bad[300]["unit"] = "parsec"
    token = csrf_token_from(client.get("/inventory").get_data(as_text=True))
    refused = client.post("/inventory/import", data={"csrf_token": token, "file": (
        io.BytesIO(as_csv(bad)), "year.csv")}, content_type="multipart/form-data")
    assert refused.status_code == 303
    job = session.exec(select(Job).order_by(Job.created_at.desc())).first()
    assert job.kind == "inventory_import" and job.state == JobState.failed
    assert "2 bad value(s), nothing imported" in job.error and "row 7, quantity 'x1'" in job.error
    assert "row 302, unit 'parsec'" in job.error
    assert session.exec(select(ActivityRecord).where(ActivityRecord.month < datetime(2025, 1, 1).date())).all() == []
    good = client.post("/inventory/import", data={"csrf_token": token, "file": (
        io.BytesIO(as_csv(rows)), "year.csv")}, content_type="multipart/form-data")
    assert good.status_code == 303 and "job=" in good.headers["Location"]
    job = session.exec(select(Job).where(Job.state == JobState.done)).one()
    assert (job.progress_done, job.progress_total) == (360, 360)
    imported = session.exec(select(ActivityRecord).where(ActivityRecord.month < datetime(2025, 1, 1).date())).all()
    assert len(imported) == 360
    page = client.get(good.headers["Location"]).get_data(as_text=True)
    assert "job-progress" in page and "360 / 360" in page
