"""Done when: a meeting certificate end to end over the app's routes: answers, two attendees neutralising their
share, a snapshot, the organiser's backstop, the certificate; its PDF's text and QR code; the verify page; a
personal certificate's inclusion proof checked against the meeting's root, its page opened with its access key."""

from __future__ import annotations

import io
import json
import re
import subprocess
from decimal import Decimal
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import zxingcpp
from PIL import Image
from sqlmodel import select

from accounts.models import Role
from certificates.models import Certificate, NeutralisationOffer
from ledger import merkle
from meetings import links
from tests.conftest import csrf_token_from, login
from tests.factories import DEFAULT_PASSWORD, make_event, make_organisation, make_user
from tests.ledger_factories import give_credits

OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "certificates"
ANSWERS = [{"origin": "北京", "travel_mode": "flight", "trip": "return", "hotel_nights": "2", "meals_bought": "no"},
           {"origin": "上海", "travel_mode": "high_speed_rail", "trip": "return", "hotel_nights": "1",
            "meals_bought": "no"},
           {"origin": "深圳", "travel_mode": "flight", "trip": "return", "hotel_nights": "0", "meals_bought": "no"}]


def _answer(app, token: str, answer: dict, name: str):
    phone = app.test_client()
    page = phone.get(f"/m/{token}")
    phone.post(f"/m/{token}", data={"csrf_token": csrf_token_from(page.get_data(as_text=True)), **answer,
                                    "name": name})
    return phone


def test_a_meeting_certificate_end_to_end_prints_its_serials_and_its_qr_code_leads_to_a_valid_verify_page(
        app, client, session):
    org = make_organisation(session, name_zh="零碳峰会组委会", name_en="Zero Carbon Summit Committee")
    organiser = make_user(session, org, role=Role.organiser)
    give_credits(session, org, 300, start=880_001)
    event = make_event(session, org, expected_attendance=30, electricity_kwh="900", meals_vegetarian=60)
    session.add(NeutralisationOffer(event_id=event.id, price_per_tonne_cny=Decimal("58.00")))
    session.commit()
    token = links.active_link(session=session, organisation_id=org.id, event_id=event.id).token

    personal = []
    for answer, name in zip(ANSWERS, ("张三", "Li Si", "王五"), strict=True):
        phone = _answer(app, token, answer, name)
        if len(personal) == 2:
            continue  # the third attendee answers but does not neutralise
        result = unescape(phone.get(f"/m/{token}/mine").get_data(as_text=True))
        action = re.search(r'action="(/m/neutralise/\d+)"', result).group(1)
        form_token = re.search(r'name="form_token" value="([^"]+)"', result).group(1)
        done = phone.post(action, data={"form_token": form_token, "holder_name": name, "payment_method": "on_site",
                                        "payment_reference": f"R-{len(personal) + 1}"})
        assert done.status_code == 303
        location = urlsplit(done.headers["Location"])
        personal.append((location.path.rsplit("/", 1)[1], parse_qs(location.query)["k"][0]))

    assert login(client, organiser.email, DEFAULT_PASSWORD).status_code == 302
    csrf = csrf_token_from(client.get(f"/events/{event.id}/neutralise").get_data(as_text=True))
    assert client.post(f"/events/{event.id}/snapshots", data={"csrf_token": csrf}).status_code == 302
    issued = client.post(f"/events/{event.id}/neutralise/issue", data={"csrf_token": csrf})
    assert issued.status_code == 303
    number = issued.headers["Location"].rsplit("/", 1)[1]
    certificate = session.exec(select(Certificate).where(Certificate.number == number)).one()
    subject = json.loads(certificate.credential)["credentialSubject"]
    assert subject["parts"]["attendees_count"] == 2 and subject["parts"]["organiser_tonnes"] > 0
    assert sum(c["tonnes"] for c in subject["credits"]) == subject["required_tonnes"]

    visitor = app.test_client(use_cookies=False)
    pdf = visitor.get(f"/certificates/{number}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / "end-to-end.pdf").write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf.data, capture_output=True,
                          check=True).stdout.decode()
    flat = re.sub(r"\s+", "", text)
    assert "零碳会议证书" in flat and number in flat
    for credit in subject["credits"]:
        for serial in credit["serials"]:  # namespace:start-end, printed as the credential states it
            assert re.sub(r"\s+", "", serial) in flat, serial
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", "-singlefile",
                    str(OUTPUT / "end-to-end.pdf"), str(OUTPUT / "end-to-end")], check=True, capture_output=True)
    page = Image.open(io.BytesIO((OUTPUT / "end-to-end.png").read_bytes()))
    [code] = zxingcpp.read_barcodes(page)
    assert code.text == subject["verify_url"] and code.text.endswith(f"/verify/{number}")

    # A personal certificate's QR code carries its key: the paper opens the page a stranger cannot.
    personal_number, key = personal[0]
    assert visitor.get(f"/certificates/{personal_number}.pdf").status_code == 404
    personal_pdf = visitor.get(f"/certificates/{personal_number}.pdf", query_string={"k": key})
    (OUTPUT / "end-to-end-personal.pdf").write_bytes(personal_pdf.data)
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", "-singlefile",
                    str(OUTPUT / "end-to-end-personal.pdf"), str(OUTPUT / "end-to-end-personal")], check=True,
                   capture_output=True)
    [code] = zxingcpp.read_barcodes(Image.open(OUTPUT / "end-to-end-personal.png"))
    assert code.text.endswith(f"/verify/{personal_number}?k={key}")
    scanned = urlsplit(code.text)
    assert visitor.get(scanned.path, query_string=scanned.query).status_code == 200

    verify = visitor.get(f"/verify/{number}")
    html = unescape(verify.get_data(as_text=True))
    assert verify.status_code == 200 and 'class="verify-status state-valid"' in html and "签名有效" in html

    root = bytes.fromhex(subject["parts"]["allocations_root"])
    for index, (personal_number, key) in enumerate(personal):
        stored = session.exec(select(Certificate).where(Certificate.number == personal_number)).one()
        proof = json.loads(stored.credential)["credentialSubject"]["allocation_proof"]
        leaf = merkle.leaf_hash(proof["leaf"].encode())
        assert merkle.verify_inclusion(proof["index"], proof["tree_size"], leaf,
                                       [bytes.fromhex(h) for h in proof["audit_path"]], bytes.fromhex(proof["root"]))
        # The same leaf in the meeting's root: through the pool's tree, and as the verify page checks it.
        assert proof["index"] == index
        assert visitor.get(f"/verify/{personal_number}").status_code == 404  # a stranger without the key
        shown = unescape(visitor.get(f"/verify/{personal_number}", query_string={"k": key}).get_data(as_text=True))
        assert f'href="/verify/{number}"' in shown and 'class="tag bad"' not in shown
        assert personal_number not in html  # the meeting's public page lists no attendee's certificate
    from certificates import shares
    from certificates.models import PoolKind

    tree = shares.pool_tree(session, PoolKind.event_attendees, event.id)
    assert tree.root_hex == root.hex() and tree.size == 2
