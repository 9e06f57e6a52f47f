"""Retirement, transfers, invalidation and coverage on one database: what each movement writes and logs."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import delete, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from errors import Conflict, ValidationError
from ledger import accounts, coverage, invalidation, retirement, transfers
from ledger.invariants import check_invariants
from ledger.models import BlockStatus, CreditBlock, LogEntry, ProjectType, Retirement, RetirementPart
from ledger.retirement import InsufficientCredits
from meetings import footprint as event_footprint
from meetings.models import EventFootprintSnapshot
from tests.factories import make_event, make_organisation
from tests.ledger_factories import issue_ccer, make_credit_project


@pytest.fixture
def holder(session):
    return accounts.account_of(session, make_organisation(session).id)


def retire(session, account, tonnes, key="k", policy="oldest_vintage", subject_id=1):
    return retirement.retire(session, account_id=account.id, tonnes=tonnes, subject_kind="event_snapshot",
                             subject_id=subject_id, beneficiary="测试机构", reason="零碳会议", policy=policy,
                             idempotency_key=key)


def parts_of(session, retired):
    return [(p.vintage, p.serial_start, p.serial_end, p.quantity) for p in session.exec(
        select(RetirementPart).where(RetirementPart.retirement_id == retired.id).order_by(RetirementPart.id))]


def live_blocks(session, account):
    return [(b.serial_start, b.serial_end, b.status) for b in session.exec(
        select(CreditBlock).where(CreditBlock.account_id == account.id, CreditBlock.status != BlockStatus.split)
        .order_by(CreditBlock.serial_start))]


def entries(session):
    return [(e.kind, json.loads(e.body)["data"]) for e in session.exec(select(LogEntry).order_by(LogEntry.seq))]


def test_retirement_takes_the_oldest_vintage_first_and_splits_the_last_block_head_retired(session, holder):
    project = make_credit_project(session)
    issue_ccer(session, project, holder, 201, 260, vintage=2024)
    issue_ccer(session, project, holder, 101, 130, vintage=2023)
    issue_ccer(session, project, holder, 1, 10, vintage=2023)
    retired = retire(session, holder, 50)
    assert parts_of(session, retired) == [(2023, 1, 10, 10), (2023, 101, 130, 30), (2024, 201, 210, 10)]
    assert live_blocks(session, holder) == [(1, 10, "retired"), (101, 130, "retired"), (201, 210, "retired"),
                                            (211, 260, "held")]
    kinds = [kind for kind, _ in entries(session)]
    assert kinds[-2:] == ["split", "retirement"]
    data = entries(session)[-1][1]
    assert data["tonnes"] == 50 and data["retirement"] == retired.public_id
    assert [(p["serial_start"], p["serial_end"]) for p in data["parts"]] == [(1, 10), (101, 130), (201, 210)]
    assert retired.log_seq == len(kinds) - 1
    assert len(retired.public_id) >= 20
    assert check_invariants(session) == []


def test_insufficient_credits_names_what_is_held_and_retires_nothing(session, holder):
    issue_ccer(session, make_credit_project(session), holder, 1, 40)
    with pytest.raises(InsufficientCredits) as caught:
        retire(session, holder, 41)
    assert (caught.value.requested, caught.value.held, caught.value.code) == (41, 40, "insufficient_credits")
    assert "40 t" in caught.value.message
    assert session.exec(select(Retirement)).all() == []
    assert live_blocks(session, holder) == [(1, 40, "held")]


def test_ex_ante_credits_are_held_but_never_retired(session, holder):
    project = make_credit_project(session)
    issue_ccer(session, project, holder, 1, 500, vintage=2030, is_ex_ante=True)
    issue_ccer(session, project, holder, 501, 510, vintage=2023)
    with pytest.raises(InsufficientCredits) as caught:
        retire(session, holder, 20)
    assert caught.value.held == 10
    retired = retire(session, holder, 10, key="k2")
    assert parts_of(session, retired) == [(2023, 501, 510, 10)]
    assert accounts.held_tonnes(session, holder.id) == 500


def test_the_same_idempotency_key_returns_the_first_retirement(session, holder):
    issue_ccer(session, make_credit_project(session), holder, 1, 100)
    first = retire(session, holder, 7, key="order-1")
    again = retire(session, holder, 7, key="order-1")
    assert again.id == first.id and again.public_id == first.public_id
    assert len(session.exec(select(Retirement)).all()) == 1
    assert accounts.held_tonnes(session, holder.id) == 93
    with pytest.raises(Conflict) as caught:
        retire(session, holder, 8, key="order-1")
    assert caught.value.code == "idempotency_key_reused"


def test_prefer_type_and_prefer_province_pick_those_blocks_first(session, holder):
    afforestation = make_credit_project(session, province="CN-JX")
    bamboo = make_credit_project(session, project_type=ProjectType.ccer_bamboo_management, province="CN-ZJ")
    issue_ccer(session, afforestation, holder, 1, 10, vintage=2020)
    issue_ccer(session, bamboo, holder, 1, 10, vintage=2024)
    by_type = retire(session, holder, 5, key="a", policy="prefer_type:ccer_bamboo_management")
    assert [(p.project_id, p.serial_start) for p in session.exec(
        select(RetirementPart).where(RetirementPart.retirement_id == by_type.id))] == [(bamboo.id, 1)]
    assert by_type.policy == "prefer_type:ccer_bamboo_management"
    by_province = retire(session, holder, 7, key="b", policy="prefer_province:CN-ZJ")
    assert [(p.project_id, p.serial_start, p.serial_end) for p in session.exec(
        select(RetirementPart).where(RetirementPart.retirement_id == by_province.id).order_by(RetirementPart.id))
    ] == [(bamboo.id, 6, 10), (afforestation.id, 1, 2)]
    oldest = retire(session, holder, 1, key="c")
    assert parts_of(session, oldest) == [(2020, 3, 3, 1)]
    assert check_invariants(session) == []


@pytest.mark.parametrize("policy", ["newest", "prefer_type:", "prefer_type:oak", "prefer_province:XX",
                                    "oldest_vintage:1"])
def test_an_unknown_policy_is_refused(session, holder, policy):
    with pytest.raises(ValidationError) as caught:
        retire(session, holder, 1, policy=policy)
    assert caught.value.code == "unknown_policy" and "policy" in caught.value.fields


def test_a_partial_transfer_keeps_the_head_with_the_seller_and_gives_the_tail(session, holder):
    pool = accounts.pool_account(session)
    project = make_credit_project(session)
    issue_ccer(session, project, pool, 1, 100)
    issue_ccer(session, project, pool, 1001, 1050, vintage=2031, is_ex_ante=True)
    sale = transfers.transfer(session, from_account_id=pool.id, to_account_id=holder.id, tonnes=30,
                              price_per_tonne_cny=Decimal("42.50"), note="首批")
    assert live_blocks(session, pool) == [(1, 70, "held"), (1001, 1050, "held")]
    assert live_blocks(session, holder) == [(71, 100, "held")]
    assert [(p.serial_start, p.serial_end) for p in transfers.transfer_parts(session, sale.id)] == [(71, 100)]
    (split_kind, split_data), (transfer_kind, transfer_data) = entries(session)[-2:]
    assert (split_kind, transfer_kind) == ("split", "transfer")
    assert [(p["serial_start"], p["serial_end"], p["account"]) for p in split_data["parts"]] == [
        (1, 70, pool.id), (71, 100, holder.id)]
    assert transfer_data["price_per_tonne_cny"] == "42.50" and transfer_data["tonnes"] == 30
    # Ex-ante blocks move too, after the ex-post ones, and stay ex-ante.
    transfers.transfer(session, from_account_id=pool.id, to_account_id=holder.id, tonnes=80)
    moved = session.exec(select(CreditBlock).where(CreditBlock.account_id == holder.id,
                                                   CreditBlock.is_ex_ante)).all()
    assert [(b.serial_start, b.serial_end) for b in moved] == [(1041, 1050)]
    with pytest.raises(InsufficientCredits) as caught:
        transfers.transfer(session, from_account_id=pool.id, to_account_id=holder.id, tonnes=41)
    assert caught.value.held == 40
    assert check_invariants(session) == []


def test_invalidating_retired_credits_shows_a_shortfall_until_replacements_are_retired(session, holder):
    project = make_credit_project(session)
    issue_ccer(session, project, holder, 1, 100)
    retire(session, holder, 30, key="first", subject_id=77)
    assert coverage.coverage(session, subject_kind="event_snapshot", subject_id=77, required_tonnes=30) == \
        coverage.Coverage(required=30, retired=30, invalidated=0, valid=30, shortfall=0)
    record = invalidation.invalidate(session, registry="ccer", serial_namespace=f"ccer:{project.registry_project_id}",
                                     serial_start=21, serial_end=45, reason="登记机构撤销")
    # 21–30 were retired, 31–45 held: both invalidated, exactly that range.
    assert live_blocks(session, holder) == [(1, 20, "retired"), (21, 30, "invalidated"), (31, 45, "invalidated"),
                                            (46, 100, "held")]
    invalidated_retired = session.exec(select(CreditBlock).where(CreditBlock.serial_start == 21,
                                                                 CreditBlock.status == "invalidated")).one()
    assert invalidated_retired.retirement_id is not None and invalidated_retired.invalidation_id == record.id
    assert coverage.coverage(session, subject_kind="event_snapshot", subject_id=77, required_tonnes=30) == \
        coverage.Coverage(required=30, retired=30, invalidated=10, valid=20, shortfall=10)
    assert entries(session)[-1][0] == "invalidation"
    retire(session, holder, 10, key="replacement", subject_id=77)
    assert coverage.coverage(session, subject_kind="event_snapshot", subject_id=77,
                             required_tonnes=35).shortfall == 5  # a newer snapshot needing more
    assert [r.idempotency_key for r in coverage.retirements_for(session, "event_snapshot", 77)] == [
        "first", "replacement"]
    with pytest.raises(Conflict) as caught:
        invalidation.invalidate(session, registry="ccer", serial_namespace=f"ccer:{project.registry_project_id}",
                                serial_start=21, serial_end=45, reason="again")
    assert caught.value.code == "already_invalidated"
    assert check_invariants(session) == []


def test_an_event_snapshot_with_a_retirement_cannot_be_deleted(session, holder):
    organisation = make_organisation(session)
    event = make_event(session, organisation)
    snapshot = event_footprint.take_snapshot(session=session, organisation_id=organisation.id, event_id=event.id)
    issue_ccer(session, make_credit_project(session), holder, 1, 10)
    retire(session, holder, 3, subject_id=snapshot.id)
    with pytest.raises(DBAPIError, match="retired"):
        session.execute(delete(EventFootprintSnapshot).where(EventFootprintSnapshot.id == snapshot.id))
        session.flush()
    session.rollback()
    assert session.get(EventFootprintSnapshot, snapshot.id) is not None


def test_check_invariants_names_the_block_that_breaks_them(session, holder):
    project = make_credit_project(session)
    block = issue_ccer(session, project, holder, 1, 100)
    retire(session, holder, 10)
    tail = session.exec(select(CreditBlock).where(CreditBlock.parent_id == block.id,
                                                  CreditBlock.status == "held")).one()
    # A retired tonne slipping back into holdings: the totals still add up, the parts no longer do.
    session.execute(text("UPDATE credit_block SET serial_start = 12, quantity = 89 WHERE id = :id"), {"id": tail.id})
    session.flush()
    failures = check_invariants(session)
    assert any(f"split block {block.id}" in failure for failure in failures)
    assert any("issued 100 t" in failure for failure in failures)
    session.rollback()


def test_check_invariants_names_a_retirement_whose_tonnes_were_changed(session, holder):
    issue_ccer(session, make_credit_project(session), holder, 1, 100)
    retired = retire(session, holder, 10)
    session.execute(text("UPDATE retirement SET tonnes = 11 WHERE id = :id"), {"id": retired.id})
    session.flush()
    assert check_invariants(session) == [
        f"retirement {retired.id} ({retired.public_id}) is of 11 t but its parts hold 10 t",
        f"retirement {retired.id} ({retired.public_id}) is of 11 t but its live blocks hold 10 t",
    ]
    session.rollback()


def test_check_invariants_names_a_retired_serial_retired_again(session, holder):
    project = make_credit_project(session)
    issue_ccer(session, project, holder, 1, 100)
    first = retire(session, holder, 10, key="one")
    second = retire(session, holder, 10, key="two")
    # A forged part claiming serials of the first retirement for the second.
    part = session.exec(select(RetirementPart).where(RetirementPart.retirement_id == second.id)).one()
    session.execute(text("UPDATE retirement_part SET serial_start = 5, serial_end = 14 WHERE id = :id"),
                    {"id": part.id})
    session.flush()
    failures = check_invariants(session)
    assert f"retirement {second.id} retired serial ccer:{project.registry_project_id} 5 that retirement " \
           f"{first.id} had retired already" in failures
    session.rollback()
