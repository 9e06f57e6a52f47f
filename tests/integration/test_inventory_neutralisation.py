"""Neutralising a closed inventory year through the ledger, and the travel a meeting certificate already covers."""

from __future__ import annotations

import json
import threading
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from app import create_app
from certificates import bridge, issuing, status
from certificates.keys import public_key_of_did
from certificates.models import Certificate, CertificateStatus, NeutralisationOffer
from certificates.signing import verify
from db import (
    Database,
    make_engine,
    utcnow,  # noqa: I001
)
from errors import Conflict, NotFound, ValidationError
from inventory import periods, records, reports
from inventory.imports import import_rows
from inventory.models import ActivityRecord, ReportingYear
from inventory.rights import Actor
from ledger.invariants import check_invariants
from ledger.models import Retirement
from ledger.retirement import InsufficientCredits
from meetings import footprint as event_footprint
from tests.conftest import make_test_settings
from tests.factories import make_attendee_response, make_event, make_organisation, make_user
from tests.inventory_data import make_facilities, year_rows
from tests.ledger_factories import give_credits

BASE = "https://tanzhong.example.org"
# The test's clock: the data's year (2025) has ended by then, whatever today is.
NOW = utcnow().replace(microsecond=0)
REDUCTIONS = "2024 年起办公室改用绿电，车队电动化；2030 年前范围一二减排 40%。"


@pytest.fixture
def signers(app):
    with app.app_context():
        yield issuing.signers_for(app.extensions["settings"], BASE)


def company(session, *, year: int = 2025, months: int = 2):
    """An organisation with three facilities and `months` months of records in `year`, entered by its staff."""
    organisation = make_organisation(session)
    admin = make_user(session, organisation, role="admin")
    make_facilities(session, organisation.id, admin.id)
    rows = [row for row in year_rows(year) if int(row["month"][5:]) <= months]
    import_rows(session, organisation.id, admin.id, enumerate(rows, start=2), file_name="year.csv", now=NOW)
    return organisation, admin, Actor.member(organisation.id, admin.id, "admin")


def required_of(session, actor, year) -> int:
    kg = reports.year_report(session=session, actor=actor, year=year).neutralisable_kgco2e
    return int(-(-kg // 1000))


def test_a_closed_year_is_neutralised_once_against_its_period_and_its_statement_verifies(app, session, signers):
    organisation, admin, actor = company(session)
    periods.close_year(session=session, actor=actor, year=2025, now=NOW)
    required = required_of(session, actor, 2025)
    assert required > 10
    give_credits(session, organisation, required + 7)
    with app.app_context():
        certificate = issuing.neutralise_inventory_period(session, signers=signers, organisation_id=organisation.id,
                                                          year=2025, issued_by_id=admin.id,
                                                          reduction_statement=REDUCTIONS)
        again = issuing.neutralise_inventory_period(session, signers=signers, organisation_id=organisation.id,
                                                    year=2025, issued_by_id=admin.id)
    assert again.id == certificate.id and certificate.number.startswith("ECN-")
    period = periods.find_year(session, organisation.id, 2025)
    session.refresh(period)
    assert period.neutralised_certificate == certificate.number
    (retirement,) = session.exec(select(Retirement).where(Retirement.subject_kind == "inventory_period")).all()
    assert (retirement.subject_id, retirement.tonnes) == (period.id, required)
    document = json.loads(certificate.credential)
    subject = document["credentialSubject"]
    verify(document, public_key=public_key_of_did(document["issuer"]["id"]))
    assert subject["type"] == "EnterpriseCarbonNeutrality" and subject["number"] == certificate.number
    assert subject["required_tonnes"] == required and sum(c["tonnes"] for c in subject["credits"]) == required
    assert subject["claim"]["code"] == "carbon_neutral", subject["missing"]
    assert subject["standard"]["code"] == "ISO-14068-1:2023" and subject["reductions"] == REDUCTIONS
    assert subject["subject"]["reporting_year"] == 2025 and subject["subject"]["organisation_zh"]
    report = reports.year_report(session=session, actor=actor, year=2025)
    assert sum(Decimal(e["kgco2e"]) for e in subject["emissions"]) == report.neutralisable_kgco2e
    # The boundary names each category the records cover, in Chinese above English.
    boundary = {item["code"]: (item["zh"], item["en"]) for item in subject["boundary"]}
    assert set(boundary) == set(report.by_ghg_category)
    assert boundary["1 Stationary combustion"] == ("1 固定燃烧", "1 Stationary combustion")
    assert status.standing(session, certificate, issuer_key=signers.issuer.private_key.public_key()).state == "valid"
    assert check_invariants(session) == []
    # The statement stands on these figures: the year no longer changes, even for an admin with a reason.
    record = session.exec(select(ActivityRecord).where(ActivityRecord.organisation_id == organisation.id)).first()
    with pytest.raises(Conflict) as refused:
        records.delete_record(session=session, actor=actor, record_id=record.id, reason="typo")
    assert refused.value.code == "year_neutralised"


def test_without_a_reduction_statement_the_statement_claims_only_partial_compensation(app, session, signers):
    organisation, admin, actor = company(session, months=1)
    periods.close_year(session=session, actor=actor, year=2025, now=NOW)
    give_credits(session, organisation, required_of(session, actor, 2025))
    with app.app_context():
        certificate = issuing.neutralise_inventory_period(session, signers=signers, organisation_id=organisation.id,
                                                          year=2025)
    subject = json.loads(certificate.credential)["credentialSubject"]
    assert subject["claim"]["code"] == "partially_compensated"
    assert [m["code"] for m in subject["missing"]] == ["claim.no_reduction_statement"]


def test_a_year_not_closed_is_refused_and_nothing_is_retired(app, session, signers):
    organisation, admin, actor = company(session, months=1)
    periods.set_year_details(session=session, actor=actor, year=2025, values={"revenue": Decimal("1000000")})
    give_credits(session, organisation, 500)
    with app.app_context(), pytest.raises(Conflict) as refused:
        issuing.neutralise_inventory_period(session, signers=signers, organisation_id=organisation.id, year=2025)
    assert refused.value.code == "year_not_closed"
    with app.app_context(), pytest.raises(NotFound):
        issuing.neutralise_inventory_period(session, signers=signers, organisation_id=organisation.id, year=2019)
    assert session.exec(select(Retirement)).all() == [] and session.exec(select(Certificate)).all() == []


def test_not_enough_credits_issues_nothing_and_says_how_many_tonnes_are_missing(app, session, signers):
    organisation, admin, actor = company(session, months=1)
    periods.close_year(session=session, actor=actor, year=2025, now=NOW)
    required = required_of(session, actor, 2025)
    give_credits(session, organisation, required - 3)
    with app.app_context(), pytest.raises(InsufficientCredits) as refused:
        issuing.neutralise_inventory_period(session, signers=signers, organisation_id=organisation.id, year=2025)
    assert (refused.value.requested, refused.value.held) == (required, required - 3)
    assert refused.value.requested - refused.value.held == 3
    assert session.exec(select(Retirement)).all() == [] and session.exec(select(Certificate)).all() == []
    assert periods.find_year(session, organisation.id, 2025).neutralised_certificate is None


def meeting_with_named_attendees(app, session, signers):
    """Another organisation's meeting, certified, with three attendees who put their names on certificates."""
    organiser = make_organisation(session)
    event = make_event(session, organiser, expected_attendance=30, electricity_kwh="800")
    give_credits(session, organiser, 400, start=900_001)
    session.add(NeutralisationOffer(event_id=event.id, price_per_tonne_cny=Decimal("0")))
    session.commit()
    people = {}
    with app.app_context():
        for name, origin, mode in (("王芳", "北京", "flight"), ("李雷", "上海", "high_speed_rail"),
                                   ("陌生人", "成都", "flight")):
            response = make_attendee_response(session, event, origin=origin, travel_mode=mode)
            people[name] = issuing.neutralise_attendee(session, signers=signers, response_id=response.response_id,
                                                       holder_name=name)
        event_footprint.take_snapshot(session=session, organisation_id=organiser.id, event_id=event.id)
        meeting = issuing.neutralise_meeting(session, signers=signers, organisation_id=organiser.id,
                                             event_id=event.id)
    return event, meeting, people


def test_a_company_imports_its_people_s_meeting_travel_already_compensated_and_never_neutralises_it_again(
        app, session, signers):
    event, meeting, people = meeting_with_named_attendees(app, session, signers)
    year = event.starts_on.year
    organisation, admin, actor = company(session, year=year, months=12)
    staff = make_user(session, organisation, role="staff")
    staff_actor = Actor.member(organisation.id, staff.id, "staff")
    key = signers.issuer.private_key.public_key()
    found = bridge.meeting_travel(session=session, actor=staff_actor, number=meeting.number.lower(), issuer_key=key)
    assert [t.holder_name for t in found.travellers] == sorted(["王芳", "李雷", "陌生人"])
    ours = [people["王芳"].id, people["李雷"].id]
    lines = bridge.import_meeting_travel(session=session, actor=staff_actor, number=meeting.number,
                                         neutralisation_ids=ours, facility="广州办公室", issuer_key=key, now=NOW)
    assert {line.compensated_by_certificate for line in lines} == {meeting.number}
    assert {line.kind.value for line in lines} == {"business_travel"}
    assert {line.activity for line in lines} == {"flight", "rail"}
    assert {line.month.month for line in lines} == {event.starts_on.month}
    assert all(line.destination == event.city_code and line.kgco2e > 0 for line in lines)
    compensated = sum(line.kgco2e for line in lines)
    report = reports.year_report(session=session, actor=actor, year=year)
    assert report.compensated_kgco2e == compensated
    assert report.neutralisable_kgco2e == report.totals.total - compensated
    # The same people twice: refused, nothing more written; the listing marks them imported.
    with pytest.raises(Conflict) as twice:
        bridge.import_meeting_travel(session=session, actor=staff_actor, number=meeting.number,
                                     neutralisation_ids=[people["王芳"].id], facility="广州办公室", issuer_key=key)
    assert twice.value.code == "already_imported"
    again = bridge.meeting_travel(session=session, actor=staff_actor, number=meeting.number, issuer_key=key)
    assert {t.holder_name: t.imported for t in again.travellers} == {"王芳": True, "李雷": True, "陌生人": False}
    # The lines are not edited as ordinary records.
    with pytest.raises(Conflict) as edit:
        records.update_record(session=session, actor=actor, record_id=lines[0].id,
                              values=records.entry_of(lines[0], "广州办公室"))
    assert edit.value.code == "compensated_line"
    # Neutralising the year retires tonnes for everything but those lines.
    periods.close_year(session=session, actor=actor, year=year, now=NOW)
    required = -(-(report.totals.total - compensated) // 1000)
    give_credits(session, organisation, int(required), start=950_001)
    with app.app_context():
        statement = issuing.neutralise_inventory_period(session, signers=signers, organisation_id=organisation.id,
                                                        year=year, reduction_statement=REDUCTIONS)
    subject = json.loads(statement.credential)["credentialSubject"]
    assert subject["required_tonnes"] == required
    assert subject["compensated"] == {"kgco2e": format(compensated.normalize(), "f"),
                                      "certificates": [meeting.number]}


def test_a_meeting_certificate_that_is_revoked_or_personal_gives_no_travel(app, session, signers):
    event, meeting, people = meeting_with_named_attendees(app, session, signers)
    organisation, admin, actor = company(session, months=1)
    key = signers.issuer.private_key.public_key()
    personal = session.get(Certificate, people["王芳"].certificate_id)
    with pytest.raises(ValidationError) as wrong_kind:
        bridge.meeting_travel(session=session, actor=actor, number=personal.number, issuer_key=key)
    assert "number" in wrong_kind.value.fields
    status.revoke(session, number=meeting.number, reason="registry correction")
    assert session.get(Certificate, meeting.id).status == CertificateStatus.revoked
    with pytest.raises(Conflict) as revoked:
        bridge.meeting_travel(session=session, actor=actor, number=meeting.number, issuer_key=key)
    assert revoked.value.code == "certificate_not_valid"
    with pytest.raises(NotFound):
        bridge.meeting_travel(session=session, actor=actor, number="ZCM-2099-000999", issuer_key=key)


def test_two_requests_at_once_give_one_statement_and_one_retirement(committed_database_url, tmp_path):
    engine = make_engine(committed_database_url)
    app = create_app(make_test_settings(tmp_path), database=Database(engine))
    with app.app_context(), Session(engine, expire_on_commit=False) as session:
        organisation, admin, actor = company(session, months=1)
        periods.close_year(session=session, actor=actor, year=2025, now=NOW)
        required = required_of(session, actor, 2025)
        give_credits(session, organisation, required * 2)
        signers = issuing.signers_for(app.extensions["settings"], BASE)
    barrier = threading.Barrier(4)
    numbers, errors = [], []

    def press():
        with app.app_context(), Session(engine, expire_on_commit=False) as own:
            barrier.wait()
            try:
                numbers.append(issuing.neutralise_inventory_period(own, signers=signers,
                                                                   organisation_id=organisation.id,
                                                                   year=2025).number)
            except Exception as error:  # noqa: BLE001 (collected and asserted below)
                errors.append(error)

    threads = [threading.Thread(target=press) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with Session(engine) as session:
        retirements = session.exec(select(Retirement).where(Retirement.subject_kind == "inventory_period")).all()
        statements = session.exec(select(Certificate).where(Certificate.subject_kind == "inventory_period")).all()
        period = session.exec(select(ReportingYear).where(ReportingYear.organisation_id == organisation.id)).one()
    engine.dispose()
    assert errors == []
    assert len(statements) == 1 and set(numbers) == {statements[0].number}
    assert [r.tonnes for r in retirements] == [required] and period.neutralised_certificate == numbers[0]
