"""Issuing certificates on a real database: attendees' shares first, the organiser's remainder, one certificate."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlmodel import select

from certificates import issuing, shares, status
from certificates.keys import public_key_of_did
from certificates.models import (
    GRAMS_PER_TONNE,
    Certificate,
    CertificateStatus,
    NeutralisationOffer,
    PoolKind,
    SharedTonne,
)
from certificates.signing import verify
from ledger import accounts, merkle
from ledger.invariants import check_invariants
from ledger.models import Retirement
from ledger.retirement import InsufficientCredits
from meetings import footprint as event_footprint
from tests.factories import make_attendee_response, make_event, make_organisation
from tests.ledger_factories import issue_ccer, make_credit_project

BASE = "https://tanzhong.example.org"


@pytest.fixture
def signers(app):
    with app.app_context():
        yield issuing.signers_for(app.extensions["settings"], BASE)


@pytest.fixture
def meeting(session, app):
    organisation = make_organisation(session)
    event = make_event(session, organisation, expected_attendance=40, electricity_kwh="1200", paper_kg="20",
                       meals_poultry=80, waste_kg={"commercial_industrial.landfill": "50"})
    account = accounts.account_of(session, organisation.id)
    issue_ccer(session, make_credit_project(session), account, 1001, 1400, vintage=2023)
    session.add(NeutralisationOffer(event_id=event.id, price_per_tonne_cny=Decimal("70.76")))
    session.commit()
    return organisation, event, account


def answer(session, event, **answers):
    make_attendee_response(session, event, **answers)
    from meetings.models import AttendeeResponse

    return session.exec(select(AttendeeResponse).where(AttendeeResponse.event_id == event.id)
                        .order_by(AttendeeResponse.id.desc())).first()


def credential(certificate: Certificate) -> dict:
    return json.loads(certificate.credential)


def test_two_attendees_then_the_organiser_give_one_meeting_certificate_covering_both_parts(app, session, meeting,
                                                                                           signers):
    organisation, event, account = meeting
    with app.app_context():
        first = answer(session, event, origin="北京", travel_mode="flight")
        second = answer(session, event, origin="上海", travel_mode="high_speed_rail")
        one = issuing.neutralise_attendee(session, signers=signers, response_id=first.id, holder_name="张三")
        two = issuing.neutralise_attendee(session, signers=signers, response_id=second.id, holder_name="Li Si",
                                          payment_method="on_site", payment_reference="R-0001")
        assert one.grams == shares.grams_of(first.total_kgco2e) and two.grams == shares.grams_of(second.total_kgco2e)
        # Paid on site at the organiser's price, to the cent above; a free share records nothing charged.
        assert two.amount_cny == (Decimal("70.76") * two.grams / GRAMS_PER_TONNE).quantize(Decimal("0.01"),
                                                                                          "ROUND_CEILING")
        assert (one.payment_method, one.amount_cny, two.payment_reference) == ("free", 0, "R-0001")
        attendee_tonnes = shares.pool_tonnes(session, PoolKind.event_attendees, event.id)
        assert attendee_tonnes == -(-(one.grams + two.grams) // GRAMS_PER_TONNE)
        # The shared tonnes are retired for the meeting's attendees: the public ledger names no attendee.
        pool_retirements = session.exec(select(Retirement).where(Retirement.subject_kind == "event_attendees")).all()
        assert pool_retirements and {r.beneficiary for r in pool_retirements} == {
            f"{event.name_zh} 参会者 / attendees of {event.name_en}"}
        event_footprint.take_snapshot(session=session, organisation_id=organisation.id, event_id=event.id)
        certificate = issuing.neutralise_meeting(session, signers=signers, organisation_id=organisation.id,
                                                 event_id=event.id)
        again = issuing.neutralise_meeting(session, signers=signers, organisation_id=organisation.id,
                                           event_id=event.id)
    assert again.id == certificate.id
    document = credential(certificate)
    subject = document["credentialSubject"]
    assert certificate.number.startswith("ZCM-") and subject["number"] == certificate.number
    required = subject["required_tonnes"]
    assert subject["parts"]["attendee_tonnes"] == attendee_tonnes
    assert subject["parts"]["organiser_tonnes"] == required - attendee_tonnes
    assert sum(c["tonnes"] for c in subject["credits"]) == required
    assert subject["claim"]["code"] == "carbon_neutral", subject["missing"]
    # The method names the answers counted and the 90% interval of the total, non-respondents extrapolated.
    low, high = (Decimal(v) for v in subject["method"]["interval_tco2e"])
    assert low <= Decimal(subject["total_tco2e"]) <= high and low < high
    assert "38 位按共轭正态模型外推" in subject["method"]["zh"] and "2 attendees' answers" in subject["method"]["en"]
    verify(document, public_key=public_key_of_did(document["issuer"]["id"]))
    snapshot_retirements = session.exec(select(Retirement).where(Retirement.subject_kind == "event_snapshot")).all()
    assert [r.tonnes for r in snapshot_retirements] == [required - attendee_tonnes]  # one retirement, once
    # Each personal certificate's leaf is in the tree whose root the meeting certificate prints.
    root = bytes.fromhex(subject["parts"]["allocations_root"])
    tree = shares.pool_tree(session, PoolKind.event_attendees, event.id)
    for index, neutralisation in enumerate((one, two)):
        personal = credential(session.get(Certificate, neutralisation.certificate_id))["credentialSubject"]
        proof = personal["allocation_proof"]
        leaf = merkle.leaf_hash(proof["leaf"].encode())
        assert merkle.verify_inclusion(proof["index"], proof["tree_size"], leaf,
                                       [bytes.fromhex(h) for h in proof["audit_path"]], bytes.fromhex(proof["root"]))
        assert merkle.verify_inclusion(index, tree.size, leaf, [bytes.fromhex(h) for h in tree.inclusion(index)],
                                       root)
    assert all(t.allocated_g <= GRAMS_PER_TONNE for t in session.exec(select(SharedTonne)))
    assert check_invariants(session) == []


def test_not_enough_credits_issues_nothing_and_says_how_many_are_missing(app, session, signers):
    organisation = make_organisation(session)
    event = make_event(session, organisation, expected_attendance=400)
    account = accounts.account_of(session, organisation.id)
    issue_ccer(session, make_credit_project(session), account, 1, 3)
    with app.app_context():
        snapshot = event_footprint.take_snapshot(session=session, organisation_id=organisation.id, event_id=event.id)
        with pytest.raises(InsufficientCredits) as refused:
            issuing.neutralise_meeting(session, signers=signers, organisation_id=organisation.id, event_id=event.id)
    assert refused.value.requested == snapshot.credits_needed_t and refused.value.held == 3
    assert session.exec(select(Certificate)).all() == []
    assert session.exec(select(Retirement)).all() == []


def test_a_newer_snapshot_needing_more_gets_a_new_certificate_that_supersedes_the_old(app, session, meeting,
                                                                                       signers):
    organisation, event, _account = meeting
    with app.app_context():
        answer(session, event, origin="广州", travel_mode="metro", distance_km="12")
        event_footprint.take_snapshot(session=session, organisation_id=organisation.id, event_id=event.id)
        old = issuing.neutralise_meeting(session, signers=signers, organisation_id=organisation.id,
                                         event_id=event.id)
        answer(session, event, origin="乌鲁木齐", travel_mode="flight")
        event_footprint.take_snapshot(session=session, organisation_id=organisation.id, event_id=event.id)
        new = issuing.neutralise_meeting(session, signers=signers, organisation_id=organisation.id,
                                         event_id=event.id)
    session.refresh(old)
    assert new.id != old.id and old.status == CertificateStatus.superseded and old.superseded_by_id == new.id
    retired = [r.tonnes for r in session.exec(select(Retirement).order_by(Retirement.id))]
    assert sum(retired) == credential(new)["credentialSubject"]["required_tonnes"]  # only the difference again


def _issued(app, session, meeting, signers):
    organisation, event, _account = meeting
    with app.app_context():
        answer(session, event, origin="北京", travel_mode="flight")
        event_footprint.take_snapshot(session=session, organisation_id=organisation.id, event_id=event.id)
        return issuing.neutralise_meeting(session, signers=signers, organisation_id=organisation.id,
                                          event_id=event.id)


def test_one_changed_character_in_a_stored_certificate_fails_the_signature_everywhere(app, session, meeting,
                                                                                       signers, tmp_path):
    certificate = _issued(app, session, meeting, signers)
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["certificates", "verify", certificate.number])
    assert ok.exit_code == 0, ok.output
    assert "signature: valid" in ok.output and "status: valid" in ok.output
    saved = tmp_path / "certificate.json"
    saved.write_text(certificate.credential, encoding="utf-8")
    offline = runner.invoke(args=["certificates", "verify", str(saved), "--key", signers.issuer.multikey])
    assert offline.exit_code == 0, offline.output
    certificate.credential = certificate.credential.replace('"total_tco2e":"', '"total_tco2e":"1', 1)
    session.add(certificate)
    session.commit()
    with app.app_context():
        state = status.standing(session, certificate, issuer_key=signers.issuer.public_key)
    assert state.signature.ok is False and state.signature.code == "signature_mismatch"
    bad = runner.invoke(args=["certificates", "verify", certificate.number])
    assert bad.exit_code == 1 and "signature: INVALID" in bad.output


def test_a_credential_signed_by_another_key_is_refused_even_if_self_consistent(app, session, meeting, signers):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from certificates.keys import Issuer
    from certificates.signing import sign

    certificate = _issued(app, session, meeting, signers)
    document = credential(certificate)
    document.pop("proof")
    forger = Issuer(Ed25519PrivateKey.generate(), "forger")
    document["issuer"]["id"] = forger.did
    forged = sign(document, key=forger.private_key, verification_method=forger.verification_method, created="x")
    assert status.check_credential(forged).ok  # consistent with itself...
    check = status.check_credential(forged, expected_issuer=signers.issuer.public_key)
    assert (check.ok, check.code) == (False, "unknown_issuer_key")  # ...but not this service's


def test_revoking_shows_the_reason_and_fails_the_cli(app, session, meeting, signers):
    certificate = _issued(app, session, meeting, signers)
    status.revoke(session, number=certificate.number, reason="签到数据有误 / attendance data was wrong")
    state = status.standing(session, certificate, issuer_key=signers.issuer.public_key)
    assert (state.state, state.reason) == ("revoked", "签到数据有误 / attendance data was wrong")
    assert state.signature.ok  # revoked, not forged
    result = app.test_cli_runner().invoke(args=["certificates", "verify", certificate.number])
    assert result.exit_code == 1 and "status: revoked (签到数据有误" in result.output


def test_invalidated_credits_mark_the_certificate_short_until_replaced(app, session, meeting, signers):
    from ledger import invalidation

    certificate = _issued(app, session, meeting, signers)
    part = credential(certificate)["credentialSubject"]["credits"][0]
    namespace, serials = part["serials"][0].rsplit(":", 1)
    start = int(serials.split("-")[0])
    invalidation.invalidate(session, registry=part["registry"], serial_namespace=namespace, serial_start=start,
                            serial_end=start, reason="registry reversal")
    state = status.standing(session, certificate, issuer_key=signers.issuer.public_key)
    assert (state.state, state.shortfall_tonnes) == ("shortfall", 1)


def test_a_withheld_claim_carries_its_reasons_in_both_languages_in_the_signed_credential(app, session, signers):
    organisation = make_organisation(session)
    event = make_event(session, organisation, expected_attendance=40)  # no venue, catering or waste data
    issue_ccer(session, make_credit_project(session), accounts.account_of(session, organisation.id), 1, 500)
    with app.app_context():
        event_footprint.take_snapshot(session=session, organisation_id=organisation.id, event_id=event.id)
        certificate = issuing.neutralise_meeting(session, signers=signers, organisation_id=organisation.id,
                                                 event_id=event.id)
    subject = credential(certificate)["credentialSubject"]
    assert subject["claim"]["code"] == "partially_compensated"
    waste = next(r for r in subject["missing"] if r.get("item") == "waste")
    assert waste["code"] == "claim.input_missing"
    assert "废弃物" in waste["zh"] and "Waste" in waste["en"]


def test_each_personal_certificate_gets_its_own_access_key_signed_into_its_verify_url_and_a_meeting_none(
        app, session, meeting, signers):
    organisation, event, _account = meeting
    with app.app_context():
        people = [issuing.neutralise_attendee(session, signers=signers, response_id=answer(
            session, event, origin=origin, travel_mode="high_speed_rail").id, holder_name=name)
                  for origin, name in (("上海", "张三"), ("成都", "李四"))]
        event_footprint.take_snapshot(session=session, organisation_id=organisation.id, event_id=event.id)
        meeting_certificate = issuing.neutralise_meeting(session, signers=signers, organisation_id=organisation.id,
                                                         event_id=event.id)
    personal = [session.get(Certificate, p.certificate_id) for p in people]
    keys = [c.access_key for c in personal]
    assert all(key and len(key) == 43 for key in keys) and keys[0] != keys[1]
    for certificate in personal:
        document = credential(certificate)
        assert document["credentialSubject"]["verify_url"] == \
            f"{BASE}/verify/{certificate.number}?k={certificate.access_key}"
        verify(document, public_key=public_key_of_did(document["issuer"]["id"]))  # the key is under the signature
    assert meeting_certificate.access_key is None
    assert credential(meeting_certificate)["credentialSubject"]["verify_url"] == \
        f"{BASE}/verify/{meeting_certificate.number}"
