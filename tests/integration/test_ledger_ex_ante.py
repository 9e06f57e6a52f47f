"""Ex-ante credits from a sink estimate: registered as placeholder blocks, never retired, replaced by ex-post blocks."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlmodel import select

from calculators.footprint import Footprint
from certificates import citizens, issuing
from errors import Conflict, ValidationError
from footprints import service as footprint_service
from footprints.schemas import PersonalFootprintRequestSchema
from ledger import accounts, retirement
from ledger.ex_ante import ExPostLine, issue_expected, replace_ex_ante
from ledger.invariants import check_invariants
from ledger.models import BlockStatus, CreditBlock, CreditIssuance, Invalidation, LogEntry
from ledger.retirement import InsufficientCredits
from ledger.verify import verify_ledger
from sinks import registration
from sinks.schemas import SinkEstimateRequestSchema
from tests.ledger_factories import issue_ccer, make_credit_project

RAW_ESTIMATE = {"plots": [{"area": "100", "area_unit": "ha", "province": "CN-JX", "species_group": "other_conifer",
                           "origin": "planted", "stand_age": "0", "crediting_years": "20"}],
                "uncertainty_discount_pct": "10", "risk_buffer_pct": "10"}


def register(session, project, first_year=2026):
    return registration.register_estimate(session, project_id=project.id, first_year=first_year,
                                          request=SinkEstimateRequestSchema().load(RAW_ESTIMATE),
                                          raw_request=RAW_ESTIMATE)


def live(session, **where):
    query = select(CreditBlock).where(CreditBlock.status != BlockStatus.split)
    for name, value in where.items():
        query = query.where(getattr(CreditBlock, name) == value)
    return list(session.exec(query.order_by(CreditBlock.serial_namespace, CreditBlock.serial_start)).all())


def test_an_estimate_becomes_one_ex_ante_block_per_crediting_year_adding_up_to_its_whole_tonnes(session):
    project = make_credit_project(session, registry_project_id="CCER-JX-001")
    registered = register(session, project)
    blocks = live(session, project_id=project.id)
    assert registered.expected_tonnes == 27560 == sum(b.quantity for b in blocks)
    assert [b.vintage for b in blocks] == list(range(2026, 2046))
    assert [b.quantity for b in blocks][:3] == [1373, 1374, 1373]
    assert all(b.is_ex_ante and b.status == BlockStatus.held for b in blocks)
    assert {b.serial_namespace for b in blocks} == {"ex-ante:ccer:CCER-JX-001"}
    assert (blocks[0].serial_start, blocks[-1].serial_end) == (1, 27560)
    assert blocks[0].serial_text == "EX-ANTE CCER-JX-001 2026 1-1373"
    issuances = session.exec(select(CreditIssuance).where(CreditIssuance.project_id == project.id)).all()
    assert {i.source for i in issuances} == {f"sink estimate #{registered.id}"}
    assert sorted(registered.issuance_ids) == sorted(i.id for i in issuances)
    kept = registered.estimate
    assert kept["request"] == RAW_ESTIMATE and kept["net_credits"] == 27560
    assert kept["net_t_co2"] == "27560.649601" and kept["library_version"]
    assert check_invariants(session) == []


def test_a_second_estimate_of_the_project_continues_the_placeholder_numbers(session):
    project = make_credit_project(session)
    register(session, project)
    second = register(session, project, first_year=2030)
    blocks = live(session, project_id=project.id)
    assert blocks[-1].serial_end == 2 * 27560 and second.expected_tonnes == 27560
    assert check_invariants(session) == []


def test_an_ex_ante_block_is_never_retired_nor_used_for_a_personal_certificate(session, app):
    project = make_credit_project(session)
    register(session, project)
    pool = accounts.pool_account(session)
    with pytest.raises(InsufficientCredits) as caught:
        retirement.retire(session, account_id=pool.id, tonnes=1, subject_kind="personal_footprint", subject_id=1,
                          beneficiary="张三", reason="neutral", policy="oldest_vintage", idempotency_key="x")
    assert caught.value.held == 0
    footprint: Footprint = footprint_service.compute_footprint("personal", PersonalFootprintRequestSchema().load(
        {"legs": [{"mode": "car", "distance_km": "100"}], "food": [], "meals": {}, "options": {}}))
    kept = citizens.keep_footprint(session=session, footprint=footprint, request_data={})
    with app.app_context():
        signers = issuing.signers_for(app.extensions["settings"], "https://tanzhong.example.org")
        with pytest.raises(InsufficientCredits):
            issuing.neutralise_citizen(session, signers=signers, footprint_token=kept.public_token,
                                       holder_name="张三", price_per_tonne_cny=Decimal(0))
    assert all(b.status == BlockStatus.held for b in live(session, project_id=project.id))
    assert check_invariants(session) == []


def test_replacing_marks_the_ex_ante_blocks_and_issues_the_ex_post_ones_in_one_logged_transaction(session, app):
    project = make_credit_project(session, registry_project_id="CCER-JX-002")
    registered = register(session, project)
    replaced = registration.replace_registration(session, registration_id=registered.id, ex_post=[
        ExPostLine("CCER-JX-002-2026-000001-001200", vintage=2026, serial_start=1, serial_end=1200, quantity=1200)])
    assert (replaced.ex_ante_tonnes, replaced.ex_post_tonnes) == (27560, 1200)
    ex_ante = live(session, project_id=project.id, is_ex_ante=True)
    assert {b.status for b in ex_ante} == {BlockStatus.invalidated} and len(ex_ante) == 20
    ex_post = live(session, project_id=project.id, is_ex_ante=False)
    assert [(b.serial_namespace, b.serial_start, b.serial_end, b.status) for b in ex_post] == [
        ("ccer:CCER-JX-002", 1, 1200, BlockStatus.held)]
    entry = session.get(LogEntry, replaced.log_seq)
    data = json.loads(entry.body)["data"]
    assert entry.kind == "ex_ante_replacement"
    assert (data["ex_ante_tonnes"], data["ex_post_tonnes"], len(data["ex_ante"])) == (27560, 1200, 20)
    assert data["ex_post"][0]["serial_text"] == "CCER-JX-002-2026-000001-001200"
    invalidations = session.exec(select(Invalidation)).all()
    assert len(invalidations) == 20 and {i.log_seq for i in invalidations} == {replaced.log_seq}
    assert "CCER-JX-002-2026-000001-001200" in invalidations[0].reason
    session.refresh(registered)
    assert registered.replaced_at is not None and registered.replacement_log_seq == replaced.log_seq
    assert check_invariants(session) == []
    assert verify_ledger(session).ok
    # The ex-post tonnes back a claim now; the replaced ex-ante ones never do.
    pool = accounts.pool_account(session)
    assert accounts.held_tonnes(session, pool.id, ex_post_only=True) == 1200
    with pytest.raises(Conflict):
        registration.replace_registration(session, registration_id=registered.id, ex_post=[
            ExPostLine("again", vintage=2027, serial_start=5000, serial_end=5001)])
    runner = app.test_cli_runner()
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("OK: the log and the ledger verify")


def test_a_refused_replacement_writes_nothing(session):
    project = make_credit_project(session)
    registered = register(session, project)
    issue_ccer(session, project, accounts.pool_account(session), 1, 10, vintage=2026)
    entries_before = session.exec(select(LogEntry)).all()
    # The ex-post serials overlap a block already in the ledger: refused, and the ex-ante blocks stay held.
    with pytest.raises(Conflict) as caught:
        registration.replace_registration(session, registration_id=registered.id, ex_post=[
            ExPostLine("CCER-OVERLAP", vintage=2026, serial_start=5, serial_end=20)])
    assert caught.value.code == "serial_overlap"
    assert {b.status for b in live(session, project_id=project.id, is_ex_ante=True)} == {BlockStatus.held}
    assert len(session.exec(select(LogEntry)).all()) == len(entries_before)
    assert session.exec(select(Invalidation)).all() == []
    assert check_invariants(session) == []


def test_only_held_ex_ante_blocks_of_the_project_are_replaced(session):
    project = make_credit_project(session)
    other = make_credit_project(session)
    ex_post = issue_ccer(session, project, accounts.pool_account(session), 1, 10, vintage=2026)
    with pytest.raises(ValidationError) as caught:
        replace_ex_ante(session, project_id=project.id, block_ids=[ex_post.id], reason="",
                        ex_post=[ExPostLine("x", vintage=2026, serial_start=100, serial_end=110)])
    assert caught.value.code == "not_ex_ante"
    blocks = issue_expected(session, project_id=other.id, tonnes_by_vintage={2026: 5}, source="test")
    with pytest.raises(ValidationError) as caught:
        replace_ex_ante(session, project_id=project.id, block_ids=[blocks[0].id], reason="",
                        ex_post=[ExPostLine("x", vintage=2026, serial_start=100, serial_end=110)])
    assert caught.value.code == "not_ex_ante"
    with pytest.raises(ValidationError) as caught:
        issue_expected(session, project_id=project.id, tonnes_by_vintage={2026: 0}, source="test")
    assert caught.value.code == "nothing_expected"


def test_an_estimate_whose_vintages_run_past_2100_is_refused_naming_first_year(session):
    project = make_credit_project(session)
    with pytest.raises(ValidationError) as caught:
        register(session, project, first_year=2090)
    assert "first_year" in caught.value.fields
    assert live(session, project_id=project.id) == []
