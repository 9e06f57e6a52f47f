"""Retirements racing on committed data (threads, each with its own session), and a process killed mid-retirement:
every tonne is retired once, all or nothing, and the invariants hold afterwards."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import Session, select

from errors import Conflict
from ledger import accounts, retirement
from ledger.invariants import check_invariants
from ledger.models import BlockStatus, CreditBlock, Retirement, RetirementPart
from ledger.retirement import InsufficientCredits
from tests.concurrency import race
from tests.factories import make_organisation
from tests.ledger_factories import issue_ccer, make_credit_project

ROOT = Path(__file__).resolve().parents[2]
THREADS = 32



def _account_holding(engine, blocks: list[tuple[int, int]]) -> int:
    """A new organisation's account holding the given CCER blocks (vintage 2023); its id."""
    with Session(engine, expire_on_commit=False) as session:
        account = accounts.account_of(session, make_organisation(session).id)
        project = make_credit_project(session)
        for start, end in blocks:
            issue_ccer(session, project, account, start, end)
        return account.id


def _retire(account_id: int, tonnes: int, key: str) -> Callable[[Session], object]:
    return lambda session: retirement.retire(
        session, account_id=account_id, tonnes=tonnes, subject_kind="event_snapshot", subject_id=1,
        beneficiary="测试机构", reason="race", idempotency_key=key)


def _no_serial_twice(session) -> None:
    rows = session.exec(select(CreditBlock.serial_namespace, RetirementPart.serial_start, RetirementPart.serial_end)
                        .join(CreditBlock, CreditBlock.id == RetirementPart.block_id)).all()
    seen: set[tuple[str, int]] = set()
    for namespace, start, end in rows:
        serials = {(namespace, n) for n in range(start, end + 1)}
        assert not serials & seen, f"serials retired twice: {sorted(serials & seen)[:5]}"
        seen |= serials


def test_32_retirements_of_7_t_from_100_t_at_once_exactly_14_succeed(committed_engine):
    account_id = _account_holding(committed_engine, [(1, 30), (31, 55), (101, 140), (201, 205)])
    outcomes = race(committed_engine, [_retire(account_id, 7, f"race-{i}") for i in range(THREADS)])
    unexpected = [o for o in outcomes if not isinstance(o, Retirement | InsufficientCredits)]
    assert unexpected == []
    succeeded = [o for o in outcomes if isinstance(o, Retirement)]
    refused = [o for o in outcomes if isinstance(o, InsufficientCredits)]
    assert (len(succeeded), len(refused)) == (14, 18)
    assert all(error.held < 7 for error in refused)
    with Session(committed_engine) as session:
        assert len(session.exec(select(Retirement)).all()) == 14
        assert sum(p.quantity for p in session.exec(select(RetirementPart))) == 98
        assert accounts.held_tonnes(session, account_id) == 2
        _no_serial_twice(session)
        assert check_invariants(session) == []


def test_the_same_idempotency_key_sent_at_once_retires_once(committed_engine):
    account_id = _account_holding(committed_engine, [(1, 100)])
    outcomes = race(committed_engine, [_retire(account_id, 7, "same-key") for _ in range(8)])
    assert all(isinstance(o, Retirement) for o in outcomes), outcomes
    assert len({o.id for o in outcomes}) == 1
    with Session(committed_engine) as session:
        assert len(session.exec(select(Retirement)).all()) == 1
        assert accounts.held_tonnes(session, account_id) == 93
        assert check_invariants(session) == []


# The child retires 15 t from blocks of 10 t, so its retirement has two parts; it dies with os._exit (no cleanup,
# no rollback, as a killed process would) either after the first part is written or right after the commit.
_CHILD = textwrap.dedent("""
    import os, sys
    from sqlmodel import Session
    from db import make_engine
    from ledger import retirement

    url, account_id, moment = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if moment == "after_the_parts":  # the blocks claimed and the parts written, the log entries not yet
        def dying(original):
            def claim_then_die(session, *args):
                original(session, *args)
                session.flush()
                os._exit(17)
            return claim_then_die
        retirement._retire_in_database = dying(retirement._retire_in_database)
        retirement._retire_statement_by_statement = dying(retirement._retire_statement_by_statement)
    else:
        original = retirement.run_ledger_transaction
        def run_ledger_transaction(session, work):
            original(session, work)
            os._exit(17)
        retirement.run_ledger_transaction = run_ledger_transaction
    with Session(make_engine(url)) as session:
        retirement.retire(session, account_id=account_id, tonnes=15, subject_kind="event_snapshot", subject_id=1,
                          beneficiary="b", reason="fault", idempotency_key="fault")
    sys.exit(3)  # never reached: the process died inside the retirement
""")


@pytest.mark.parametrize(("moment", "retired"), [("after_the_parts", 0), ("after_commit", 15)])
def test_a_process_killed_during_a_retirement_leaves_all_of_it_or_none(committed_engine, committed_database_url,
                                                                        moment, retired):
    account_id = _account_holding(committed_engine, [(1, 10), (11, 20), (21, 30)])
    committed_engine.dispose()
    child = subprocess.run([sys.executable, "-c", _CHILD, committed_database_url, str(account_id), moment],
                           cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                           text=True, timeout=120)
    assert child.returncode == 17, child.stderr
    with Session(committed_engine) as session:
        retirements = session.exec(select(Retirement)).all()
        assert len(retirements) == (1 if retired else 0)
        assert sum(p.quantity for p in session.exec(select(RetirementPart))) == retired
        assert accounts.held_tonnes(session, account_id) == 30 - retired
        statuses = sorted((b.serial_start, b.serial_end, b.status) for b in session.exec(
            select(CreditBlock).where(CreditBlock.status != BlockStatus.split)))
        expected = ([(1, 10, "held"), (11, 20, "held"), (21, 30, "held")] if not retired else
                    [(1, 10, "retired"), (11, 15, "retired"), (16, 20, "held"), (21, 30, "held")])
        assert statuses == expected
        assert check_invariants(session) == []
    # The ledger goes on: the same request now retires, once.
    with Session(committed_engine, expire_on_commit=False) as session:
        again = _retire(account_id, 15, "fault")(session)
        assert again.tonnes == 15
        assert accounts.held_tonnes(session, account_id) == 15


def test_accounts_created_at_once_are_one_account(committed_engine):
    with Session(committed_engine, expire_on_commit=False) as session:
        organisation_id = make_organisation(session).id
    outcomes = race(committed_engine, [lambda session: accounts.account_of(session, organisation_id) for _ in range(6)]
                     + [lambda session: accounts.pool_account(session) for _ in range(6)])
    assert all(not isinstance(o, Exception) for o in outcomes), outcomes
    assert len({o.id for o in outcomes[:6]}) == 1 and len({o.id for o in outcomes[6:]}) == 1
    assert outcomes[0].id != outcomes[6].id


def test_the_same_serials_issued_at_once_enter_the_ledger_once(committed_engine):
    with Session(committed_engine, expire_on_commit=False) as session:
        account = accounts.pool_account(session)
        project = make_credit_project(session)
    outcomes = race(committed_engine, [lambda session, n=n: issue_ccer(session, project, account, 1 + n, 100 + n)
                              for n in range(8)])
    succeeded = [o for o in outcomes if isinstance(o, CreditBlock)]
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert (len(succeeded), len(refused)) == (1, 7), outcomes
    assert all(error.code == "serial_overlap" for error in refused)
    with Session(committed_engine) as session:
        assert len(session.exec(select(CreditBlock)).all()) == 1
        assert check_invariants(session) == []


def _retire_in_thread(engine, account_id: int, key: str) -> tuple[threading.Thread, list]:
    outcome: list = []

    def run() -> None:
        with Session(engine, expire_on_commit=False) as session:
            outcome.append(_retire(account_id, 7, key)(session))

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _block_ids(engine, account_id: int) -> list[int]:
    with Session(engine) as session:
        return list(session.exec(select(CreditBlock.id).where(CreditBlock.account_id == account_id,
                                                              CreditBlock.parent_id.is_(None))
                                 .order_by(CreditBlock.serial_start)).all())


def test_a_retirement_passes_over_a_block_another_is_claiming_instead_of_waiting(committed_engine):
    if committed_engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time (BEGIN IMMEDIATE): nothing to pass over")
    account_id = _account_holding(committed_engine, [(1, 100), (101, 200)])
    first, second = _block_ids(committed_engine, account_id)
    with committed_engine.connect() as claimer:  # another retirement, mid-transaction, holding the first block
        claimer.exec_driver_sql(f"SELECT id FROM credit_block WHERE id = {first} FOR UPDATE")
        thread, outcome = _retire_in_thread(committed_engine, account_id, "passes-over")
        thread.join(timeout=60)
        assert not thread.is_alive(), "the retirement queued behind the locked block"
        claimer.rollback()
    with Session(committed_engine) as session:
        parts = session.exec(select(RetirementPart).where(RetirementPart.retirement_id == outcome[0].id)).all()
        assert [(p.serial_start, p.serial_end) for p in parts] == [(101, 107)]
        parent = session.get(CreditBlock, parts[0].block_id).parent_id
        assert parent == second
        assert check_invariants(session) == []


def test_when_every_block_is_being_claimed_a_retirement_waits_and_then_takes_the_first(committed_engine):
    if committed_engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time (BEGIN IMMEDIATE): nothing to pass over")
    account_id = _account_holding(committed_engine, [(1, 100)])
    with committed_engine.connect() as claimer:
        claimer.exec_driver_sql(f"SELECT id FROM credit_block WHERE account_id = {account_id} FOR UPDATE")
        thread, outcome = _retire_in_thread(committed_engine, account_id, "waits")
        thread.join(timeout=1)
        assert thread.is_alive() and outcome == []  # not refused as short of credits: it waits for the claimer
        claimer.rollback()  # the claimer gave up: the block is still held
        thread.join(timeout=60)
    with Session(committed_engine) as session:
        parts = session.exec(select(RetirementPart).where(RetirementPart.retirement_id == outcome[0].id)).all()
        assert [(p.serial_start, p.serial_end) for p in parts] == [(1, 7)]
        assert accounts.held_tonnes(session, account_id) == 93
        assert check_invariants(session) == []
