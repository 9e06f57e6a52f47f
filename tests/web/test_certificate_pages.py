"""Certificate pages through the test client: the organiser's neutralisation, attendees and citizens neutralising
their own footprint without a session, the public verification page and its states, personal certificates opened
only with their access key, the issuer's key, the API."""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image
from sqlmodel import select

from accounts import service as accounts
from accounts.models import Role
from certificates import issuing, shares
from certificates.models import (
    GRAMS_PER_TONNE,
    Certificate,
    CertificateStatus,
    NeutralisationOffer,
    OrganisationLogo,
    PersonalFootprint,
    PersonalNeutralisation,
)
from ledger.accounts import account_of, pool_account
from ledger.issuance import issue
from ledger.models import Retirement
from meetings import footprint as event_footprint
from meetings import links
from meetings.models import AttendeeResponse
from tests.conftest import csrf_token_from, login
from tests.factories import DEFAULT_PASSWORD, make_attendee_response, make_event, make_organisation, make_user
from tests.ledger_factories import give_credits, make_credit_project

ANSWER = {"origin": "北京", "travel_mode": "flight", "trip": "return", "hotel_nights": "2", "meals_bought": "no",
          "name": "王小明"}
_FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


@pytest.fixture
def world(session):
    """An organisation with 400 t of credits, its organiser, a meeting with three answers and an offer at
    70.76 yuan a tonne; another organisation with its own organiser and meeting; a platform admin."""
    platform = make_organisation(session, slug="platform")
    admin = make_user(session, platform, role=Role.admin)
    org = make_organisation(session, name_zh="绿色会展公司", name_en="Green Events Ltd")
    organiser = make_user(session, org, role=Role.organiser)
    staff = make_user(session, org, role=Role.staff)
    give_credits(session, org, 400, start=1001)
    event = make_event(session, org, electricity_kwh="1200", meals_vegetarian=80)
    for origin in ("上海", "成都", "深圳"):
        make_attendee_response(session, event, origin=origin, travel_mode="high_speed_rail")
    session.add(NeutralisationOffer(event_id=event.id, price_per_tonne_cny=Decimal("70.76")))
    session.commit()
    other = make_organisation(session)
    other_organiser = make_user(session, other, role=Role.organiser)
    other_event = make_event(session, other)
    return {"platform": platform, "admin": admin, "org": org, "organiser": organiser, "staff": staff,
            "event": event, "other": other, "other_organiser": other_organiser, "other_event": other_event,
            "token": links.active_link(session=session, organisation_id=org.id, event_id=event.id).token}


def _sign_in(client, user):
    assert login(client, user.email, DEFAULT_PASSWORD).status_code == 302


def _issue(client, event_id: int):
    page = client.get(f"/events/{event_id}/neutralise")
    return client.post(f"/events/{event_id}/neutralise/issue",
                       data={"csrf_token": csrf_token_from(page.get_data(as_text=True))})


def _number_and_key(location: str) -> tuple[str, str | None]:
    """The certificate number and access key of a verify URL (`/verify/PCN-2026-000001?k=...`)."""
    parts = urlsplit(location)
    return parts.path.rsplit("/", 1)[1], (parse_qs(parts.query).get("k") or [None])[0]


def _meeting_certificate(app, session, world) -> Certificate:
    with app.app_context():
        event_footprint.take_snapshot(session=session, organisation_id=world["org"].id, event_id=world["event"].id)
        return issuing.neutralise_meeting(session, signers=issuing.signers_for(app.extensions["settings"],
                                                                               "http://localhost"),
                                          organisation_id=world["org"].id, event_id=world["event"].id)


# ---- the organiser ---------------------------------------------------------------------------------------------


def test_the_organiser_saves_the_offer_snapshots_and_issues_one_certificate_however_often_the_button_is_pressed(
        client, session, world):
    event = world["event"]
    _sign_in(client, world["organiser"])
    dashboard = _text(client.get(f"/events/{event.id}/dashboard"))
    assert f'href="/events/{event.id}/neutralise"' in dashboard
    page = client.get(f"/events/{event.id}/neutralise")
    token = csrf_token_from(page.get_data(as_text=True))
    saved = client.post(f"/events/{event.id}/neutralise/offer", data={
        "csrf_token": token, "attendees_may_neutralise": "yes", "price_per_tonne_cny": "88.50",
        "standard": "ISO-14068-1:2023", "response_threshold_pct": "40",
        "reduction_statement": "会场使用绿电 / green electricity at the venue"})
    assert saved.status_code == 303
    session.expire_all()
    offer = session.get(NeutralisationOffer, event.id)
    assert (offer.price_per_tonne_cny, offer.standard, offer.response_threshold) == (
        Decimal("88.50"), "ISO-14068-1:2023", Decimal("0.4"))
    bad = client.post(f"/events/{event.id}/neutralise/offer", data={
        "csrf_token": token, "attendees_may_neutralise": "yes", "price_per_tonne_cny": "-1", "standard": "PAS-2060"})
    assert bad.status_code == 422
    assert 'id="f-price"' in _text(bad) and _text(bad).count('class="field-error"') == 2
    client.post(f"/events/{event.id}/snapshots", data={"csrf_token": token})
    first = _issue(client, event.id)
    again = _issue(client, event.id)  # a double submit: the same certificate
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    number = first.headers["Location"].rsplit("/", 1)[1]
    assert re.fullmatch(r"ZCM-\d{4}-\d{6}", number)
    assert len(session.exec(select(Retirement).where(Retirement.subject_kind == "event_snapshot")).all()) == 1
    page = _text(client.get(f"/certificates/{number}"))
    assert "零碳会议证书" in page and "绿色会展公司" in page and number in page
    assert f'href="/certificates/{number}.pdf"' in page and "@media print" not in page  # print styles in the CSS
    listing = _text(client.get(f"/events/{event.id}/neutralise"))
    assert number in listing and 'id="cov-shortfall">0 t' in listing


def test_not_enough_credits_shows_how_many_tonnes_are_missing_and_how_many_are_held(client, session, world):
    org = make_organisation(session)
    organiser = make_user(session, org, role=Role.organiser)
    give_credits(session, org, 2, start=9001)
    event = make_event(session, org, expected_attendance=400, electricity_kwh="50000")
    needed = event_footprint.take_snapshot(session=session, organisation_id=org.id, event_id=event.id).credits_needed_t
    _sign_in(client, organiser)
    client.set_cookie("lang", "en")
    refused = _issue(client, event.id)
    html = _text(refused)
    assert refused.status_code == 409
    assert f"{needed - 2} t are missing" in html and "your account holds 2 t" in html
    assert session.exec(select(Certificate)).all() == []
    client.set_cookie("lang", "zh_CN")
    assert f"缺少 {needed - 2} 吨" in _text(_issue(client, event.id))


def test_another_organisations_event_and_certificate_are_not_found(app, client, session, world):
    certificate = _meeting_certificate(app, session, world)
    _sign_in(client, world["other_organiser"])
    assert client.get(f"/events/{world['event'].id}/neutralise").status_code == 404
    assert client.get(f"/certificates/{certificate.number}").status_code == 404
    token = csrf_token_from(client.get(f"/events/{world['other_event'].id}/neutralise").get_data(as_text=True))
    assert client.post(f"/events/{world['event'].id}/neutralise/issue", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/events/{world['event'].id}/neutralise/offer", data={
        "csrf_token": token, "attendees_may_neutralise": "no", "price_per_tonne_cny": "1",
        "standard": "MEE-2019"}).status_code == 404
    # Staff may read the dashboard but not neutralise.
    client.post("/logout", data={"csrf_token": token})
    _sign_in(client, world["staff"])
    assert client.get(f"/events/{world['event'].id}/neutralise").status_code == 403


def test_the_organisers_forms_need_their_csrf_token(client, session, world):
    _sign_in(client, world["organiser"])
    event_id = world["event"].id
    assert client.post(f"/events/{event_id}/neutralise/issue").status_code == 400
    assert client.post(f"/events/{event_id}/neutralise/offer", data={"price_per_tonne_cny": "1"}).status_code == 400


def _png(size=(40, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (29, 107, 69)).save(out, "PNG")
    return out.getvalue()


def test_a_logo_is_stored_when_it_is_a_real_png_and_refused_by_name_otherwise(client, session, world):
    _sign_in(client, world["organiser"])
    event_id = world["event"].id
    token = csrf_token_from(client.get(f"/events/{event_id}/neutralise").get_data(as_text=True))

    def upload(data: bytes, name: str):
        return client.post(f"/events/{event_id}/neutralise/logo", data={"csrf_token": token,
                                                                        "logo": (io.BytesIO(data), name)},
                           content_type="multipart/form-data")

    client.set_cookie("lang", "en")
    assert upload(_png(), "logo.png").status_code == 303
    stored = session.get(OrganisationLogo, world["org"].id)
    assert stored.content_type == "image/png" and stored.data[:8] == b"\x89PNG\r\n\x1a\n"
    svg = upload(b'<svg xmlns="http://www.w3.org/2000/svg"/>', "logo.svg")
    assert svg.status_code == 422 and "Only PNG and JPEG images are accepted." in _text(svg)
    fake = upload(b"\x89PNG\r\n\x1a\n" + b"not really", "logo.png")
    assert fake.status_code == 422 and "The image cannot be read" in _text(fake)
    big = upload(b"\xff\xd8\xff" + b"\0" * (1024 * 1024), "big.jpg")
    assert big.status_code == 422 and "larger than 1 MB" in _text(big)


# ---- attendees, without a session -----------------------------------------------------------------------------------


def _answer_and_read_offer(client, token: str) -> tuple[str, str]:
    """Answer as a phone would, then read the neutralise form on the result page: (its action, its token)."""
    page = client.get(f"/m/{token}")
    client.post(f"/m/{token}", data={"csrf_token": csrf_token_from(page.get_data(as_text=True)), **ANSWER})
    result = _text(client.get(f"/m/{token}/mine"))
    assert "中和我的碳足迹" in result
    action = re.search(r'action="(/m/neutralise/\d+)"', result).group(1)
    return action, _FORM_TOKEN.search(result).group(1)


def test_an_attendee_without_cookies_neutralises_once_and_gets_a_personal_certificate(app, session, world):
    phone = app.test_client()
    action, token = _answer_and_read_offer(phone, world["token"])
    response = session.exec(select(AttendeeResponse).where(AttendeeResponse.display_name == "王小明")).one()
    grams = shares.grams_of(response.total_kgco2e)
    amount = (Decimal("70.76") * grams / GRAMS_PER_TONNE).quantize(Decimal("0.01"), "ROUND_CEILING")
    result = _text(phone.get(f"/m/{world['token']}/mine"))
    assert f"{amount} 元" in result and f"{grams:,} 克" in result and 'value="王小明"' in result
    bare = app.test_client(use_cookies=False)  # the cookies were cleared: the signed token is enough
    missing = bare.post(action, data={"form_token": token, "holder_name": "王小明", "payment_method": "on_site"})
    assert missing.status_code == 422 and "收据编号" in _text(missing)
    done = bare.post(action, data={"form_token": token, "holder_name": "王小明", "payment_method": "on_site",
                                   "payment_reference": "R-2026-17"})
    assert done.status_code == 303 and "/verify/PCN-" in done.headers["Location"]
    number, key = _number_and_key(done.headers["Location"])
    assert key and len(key) >= 43  # the personal certificate's address carries its access key
    twice = bare.post(action, data={"form_token": token, "holder_name": "另一个名字", "payment_method": "on_site",
                                    "payment_reference": "R-2026-18"})
    assert twice.headers["Location"] == done.headers["Location"]  # charged once: the same certificate
    rows = session.exec(select(PersonalNeutralisation)).all()
    assert [(r.holder_name, r.amount_cny, r.payment_reference, r.grams) for r in rows] == [
        ("王小明", amount, "R-2026-17", grams)]
    verify = _text(bare.get(done.headers["Location"]))
    assert "有效" in verify and "王小明" in verify and "个人碳中和证书" in verify
    mine = _text(phone.get(f"/m/{world['token']}/mine"))
    assert "我的证书" in mine and f'id="my-certificate" href="/verify/{number}?k={key}"' in mine


@pytest.mark.parametrize("change,status", [({"form_token": "forged"}, 422), ({}, 403)])
def test_an_attendees_post_with_a_bad_token_or_from_another_site_is_refused(app, session, world, change, status):
    phone = app.test_client()
    action, token = _answer_and_read_offer(phone, world["token"])
    headers = {} if change else {"Origin": "https://evil.example"}
    refused = phone.post(action, data={"form_token": token, "holder_name": "X", **change}, headers=headers)
    assert refused.status_code == status
    assert session.exec(select(PersonalNeutralisation)).all() == []


def test_a_token_signed_for_one_answer_does_not_neutralise_another(app, session, world):
    phone = app.test_client()
    action, token = _answer_and_read_offer(phone, world["token"])
    other = session.exec(select(AttendeeResponse).where(AttendeeResponse.display_name.is_(None))).first()
    refused = phone.post(f"/m/neutralise/{other.id}", data={"form_token": token, "holder_name": "X"})
    assert refused.status_code == 422
    assert session.exec(select(PersonalNeutralisation)).all() == []


# ---- citizens -------------------------------------------------------------------------------------------------------

CALCULATOR = {"go": "1", "trip-0-mode": "rail_high_speed", "trip-0-from": "北京", "trip-0-to": "上海",
              "trip-0-trip": "return", "meals-vegetarian": "3"}


def test_a_citizen_keeps_a_recomputed_footprint_and_neutralises_it_free_from_the_pool(app, session, world):
    give_pool = pool_account(session)
    issue(session, project_id=make_credit_project(session).id, account_id=give_pool.id, vintage=2022,
          serial_start=70_001, serial_end=70_010, serial_text="CCER-POOL-2022-70001")
    browser = app.test_client(use_cookies=False)
    calculator = _text(browser.get("/calculator", query_string=CALCULATOR))
    token = _FORM_TOKEN.search(calculator).group(1)
    shown = re.search(r'<p class="total"><strong>([^<]+)</strong>', calculator).group(1)
    kept = browser.post("/calculator/neutralise", data={**CALCULATOR, "form_token": token,
                                                        "total_kgco2e": "0.001"})  # a posted total is ignored
    assert kept.status_code == 303
    footprint = session.exec(select(PersonalFootprint)).one()
    assert len(footprint.public_token) >= 24 and f"{footprint.total_kgco2e:,.1f}" == shown.replace(" ", "")
    assert footprint.footprint["items"] and Decimal(footprint.footprint["total_kgco2e"]) == footprint.total_kgco2e
    page = _text(browser.get(kept.headers["Location"]))
    assert "免费：由平台赠予" in page
    form_token = _FORM_TOKEN.search(page).group(1)
    done = browser.post(kept.headers["Location"], data={"form_token": form_token, "holder_name": "李雷"})
    assert done.status_code == 303 and "/verify/PCN-" in done.headers["Location"]
    assert _number_and_key(done.headers["Location"])[1]
    again = browser.post(kept.headers["Location"], data={"form_token": form_token, "holder_name": "李雷"})
    assert again.headers["Location"] == done.headers["Location"]
    neutralisation = session.exec(select(PersonalNeutralisation)).one()
    assert (neutralisation.payment_method, neutralisation.amount_cny) == ("free", 0)
    assert neutralisation.grams == shares.grams_of(footprint.total_kgco2e)
    assert "李雷" in _text(browser.get(done.headers["Location"]))
    assert browser.get(kept.headers["Location"]).headers["Location"] == done.headers["Location"]  # kept: the key too


def test_a_citizen_post_without_the_signed_token_keeps_nothing(app, session, world):
    browser = app.test_client(use_cookies=False)
    assert browser.post("/calculator/neutralise", data=CALCULATOR).status_code == 422
    assert session.exec(select(PersonalFootprint)).all() == []


# ---- public verification ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang,words", [("zh_CN", ["有效", "签名有效", "零碳会议证书"]),
                                        ("en", ["Valid", "Signature valid", "Zero-Carbon Meeting Certificate"])])
def test_the_verify_page_says_valid_with_its_proofs_checked_in_each_language(app, session, world, lang, words):
    certificate = _meeting_certificate(app, session, world)
    visitor = app.test_client()
    visitor.set_cookie("lang", lang)
    response = visitor.get(f"/verify/{certificate.number}")
    html = _text(response)
    assert response.status_code == 200
    for word in words:
        assert word in html
    document = json.loads(certificate.credential)
    retirement = document["credentialSubject"]["credits"][0]["retirement"]
    assert f'href="/ledger/retirements/{retirement}"' in html
    assert 'class="tag bad"' not in html and html.count('class="tag ok"') >= 2  # inclusion and consistency checked
    assert f'href="/certificates/{certificate.number}.pdf"' in html
    assert f'href="/certificates/{certificate.number}.json"' in html
    stored = visitor.get(f"/certificates/{certificate.number}.json")
    assert stored.get_data(as_text=True) == certificate.credential


def test_a_tampered_stored_certificate_shows_signature_invalid_on_the_page_and_in_the_api(app, session, world):
    certificate = _meeting_certificate(app, session, world)
    certificate.credential = certificate.credential.replace('"total_tco2e":"', '"total_tco2e":"1', 1)
    session.add(certificate)
    session.commit()
    visitor = app.test_client()
    visitor.set_cookie("lang", "en")
    html = _text(visitor.get(f"/verify/{certificate.number}"))
    assert "Signature invalid" in html and "signature_mismatch" in html
    api = visitor.get(f"/api/v1/certificates/{certificate.number}").get_json()
    assert api["status"]["signature"] == {"valid": False, "code": "signature_mismatch",
                                          "message": api["status"]["signature"]["message"]}
    assert api["credential"]["credentialSubject"]["total_tco2e"].startswith("1")


def test_the_api_returns_the_credential_as_stored_and_its_standing(app, session, world):
    certificate = _meeting_certificate(app, session, world)
    body = app.test_client().get(f"/api/v1/certificates/{certificate.number}").get_json()
    assert body["credential"] == json.loads(certificate.credential)
    assert body["status"] == {"state": "valid", "reason": None, "superseded_by": None, "shortfall_tonnes": 0,
                              "signature": {"valid": True, "code": "ok", "message": ""}}
    missing = app.test_client().get("/api/v1/certificates/ZCM-2020-999999")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"


def test_a_platform_admin_revokes_with_a_reason_that_the_page_shows(app, client, session, world):
    certificate = _meeting_certificate(app, session, world)
    _sign_in(client, world["organiser"])  # the organisation's organiser may not revoke
    page = _text(client.get(f"/verify/{certificate.number}"))
    assert 'id="revoke"' not in page
    assert client.post(f"/verify/{certificate.number}/revoke", data={
        "csrf_token": csrf_token_from(page), "reason": "x"}).status_code == 403
    admin = app.test_client()
    _sign_in(admin, world["admin"])
    page = _text(admin.get(f"/verify/{certificate.number}"))
    token = csrf_token_from(page)
    assert admin.post(f"/verify/{certificate.number}/revoke", data={"csrf_token": token,
                                                                    "reason": " "}).status_code == 422
    done = admin.post(f"/verify/{certificate.number}/revoke", data={"csrf_token": token,
                                                                   "reason": "签到数据有误"})
    assert done.status_code == 303
    visitor = app.test_client()
    html = _text(visitor.get(f"/verify/{certificate.number}"))
    assert "已撤销" in html and "签到数据有误" in html
    assert visitor.get(f"/api/v1/certificates/{certificate.number}").get_json()["status"]["reason"] == "签到数据有误"


def test_a_superseded_certificate_links_to_the_current_one(app, session, world):
    old = _meeting_certificate(app, session, world)
    make_attendee_response(session, world["event"], origin="乌鲁木齐", travel_mode="flight")
    new = _meeting_certificate(app, session, world)
    session.refresh(old)
    assert old.status == CertificateStatus.superseded
    visitor = app.test_client()
    html = _text(visitor.get(f"/verify/{old.number}"))
    assert "已被取代" in html and f'href="/verify/{new.number}"' in html


def test_a_personal_certificates_share_is_checked_against_the_meeting_certificates_root(app, session, world):
    phone = app.test_client()
    action, token = _answer_and_read_offer(phone, world["token"])
    done = phone.post(action, data={"form_token": token, "holder_name": "王小明", "payment_method": "on_site",
                                    "payment_reference": "R-1"})
    number, key = _number_and_key(done.headers["Location"])
    before = _text(phone.get(f"/verify/{number}?k={key}"))
    assert 'id="allocation-own"' in before and "会议证书尚未签发" in before
    meeting = _meeting_certificate(app, session, world)
    phone.set_cookie("lang", "en")
    after = _text(phone.get(f"/verify/{number}?k={key}"))
    assert "In the meeting’s root" in after and f'href="/verify/{meeting.number}"' in after
    assert 'class="tag bad"' not in after
    # The meeting's own page is public and names none of its attendees' certificates.
    meeting_page = _text(app.test_client().get(f"/verify/{meeting.number}"))
    assert number not in meeting_page and key not in meeting_page and "王小明" not in meeting_page


@pytest.mark.parametrize("lang,words", [("zh_CN", "无法显示编号为"),
                                        ("en", "No certificate can be shown for the number")])
def test_an_unknown_number_is_a_clear_404_in_the_pages_language(client, lang, words):
    client.set_cookie("lang", lang)
    for path in ("/verify/ZCM-2026-999999", "/verify/not-a-number", "/certificates/ZCM-2026-999999.pdf"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert words in _text(response), path


def test_the_key_page_shows_the_multikey_and_the_did_document(app, client):
    from certificates.keys import issuer_for

    issuer = issuer_for(app.extensions["settings"])
    html = _text(client.get("/verify/key"))
    assert issuer.multikey in html and issuer.did in html
    assert f"flask certificates verify FILE.json --key {issuer.multikey}" in html
    document = client.get("/verify/key.json").get_json()
    assert document["verificationMethod"][0]["publicKeyMultibase"] == issuer.multikey
    negotiated = client.get("/verify/key", headers={"Accept": "application/json"})
    assert negotiated.get_json() == document


def test_the_pdf_and_its_annex_are_public_by_number(app, session, world):
    certificate = _meeting_certificate(app, session, world)
    visitor = app.test_client(use_cookies=False)
    pdf = visitor.get(f"/certificates/{certificate.number}.pdf")
    annex = visitor.get(f"/certificates/{certificate.number}/annex.pdf")
    assert pdf.status_code == annex.status_code == 200
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert annex.data.startswith(b"%PDF") and annex.data != pdf.data
    assert account_of(session, world["org"].id)  # the organisation's account holds the rest


def test_the_organiser_downloads_all_personal_certificates_as_one_zip_through_the_job_queue(database, session,
                                                                                            tmp_path, world):
    import zipfile

    from app import create_app
    from tests.conftest import make_test_settings

    app = create_app(make_test_settings(tmp_path, tasks_immediate=True), database=database)
    numbers = []
    for name in ("张三", "李四"):
        phone = app.test_client()
        action, token = _answer_and_read_offer(phone, world["token"])
        done = phone.post(action, data={"form_token": token, "holder_name": name, "payment_method": "on_site",
                                        "payment_reference": f"R-{name}"})
        numbers.append(_number_and_key(done.headers["Location"]))
    client = app.test_client()
    _sign_in(client, world["organiser"])
    page = client.get(f"/events/{world['event'].id}/neutralise")
    for number, key in numbers:  # the organiser's list links each personal certificate with its key
        assert f'href="/verify/{number}?k={key}">{number}</a>' in _text(page)
    started = client.post(f"/events/{world['event'].id}/neutralise/batch",
                          data={"csrf_token": csrf_token_from(page.get_data(as_text=True))})
    assert started.status_code == 303 and "job=" in started.headers["Location"]
    shown = _text(client.get(started.headers["Location"]))
    assert 'class="job-progress"' in shown and 'data-state="done"' in shown
    download = re.search(r'class="job-download" href="([^"]+)"', shown).group(1)
    archive = zipfile.ZipFile(io.BytesIO(client.get(download).data))
    assert sorted(archive.namelist()) == sorted(f"{n}.pdf" for n, _key in numbers)
    assert all(archive.read(name).startswith(b"%PDF") for name in archive.namelist())
    number, key = numbers[0]  # its QR code leads to the certificate's page with its key
    assert _qr_text(archive.read(f"{number}.pdf")) == f"http://localhost/verify/{number}?k={key}"


# ---- personal certificates: opened with their access key ----------------------------------------------------------


def _qr_text(pdf: bytes) -> str:
    """The text of the one QR code on a PDF's first page."""
    import subprocess
    import tempfile
    from pathlib import Path

    import zxingcpp

    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", "-singlefile", "-",
                        str(Path(folder) / "page")], input=pdf, capture_output=True, check=True)
        [code] = zxingcpp.read_barcodes(Image.open(Path(folder) / "page.png"))
    return code.text


def _personal_certificate(app, world, name: str = "王小明") -> tuple[str, str]:
    """An attendee neutralises from their phone: (the personal certificate's number, its access key)."""
    phone = app.test_client()
    action, token = _answer_and_read_offer(phone, world["token"])
    done = phone.post(action, data={"form_token": token, "holder_name": name, "payment_method": "on_site",
                                    "payment_reference": "R-1"})
    assert done.status_code == 303
    return _number_and_key(done.headers["Location"])


PUBLIC_PATHS = ("/verify/{}", "/certificates/{}.pdf", "/certificates/{}/annex.pdf", "/certificates/{}.json")


def test_a_personal_certificate_opens_with_its_key_and_is_as_missing_as_an_unknown_number_without_it(
        app, session, world):
    number, key = _personal_certificate(app, world)
    certificate = session.exec(select(Certificate).where(Certificate.number == number)).one()
    assert certificate.access_key == key
    unissued = re.sub(r"\d{6}$", "999999", number)
    visitor = app.test_client(use_cookies=False)
    for path in PUBLIC_PATHS:
        opened = visitor.get(path.format(number), query_string={"k": key})
        assert opened.status_code == 200, path
        for query in ({}, {"k": ""}, {"k": key[:-1] + ("A" if key[-1] != "A" else "B")}, {"k": "短"},
                      {"K": key}):
            refused = visitor.get(path.format(number), query_string=query)
            unknown = visitor.get(path.format(unissued), query_string=query)
            assert refused.status_code == unknown.status_code == 404, (path, query)
            # The same page as for a number never issued, but for the number itself: nothing says it exists.
            assert refused.get_data(as_text=True).replace(number, "N") == \
                unknown.get_data(as_text=True).replace(unissued, "N"), (path, query)
            assert "王小明" not in _text(refused)
    page = _text(visitor.get(f"/verify/{number}", query_string={"k": key}))
    assert "王小明" in page and 'id="private-link"' in page and "仅凭编号无法查看" in page
    for link in (f"/certificates/{number}.pdf?k={key}", f"/certificates/{number}/annex.pdf?k={key}",
                 f"/certificates/{number}.json?k={key}"):
        assert f'href="{link}"' in page, link
    assert visitor.get(f"/certificates/{number}.json", query_string={"k": key}).get_data(
        as_text=True) == certificate.credential
    pdf = visitor.get(f"/certificates/{number}.pdf", query_string={"k": key})
    assert pdf.headers["Cache-Control"].startswith("private")


def test_the_signed_credential_and_the_pdfs_qr_code_carry_the_personal_certificates_key(app, session, world):
    number, key = _personal_certificate(app, world)
    other_number, other_key = _personal_certificate(app, world, name="李四")
    assert other_key != key
    certificate = session.exec(select(Certificate).where(Certificate.number == number)).one()
    subject = json.loads(certificate.credential)["credentialSubject"]
    assert subject["verify_url"] == f"http://localhost/verify/{number}?k={key}"
    pdf = app.test_client().get(f"/certificates/{number}.pdf", query_string={"k": key})
    assert _qr_text(pdf.data) == subject["verify_url"]
    # The QR code's address opens the page: what a phone scanning the paper gets.
    assert app.test_client().get(urlsplit(_qr_text(pdf.data)).path, query_string={"k": key}).status_code == 200
    assert app.test_client().get(f"/verify/{number}", query_string={"k": other_key}).status_code == 404


def test_a_meeting_certificate_stays_public_by_number_without_a_key(app, session, world):
    certificate = _meeting_certificate(app, session, world)
    assert certificate.access_key is None
    assert json.loads(certificate.credential)["credentialSubject"]["verify_url"] == \
        f"http://localhost/verify/{certificate.number}"
    visitor = app.test_client(use_cookies=False)
    for path in PUBLIC_PATHS:
        assert visitor.get(path.format(certificate.number)).status_code == 200, path
    assert visitor.get(f"/api/v1/certificates/{certificate.number}").status_code == 200
    page = _text(visitor.get(f"/verify/{certificate.number}"))
    assert "?k=" not in page and 'id="private-link"' not in page
    assert f'href="/certificates/{certificate.number}.pdf"' in page
    assert visitor.get(f"/certificates/{certificate.number}.pdf").headers["Cache-Control"].startswith("public")


def test_a_personal_certificate_issued_before_keys_existed_stays_public_by_number(app, session, world):
    number, _key = _personal_certificate(app, world)
    certificate = session.exec(select(Certificate).where(Certificate.number == number)).one()
    certificate.access_key = None  # as the rows the migration found
    session.add(certificate)
    session.commit()
    visitor = app.test_client(use_cookies=False)
    for path in PUBLIC_PATHS:
        assert visitor.get(path.format(number)).status_code == 200, path
    assert visitor.get(f"/api/v1/certificates/{number}").status_code == 200


def test_the_api_reads_a_personal_certificate_with_its_key_or_an_api_key_of_its_organisation(app, session, world):
    number, key = _personal_certificate(app, world)
    _own, own_secret = accounts.create_api_key(session=session, organisation_id=world["org"].id, name="erp")
    _other, other_secret = accounts.create_api_key(session=session, organisation_id=world["other"].id, name="bi")
    api = app.test_client(use_cookies=False)
    path = f"/api/v1/certificates/{number}"
    unknown = api.get(re.sub(r"\d{6}$", "999999", path))
    assert unknown.status_code == 404
    for query, headers in (({}, {}), ({"k": "wrong"}, {}), ({}, {"Authorization": f"Bearer {other_secret}"})):
        refused = api.get(path, query_string=query, headers=headers)
        assert refused.status_code == 404, (query, headers)
        assert refused.get_json()["error"] == {**unknown.get_json()["error"],
                                               "message": f"no certificate {number}"}
    for query, headers in (({"k": key}, {}), ({}, {"Authorization": f"Bearer {own_secret}"})):
        opened = api.get(path, query_string=query, headers=headers)
        assert opened.status_code == 200, (query, headers)
        assert opened.get_json()["credential"]["credentialSubject"]["holder_name"] == "王小明"
    # A key that is not one is refused as such, whichever certificate is asked for.
    for asked in (path, unknown.request.path):
        assert api.get(asked, headers={"Authorization": "Bearer tzk_nonsense"}).status_code == 401
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    parameters = spec["paths"]["/api/v1/certificates/{number}"]["get"]["parameters"]
    assert any(p["name"] == "k" and p["in"] == "query" for p in parameters)


def test_the_organisers_certificate_page_opens_its_personal_certificates_without_a_key_and_links_with_it(
        app, client, session, world):
    number, key = _personal_certificate(app, world)
    _sign_in(client, world["organiser"])
    page = _text(client.get(f"/certificates/{number}"))
    assert "王小明" in page
    for link in (f"/certificates/{number}.pdf?k={key}", f"/certificates/{number}/annex.pdf?k={key}",
                 f"/verify/{number}?k={key}"):
        assert f'href="{link}"' in page, link
    assert client.get(f"/verify/{number}").status_code == 404  # the public page asks the organiser for the key too
    other = app.test_client()
    _sign_in(other, world["other_organiser"])
    assert other.get(f"/certificates/{number}").status_code == 404


def test_the_operators_cli_verifies_a_personal_certificate_by_number_without_its_key(app, session, world):
    number, _key = _personal_certificate(app, world)
    result = app.test_cli_runner().invoke(args=["certificates", "verify", number])
    assert result.exit_code == 0, result.output
    assert f"certificate: {number}" in result.output and "signature: valid" in result.output
