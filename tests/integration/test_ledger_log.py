"""The transparency log on a real database: tampering is named, rewrites are caught by a checkpoint, appends never
fork, and the CLI and HTTP endpoints publish what outsiders need to check it."""

from __future__ import annotations

import base64
from decimal import Decimal

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from ledger import merkle
from ledger.checkpoint import LogSigner, parse_verifier_key, verify_checkpoint
from ledger.db import run_ledger_transaction
from ledger.log import append, canonical_body, entry_hash
from ledger.verify import verify_ledger
from tests.concurrency import race

SIGNER = LogSigner(name="tanzhong.example.org/ledger", private_key=Ed25519PrivateKey.from_private_bytes(b"\x11" * 32))


def movement(i: int) -> tuple[str, dict]:
    """The i-th of a realistic run of ledger movements: issuances, sales, splits and retirements."""
    start = 1_000_000 + 100 * i
    match i % 4:
        case 0:
            return "issuance", {"issuance_id": i + 1, "project": {"registry": "ccer", "id": "CCER-14-001-0042"},
                                "account_id": 1, "serial_text": f"CCER-JX-2023-{start}-{start + 99}",
                                "serial_start": start, "serial_end": start + 99, "quantity": 100, "vintage": 2023,
                                "is_ex_ante": False}
        case 1:
            return "transfer", {"transfer_id": i, "from_account_id": 1, "to_account_id": 2, "quantity": 30,
                                "price_per_tonne_cny": Decimal("68.50"), "parts": [[start - 100, start - 71]]}
        case 2:
            return "split", {"block_id": i, "cause": "retirement", "parts": [[start - 200, start - 194],
                                                                              [start - 193, start - 171]]}
        case _:
            return "retirement", {"retirement_id": i, "public_id": f"r{i:08d}", "account_id": 2, "tonnes": 7,
                                  "subject": {"kind": "event_snapshot", "id": 40 + i},
                                  "beneficiary": "广州绿色论坛 2026", "reason": "零碳会议",
                                  "parts": [{"block_id": i, "serial_start": start - 300, "serial_end": start - 294}]}


def append_movements(session: Session, count: int, first: int = 0) -> None:
    for i in range(first, first + count):
        kind, data = movement(i)
        run_ledger_transaction(session, lambda s, kind=kind, data=data: append(s, kind, data))


def no_invariants(_session: Session) -> list[str]:
    return []


def open_triggers(connection) -> None:
    """What an attacker holding the database does first: switch off the append-only triggers."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("DROP TRIGGER ledger_log_entry_no_update")
    else:
        connection.exec_driver_sql("ALTER TABLE ledger_log_entry DISABLE TRIGGER ledger_log_entry_append_only")


def edit_one_body(connection, seq: int) -> None:
    """Change the tonnes of entry `seq` in place, leaving its stored hash as it was."""
    body = connection.execute(text("SELECT body FROM ledger_log_entry WHERE seq = :seq"), {"seq": seq}).scalar()
    assert '"tonnes":7' in body
    connection.execute(text("UPDATE ledger_log_entry SET body = :body WHERE seq = :seq"),
                       {"body": body.replace('"tonnes":7', '"tonnes":70'), "seq": seq})


def rewrite_whole_chain(connection, seq: int) -> None:
    """Change entry `seq`'s beneficiary and recompute every later hash and the head: a consistent forgery."""
    rows = connection.execute(text("SELECT seq, body FROM ledger_log_entry ORDER BY seq")).all()
    prev = "0" * 64
    for row_seq, body in rows:
        parsed = orjson.loads(body)
        if row_seq == seq:
            parsed["data"]["beneficiary"] = "someone else"
        new_body = canonical_body(seq=row_seq, kind=parsed["kind"], at=parsed["at"], prev=prev, data=parsed["data"])
        digest = entry_hash(new_body)
        connection.execute(text("UPDATE ledger_log_entry SET body = :body, prev_hash = :prev, entry_hash = :hash "
                                "WHERE seq = :seq"), {"body": new_body, "prev": prev, "hash": digest, "seq": row_seq})
        prev = digest
    connection.execute(text("UPDATE ledger_head SET head_hash = :hash WHERE id = 1"), {"hash": prev})



def test_an_honest_log_verifies_with_the_root_of_its_entries(session):
    append_movements(session, 13)
    report = verify_ledger(session)
    assert report.ok, report.summary()
    assert report.size == 13 and report.first_bad_seq is None
    bodies = session.execute(text("SELECT body FROM ledger_log_entry ORDER BY seq")).scalars().all()
    assert report.root_hash == merkle.root([merkle.leaf_hash(b.encode()) for b in bodies])
    assert '"price_per_tonne_cny":"68.50"' in bodies[1] and "广州绿色论坛" in bodies[3]


def test_one_edited_entry_is_named_by_its_sequence_number(committed_engine):
    with Session(committed_engine) as session:
        append_movements(session, 12)
    with committed_engine.begin() as connection:
        open_triggers(connection)
        edit_one_body(connection, 7)
    with Session(committed_engine) as session:
        report = verify_ledger(session, invariants=no_invariants)
        stored = session.execute(text("SELECT entry_hash FROM ledger_log_entry WHERE seq = 7")).scalar()
    assert not report.ok
    assert report.first_bad_seq == 7
    assert report.problems == [f"entry 7: entry_hash {stored} is not the SHA-256 of its body: the body was altered"]


def test_a_consistent_rewrite_passes_alone_but_not_against_an_earlier_checkpoint(committed_engine):
    with Session(committed_engine) as session:
        append_movements(session, 10)
        saved = SIGNER.sign(report_size := 10, verify_ledger(session, invariants=no_invariants).root_hash)
        append_movements(session, 5, first=10)
        honest = verify_ledger(session, checkpoint_text=saved, public_key=SIGNER.verifier_key(),
                               invariants=no_invariants)
        assert honest.ok, honest.summary()
        assert honest.checkpoint.size == report_size and honest.size == 15
    with committed_engine.begin() as connection:
        open_triggers(connection)
        rewrite_whole_chain(connection, 3)
    with Session(committed_engine) as session:
        alone = verify_ledger(session, invariants=no_invariants)
        assert alone.ok, alone.summary()
        against = verify_ledger(session, checkpoint_text=saved, public_key=SIGNER.public_key,
                                invariants=no_invariants)
    assert not against.ok
    assert len(against.problems) == 1 and "history was rewritten" in against.problems[0]
    assert against.problems[0].startswith("the first 10 entries hash to ")


def test_a_checkpoint_larger_than_the_log_or_signed_by_another_key_fails_verification(session):
    append_movements(session, 4)
    root = verify_ledger(session).root_hash
    too_big = verify_ledger(session, checkpoint_text=SIGNER.sign(5, root), public_key=SIGNER.public_key)
    assert too_big.problems == ["the checkpoint has 5 entries; the log now has only 4: entries were removed"]
    other = LogSigner(name=SIGNER.name, private_key=Ed25519PrivateKey.from_private_bytes(b"\x22" * 32))
    forged = verify_ledger(session, checkpoint_text=other.sign(4, root), public_key=SIGNER.public_key)
    assert forged.problems == ["checkpoint: the note carries no signature by the key 'tanzhong.example.org/ledger'"]


def test_a_head_that_disagrees_with_the_entries_is_reported(session):
    append_movements(session, 3)
    session.execute(text("UPDATE ledger_head SET head_hash = :h WHERE id = 1"), {"h": "ab" * 32})
    report = verify_ledger(session)
    assert report.problems == [f"the head's hash {'ab' * 32} is not entry 2's {report.head_hash}"]


@pytest.mark.parametrize("statement", ["UPDATE ledger_log_entry SET kind = 'retirement' WHERE seq = 0",
                                       "DELETE FROM ledger_log_entry WHERE seq = 1"])
def test_the_database_refuses_to_update_or_delete_an_entry(committed_engine, statement):
    with Session(committed_engine) as session:
        append_movements(session, 2)
    with pytest.raises(DBAPIError, match="append-only"), committed_engine.begin() as connection:
        connection.exec_driver_sql(statement)
    with Session(committed_engine) as session:
        assert verify_ledger(session).ok


def test_eight_threads_appending_at_once_make_one_chain_without_a_fork(committed_engine):
    outcomes = race(committed_engine, [lambda session, n=n: append_movements(session, 25, first=n * 25)
                                       for n in range(8)])
    assert outcomes == [None] * 8  # no writer raised
    with Session(committed_engine) as session:
        seqs = session.execute(text("SELECT seq FROM ledger_log_entry ORDER BY seq")).scalars().all()
        report = verify_ledger(session)
    assert seqs == list(range(200))
    assert report.ok, report.summary()
    assert report.size == 200


def test_the_cli_verifies_prints_a_checkpoint_and_fails_on_a_tampered_entry(app, session, tmp_path):
    runner = app.test_cli_runner()
    append_movements(session, 9)
    key = runner.invoke(args=["ledger", "key"])
    assert key.exit_code == 0
    name, public_key = parse_verifier_key(key.output)
    saved = runner.invoke(args=["ledger", "checkpoint"])
    assert saved.exit_code == 0
    checkpoint = verify_checkpoint(saved.output, public_key, name)
    assert checkpoint.size == 9 and name == "tanzhong.localhost/ledger"
    path = tmp_path / "checkpoint.txt"
    path.write_text(saved.output)
    passed = runner.invoke(args=["ledger", "verify", "--checkpoint", str(path)])
    assert passed.exit_code == 0, passed.output
    assert "entries: 9" in passed.output and passed.output.strip().endswith("OK: the log and the ledger verify")

    connection = session.connection()
    open_triggers(connection)
    edit_one_body(connection, 3)
    session.commit()
    failed = runner.invoke(args=["ledger", "verify", "--checkpoint", str(path)])
    assert failed.exit_code == 1
    assert "first bad entry: 3" in failed.output
    assert "FAIL entry 3: entry_hash" in failed.output and "history was rewritten" in failed.output

    path.write_text(saved.output.replace("\n9\n", "\n8\n"))
    forged = runner.invoke(args=["ledger", "verify", "--checkpoint", str(path)])
    assert forged.exit_code == 1 and "FAIL checkpoint: the signature of" in forged.output


def test_the_checkpoint_key_and_proofs_over_http_verify_against_each_other(client, session):
    append_movements(session, 11)
    key = client.get("/ledger/key")
    assert key.status_code == 200 and key.content_type == "text/plain; charset=utf-8"
    name, public_key = parse_verifier_key(key.get_data(as_text=True))
    published = client.get("/ledger/checkpoint")
    assert published.status_code == 200 and published.content_type == "text/plain; charset=utf-8"
    checkpoint = verify_checkpoint(published.get_data(as_text=True), public_key, name)
    assert checkpoint.size == 11

    for index in range(11):
        proof = client.get(f"/api/v1/ledger/proofs/inclusion?index={index}&size=11").get_json()
        entry = client.get(f"/api/v1/ledger/entries/{index}").get_json()
        assert proof["entry_hash"] == entry["entry_hash"] and proof["leaf_hash"] == entry["leaf_hash"]
        assert merkle.leaf_hash(entry["body"].encode()).hex() == entry["leaf_hash"]
        assert proof["root_hash"] == checkpoint.root_hash.hex()
        assert merkle.verify_inclusion(index, 11, bytes.fromhex(proof["leaf_hash"]),
                                       [bytes.fromhex(h) for h in proof["audit_path"]], checkpoint.root_hash)

    older = client.get("/api/v1/ledger/proofs/inclusion?index=2&size=4").get_json()
    old_checkpoint = verify_checkpoint(older["checkpoint"], public_key, name)
    assert old_checkpoint.size == 4 and old_checkpoint.root_hash.hex() == older["root_hash"]
    consistency = client.get("/api/v1/ledger/proofs/consistency?old=4&new=11").get_json()
    assert consistency["old_root_hash"] == older["root_hash"]
    assert merkle.verify_consistency(4, 11, old_checkpoint.root_hash, checkpoint.root_hash,
                                     [bytes.fromhex(h) for h in consistency["proof"]])
    assert client.get("/api/v1/ledger/proofs/consistency?old=4").get_json()["new"] == 11


@pytest.mark.parametrize(("query", "field", "reason"), [
    ("proofs/inclusion?index=11&size=11", "index", "must be from 0 to 10"),
    ("proofs/inclusion?index=0&size=12", "size", "must be from 1 to 11"),
    ("proofs/inclusion?index=-1", "index", "greater than or equal to 0"),
    ("proofs/inclusion?size=3", "index", "Missing data"),
    ("proofs/inclusion?index=x", "index", "Not a valid integer"),
    ("proofs/consistency?old=0&new=5", "old", "greater than or equal to 1"),
    ("proofs/consistency?old=6&new=5", "old", "must be from 1 to 5"),
    ("proofs/consistency?old=1&new=99", "new", "must be from 1 to 11"),
])
def test_a_bad_proof_request_is_a_422_naming_the_field(client, session, query, field, reason):
    append_movements(session, 11)
    response = client.get(f"/api/v1/ledger/{query}")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert list(error["fields"]) == [field]
    assert reason in error["fields"][field][0]


def test_an_entry_beyond_the_log_is_a_404_and_an_empty_log_has_nothing_to_prove(client, session):
    assert client.get("/api/v1/ledger/entries/0").status_code == 404
    empty = client.get("/api/v1/ledger/proofs/inclusion?index=0")
    assert empty.status_code == 422 and empty.get_json()["error"]["fields"] == {"index": ["the log is empty"]}
    checkpoint = client.get("/ledger/checkpoint").get_data(as_text=True)
    assert checkpoint.split("\n")[1:3] == ["0", base64.b64encode(merkle.EMPTY_ROOT).decode()]


@pytest.fixture
def in_workers(monkeypatch):
    """verify_ledger splits even a small log among worker processes (two ranges, as on a two-core machine)."""
    import ledger.verify

    monkeypatch.setattr(ledger.verify, "PARALLEL_FROM", 1)
    monkeypatch.setattr(ledger.verify, "MAX_WORKERS", 2)
    monkeypatch.setattr(ledger.verify.os, "cpu_count", lambda: 2)


def test_worker_processes_find_the_same_root_as_one_process(committed_engine, monkeypatch):
    with Session(committed_engine) as session:
        append_movements(session, 11)
        alone = verify_ledger(session, invariants=no_invariants)
    import ledger.verify

    monkeypatch.setattr(ledger.verify, "PARALLEL_FROM", 1)
    monkeypatch.setattr(ledger.verify.os, "cpu_count", lambda: 2)
    with Session(committed_engine) as session:
        assert ledger.verify._worker_url(session, 11) is not None
        split = verify_ledger(session, invariants=no_invariants)
    assert alone.ok and split.ok, split.summary()
    assert (split.size, split.root_hash, split.head_hash) == (alone.size, alone.root_hash, alone.head_hash) == (
        11, merkle.root([merkle.leaf_hash(b.encode()) for b in _bodies(committed_engine)]), _head(committed_engine))


def _bodies(engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(text("SELECT body FROM ledger_log_entry ORDER BY seq")).scalars())


def _head(engine) -> str:
    with engine.connect() as connection:
        return connection.execute(text("SELECT head_hash FROM ledger_head")).scalar()


@pytest.mark.parametrize("seq", [3, 7, 11])  # retirements; two ranges of 12 entries: 0–5 and 6 onwards
def test_worker_processes_name_an_edited_entry_on_either_side_of_their_bound(committed_engine, in_workers, seq):
    with Session(committed_engine) as session:
        append_movements(session, 12)
    with committed_engine.begin() as connection:
        open_triggers(connection)
        edit_one_body(connection, seq)
        stored = connection.execute(text("SELECT entry_hash FROM ledger_log_entry WHERE seq = :s"), {"s": seq}).scalar()
    with Session(committed_engine) as session:
        report = verify_ledger(session, invariants=no_invariants)
    assert report.first_bad_seq == seq
    assert report.problems == [f"entry {seq}: entry_hash {stored} is not the SHA-256 of its body: the body was altered"]


def test_worker_processes_catch_a_chain_broken_at_their_bound(committed_engine, in_workers):
    with Session(committed_engine) as session:
        append_movements(session, 12)
    with committed_engine.begin() as connection:
        open_triggers(connection)
        # Entry 6 (the second range's first) made self-consistent but chained to a hash that is not entry 5's.
        body = connection.execute(text("SELECT body FROM ledger_log_entry WHERE seq = 6")).scalar()
        parsed = orjson.loads(body)
        forged = canonical_body(seq=6, kind=parsed["kind"], at=parsed["at"], prev="f" * 64, data=parsed["data"])
        connection.execute(text("UPDATE ledger_log_entry SET body = :body, prev_hash = :prev, entry_hash = :hash "
                                "WHERE seq = 6"), {"body": forged, "prev": "f" * 64, "hash": entry_hash(forged)})
        real_prev = connection.execute(text("SELECT entry_hash FROM ledger_log_entry WHERE seq = 5")).scalar()
    with Session(committed_engine) as session:
        report = verify_ledger(session, invariants=no_invariants)
    assert report.first_bad_seq == 6
    assert report.problems[0] == f"entry 6: prev_hash {'f' * 64} is not the previous entry's hash {real_prev}"
    assert report.problems[1].startswith("entry 7: prev_hash ")  # entry 7 still names the honest entry 6


def test_a_session_with_its_own_uncommitted_appends_is_verified_in_process(committed_engine, in_workers):
    import ledger.verify

    with Session(committed_engine) as session:
        append_movements(session, 4)
        append(session, *movement(4))  # not committed: worker connections would not see it
        assert ledger.verify._worker_url(session, 5) is None
        report = verify_ledger(session, invariants=no_invariants)
        session.rollback()
    assert report.ok and report.size == 5


def test_entries_appended_together_chain_as_if_appended_one_by_one(session):
    from ledger.log import append_many

    append_movements(session, 2)
    written = run_ledger_transaction(session, lambda s: append_many(s, [movement(2), movement(3), movement(4)]))
    assert [e.seq for e in written] == [2, 3, 4]
    assert [e.prev_hash for e in written[1:]] == [e.entry_hash for e in written[:-1]]
    report = verify_ledger(session, invariants=no_invariants)
    assert report.ok, report.summary()
    assert (report.size, report.head_hash) == (5, written[-1].entry_hash)
    with pytest.raises(ValueError, match="no log_seq to stamp"):
        append_many(session, [movement(5)], stamp=("ledger_head", 1))
