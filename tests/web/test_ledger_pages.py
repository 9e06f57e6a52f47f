"""The ledger's pages: the public ledger, retirements, search and CSV; admin pages; an organiser retiring credits."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlmodel import func, select

from accounts.models import Role
from ledger.models import CreditBlock, Retirement
from ledger.retirement import retire
from meetings import footprint as event_footprint
from tests.conftest import csrf_token_from, login
from tests.factories import DEFAULT_PASSWORD, make_attendee_response, make_event, make_organisation, make_user
from tests.ledger_factories import give_credits


@pytest.fixture
def world(session):
    """Two organisations with credits, a platform admin, and an event of the first with a current snapshot."""
    platform = make_organisation(session, slug="platform")
    admin = make_user(session, platform, role=Role.admin)
    org = make_organisation(session, name_zh="绿色会展公司", name_en="Green Events Ltd")
    organiser = make_user(session, org, role=Role.organiser)
    other = make_organisation(session)
    other_organiser = make_user(session, other, role=Role.organiser)
    project, _block = give_credits(session, org, 400, start=1001)
    give_credits(session, other, 10, project=project, start=5001)
    event = make_event(session, org, electricity_kwh="12500", meals_vegetarian=300)
    for _ in range(3):
        make_attendee_response(session, event, origin="北京", travel_mode="flight")
    snapshot = event_footprint.take_snapshot(session=session, organisation_id=org.id, event_id=event.id)
    from ledger.accounts import account_of

    first = retire(session, account_id=account_of(session, other.id).id, tonnes=4, subject_kind="event_snapshot",
                   subject_id=999, beneficiary="另一家公司 Other Co", reason="年会碳中和",
                   idempotency_key="other-key-1")
    return {"platform": platform, "admin": admin, "org": org, "organiser": organiser, "other": other,
            "other_organiser": other_organiser, "project": project, "event": event, "snapshot": snapshot,
            "first": first}


def _text(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize("lang,words", [("zh_CN", ["公开碳汇登记簿", "当前检查点", "受益方"]),
                                        ("en", ["Public credit ledger", "Current checkpoint", "Beneficiary"])])
def test_the_public_ledger_lists_retirements_with_serials_and_the_checkpoint_in_each_language(client, world, lang,
                                                                                               words):
    client.set_cookie("lang", lang)
    response = client.get("/ledger")
    html = _text(response)
    assert response.status_code == 200
    for word in words:
        assert word in html
    first = world["first"]
    assert f'id="retirement-{first.public_id}"' in html and "另一家公司 Other Co" in html
    assert "5001–5004" in html  # the serial range retired
    size = re.search(r'id="tree-size">(\d+)<', html).group(1)
    assert int(size) >= 5  # two issuances, two transfers, a retirement (and any splits)


def test_filters_narrow_the_list_and_a_bad_filter_is_named(client, world):
    assert "another" not in _text(client.get("/ledger?beneficiary=ANOTHER"))
    assert world["first"].public_id in _text(client.get("/ledger?beneficiary=other%20co"))
    assert world["first"].public_id not in _text(client.get("/ledger?vintage=2020"))
    assert world["first"].public_id in _text(client.get(f"/ledger?project_id={world['project'].id}&vintage=2021"))
    client.set_cookie("lang", "en")
    bad_vintage = client.get("/ledger?vintage=12")
    assert bad_vintage.status_code == 422 and "From 1990 to 2100." in _text(bad_vintage)
    reversed_dates = client.get("/ledger?date_from=2026-05-02&date_to=2026-05-01")
    assert reversed_dates.status_code == 422 and "The end date is before the start date." in _text(reversed_dates)


def test_dates_at_the_calendars_edge_filter_instead_of_failing(client, world):
    # Midnight of 0001-01-01 in Beijing and the day after 9999-12-31 lie outside Python's datetimes.
    whole_calendar = client.get("/ledger?date_from=0001-01-01&date_to=9999-12-31")
    assert whole_calendar.status_code == 200 and world["first"].public_id in _text(whole_calendar)
    assert client.get("/ledger/retirements.csv?date_from=0001-01-01&date_to=9999-12-31").status_code == 200


def test_the_csv_export_has_one_line_per_serial_range_with_the_entry_hash(client, world):
    response = client.get("/ledger/retirements.csv?subject_kind=event_snapshot")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(_text(response).lstrip("\ufeff"))))
    first = world["first"]
    assert [(r["public_id"], r["tonnes"], r["serial_start"], r["serial_end"], r["beneficiary"]) for r in rows] == [
        (first.public_id, "4", "5001", "5004", "另一家公司 Other Co")]
    assert re.fullmatch(r"[0-9a-f]{64}", rows[0]["entry_hash"])
    assert client.get("/ledger/retirements.csv?vintage=abc").status_code == 422


def test_a_retirement_page_shows_its_parts_log_entry_and_a_checked_inclusion_proof(client, world):
    client.set_cookie("lang", "en")
    first = world["first"]
    html = _text(client.get(f"/ledger/retirements/{first.public_id}"))
    assert "5001–5004" in html and "另一家公司 Other Co" in html
    assert 'id="proof-verified"' in html and 'href="/ledger/checkpoint"' in html
    assert re.search(r'id="entry-hash">[0-9a-f]{64}<', html)
    assert client.get("/ledger/retirements/not-a-real-id").status_code == 404


def test_search_finds_the_block_and_retirement_that_hold_a_serial(client, world):
    client.set_cookie("lang", "en")
    html = _text(client.get("/ledger/search?serial=5003"))
    assert f'/ledger/retirements/{world["first"].public_id}' in html and "Retired" in html
    held = _text(client.get("/ledger/search?serial=1020"))
    assert "1001–1400" in held and "Held" in held
    assert 'id="no-hits"' in _text(client.get("/ledger/search?serial=77777"))
    unreadable = client.get("/ledger/search?serial=not-a-serial")
    assert unreadable.status_code == 422 and "is not a serial number this ledger can read" in _text(unreadable)


def test_the_public_project_page_counts_credits_by_vintage(client, world):
    html = _text(client.get(f"/ledger/projects/{world['project'].id}"))
    assert "CCER-14-001-V01" in html and "江西省" in html
    assert "410 t" in html and "4 t" in html  # issued 410, of which 4 retired


def test_admin_pages_are_for_admins_of_the_platform_organisation_only(client, world):
    assert client.get("/ledger/admin").status_code == 302  # to the sign-in page
    login(client, world["organiser"].email, DEFAULT_PASSWORD)
    assert client.get("/ledger/admin").status_code == 403
    assert client.get("/ledger/admin/issuance").status_code == 403


def test_the_platform_admin_registers_a_project_issues_and_sells_with_a_price(client, session, world):
    login(client, world["admin"].email, DEFAULT_PASSWORD)
    client.set_cookie("lang", "en")
    page = client.get("/ledger/admin/projects/new")
    token = csrf_token_from(_text(page))
    empty = client.post("/ledger/admin/projects/new", data={"csrf_token": token, "project_type": "vcs"})
    assert empty.status_code == 422 and _text(empty).count("This field is required.") >= 5
    vcs = {"csrf_token": token, "project_type": "vcs", "registry_name": "verra", "registry_project_id": "4321",
           "methodology_id": "VM0047", "name_zh": "云南再造林", "name_en": "Yunnan ARR", "country": "CN",
           "developer": "Dev Co"}
    no_type = client.post("/ledger/admin/projects/new", data=vcs)
    assert no_type.status_code == 422 and "needs its programme project type" in _text(no_type)
    created = client.post("/ledger/admin/projects/new", data={
        "csrf_token": token, "project_type": "ccer_bamboo_management", "registry_name": "ccer",
        "registry_project_id": "CCER-ZJ-77", "methodology_id": "CCER-14-003-V01", "name_zh": "安吉竹林经营",
        "name_en": "Anji bamboo management", "country": "CN", "province": "CN-ZJ", "developer": "安吉林场",
        "link_label_0": "PDD", "link_url_0": "https://example.org/pdd.pdf"})
    assert created.status_code == 302
    project_id = int(created.headers["Location"].rsplit("/", 1)[1])
    issued = client.post("/ledger/admin/issuance", data={
        "csrf_token": token, "project_id": project_id, "serial_text": "CCER-ZJ-77-2023-1-100", "vintage": "2023",
        "serial_start": "1", "serial_end": "100"})
    assert issued.status_code == 302
    overlapping = client.post("/ledger/admin/issuance", data={
        "csrf_token": token, "project_id": project_id, "serial_text": "CCER-ZJ-77-2023-50-60", "vintage": "2023",
        "serial_start": "50", "serial_end": "60"})
    assert overlapping.status_code == 422
    sale = client.post("/ledger/admin/pool/transfers", data={
        "csrf_token": token, "organisation_id": world["org"].id, "tonnes": "30", "price_per_tonne_cny": "72.50"})
    assert sale.status_code == 302
    admin_page = _text(client.get("/ledger/admin"))
    assert "72.50" in admin_page
    too_many = client.post("/ledger/admin/pool/transfers", data={
        "csrf_token": token, "organisation_id": world["org"].id, "tonnes": "100000"})
    assert too_many.status_code == 422


def test_a_statement_upload_shows_every_file_line_error(client, world):
    login(client, world["admin"].email, DEFAULT_PASSWORD)
    token = csrf_token_from(_text(client.get("/ledger/admin/issuance")))
    bad = "serial,vintage,start,end\nA-1,2021,1,10\nA-2,20x1,11,20\nA-3,2021,30,25\n"
    response = client.post("/ledger/admin/issuance/statement", data={
        "csrf_token": token, "project_id": world["project"].id, "file": (io.BytesIO(bad.encode()), "stmt.csv")},
        content_type="multipart/form-data")
    html = _text(response)
    assert response.status_code == 422
    assert "stmt.csv:3" in html and "stmt.csv:4" in html


def test_a_form_without_its_csrf_token_is_refused(client, world):
    login(client, world["admin"].email, DEFAULT_PASSWORD)
    response = client.post("/ledger/admin/invalidations", data={"registry_name": "ccer", "serial_namespace": "x",
                                                                 "serial_start": "1", "serial_end": "2",
                                                                 "reason": "test"})
    assert response.status_code == 400


def test_an_organiser_sees_only_the_own_organisations_holdings(client, world):
    login(client, world["organiser"].email, DEFAULT_PASSWORD)
    html = _text(client.get("/ledger/holdings"))
    assert 'id="retirable">400<' in html and "1001–1400" in html and "5001" not in html


def test_another_organisations_snapshot_is_not_found(client, session, world):
    other_event = make_event(session, world["other"])
    other_snapshot = event_footprint.take_snapshot(session=session, organisation_id=world["other"].id,
                                                   event_id=other_event.id)
    login(client, world["organiser"].email, DEFAULT_PASSWORD)
    assert client.get(f"/ledger/retire?snapshot_id={other_snapshot.id}").status_code == 404


def test_retiring_for_my_meeting_twice_with_one_form_retires_once(client, session, world):
    login(client, world["organiser"].email, DEFAULT_PASSWORD)
    client.set_cookie("lang", "en")
    snapshot = world["snapshot"]
    page = _text(client.get(f"/ledger/retire?snapshot_id={snapshot.id}"))
    needed = snapshot.credits_needed_t
    assert 0 < needed <= 400
    assert f'id="shortfall">{needed}<' in page and 'value="Green Events Ltd"' in page
    form = {"csrf_token": csrf_token_from(page), "snapshot_id": snapshot.id,
            "idempotency_key": re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1),
            "beneficiary": "Green Events Ltd", "reason": "Carbon neutral meeting"}
    first, second = client.post("/ledger/retire", data=form), client.post("/ledger/retire", data=form)
    assert first.status_code == 302 and second.status_code == 302
    retirements = session.exec(select(Retirement).where(Retirement.subject_kind == "event_snapshot",
                                                        Retirement.subject_id == snapshot.id)).all()
    assert [r.tonnes for r in retirements] == [needed]
    after = _text(client.get(f"/ledger/retire?snapshot_id={snapshot.id}"))
    assert 'id="shortfall">0<' in after and 'id="covered"' in after
    dashboard = _text(client.get(f"/events/{world['event'].id}/dashboard"))
    assert f"{needed} t needed, {needed} t retired, 0 t short" in dashboard
    retired_serials = session.exec(select(func.sum(CreditBlock.quantity)).where(
        CreditBlock.retirement_id == retirements[0].id)).one()
    assert retired_serials == needed


def test_retiring_more_than_held_says_how_many_are_held(client, session, world):
    from ledger.accounts import account_of
    from ledger.transfers import transfer

    # Give all but 1 t back to the pool: the shortfall is larger than what is held.
    org_account = account_of(session, world["org"].id)
    from ledger.accounts import pool_account

    transfer(session, from_account_id=org_account.id, to_account_id=pool_account(session).id, tonnes=399)
    login(client, world["organiser"].email, DEFAULT_PASSWORD)
    client.set_cookie("lang", "en")
    page = _text(client.get(f"/ledger/retire?snapshot_id={world['snapshot'].id}"))
    form = {"csrf_token": csrf_token_from(page), "snapshot_id": world["snapshot"].id,
            "idempotency_key": "enough-or-not-1", "beneficiary": "Green Events Ltd", "reason": "Neutral"}
    response = client.post("/ledger/retire", data=form)
    assert response.status_code == 422
    assert "holds 1 t that can be retired" in _text(response)
