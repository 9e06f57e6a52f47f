"""Verifying the whole ledger: the hash chain, the head row, the Merkle root, an earlier checkpoint, the invariants.

The entries are read in sequence order, in keyset batches prefetched by a thread, as the driver's plain tuples with
the body as bytes, never as ORM objects; a large log is split by seq into ranges that worker processes check at
once, their ends joined afterwards. The report names the first entry (by seq) that breaks the chain, and every
broken invariant as ledger.invariants words it.
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import os
import queue
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, select
from sqlmodel import Session

from ledger.checkpoint import Checkpoint, CheckpointError, verify_checkpoint
from ledger.log import GENESIS_HASH
from ledger.merkle import HASH_SIZE, MerkleTree, verify_consistency
from ledger.models import LedgerHead

FETCH_ROWS = 20_000
PREFETCH_BATCHES = 4
# From this many entries on, worker processes (one per core, up to MAX_WORKERS) each scan a range of the log.
PARALLEL_FROM = 100_000
MAX_WORKERS = 4
MAX_PROBLEMS = 50  # past the first, a broken log's problems are consequences; the report stays readable


@dataclass
class VerifyReport:
    """What verification found: sizes, hashes and, in order, every problem (empty when all holds)."""

    size: int = 0
    root_hash: bytes = b""
    head_hash: str = GENESIS_HASH
    first_bad_seq: int | None = None
    checkpoint: Checkpoint | None = None
    problems: list[str] = field(default_factory=list)
    invariant_problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.invariant_problems

    def _entry_problem(self, seq: int, message: str) -> None:
        if self.first_bad_seq is None:
            self.first_bad_seq = seq
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(f"entry {seq}: {message}")

    def summary(self) -> list[str]:
        lines = [f"entries: {self.size}", f"root hash: {self.root_hash.hex()}", f"head hash: {self.head_hash}"]
        if self.checkpoint is not None:
            lines.append(f"checkpoint: size {self.checkpoint.size} of {self.checkpoint.origin}")
        if self.first_bad_seq is not None:
            lines.append(f"first bad entry: {self.first_bad_seq}")
        lines += [f"FAIL {p}" for p in self.problems + self.invariant_problems]
        lines.append("OK: the log and the ledger verify" if self.ok else
                     f"FAILED: {len(self.problems) + len(self.invariant_problems)} problem(s)")
        return lines


_SCAN = ("SELECT seq, kind, {body}, prev_hash, entry_hash FROM ledger_log_entry WHERE seq > {p} {upto}"
         "ORDER BY seq LIMIT {rows}")
_DONE = object()
_FIRST_SEQ = -(2 ** 63)


def _read_batches(connection: Connection, batches: queue.Queue, after: int, before: int | None) -> None:
    """Put the entries with after < seq (< before), in batches of up to FETCH_ROWS tuples (seq, kind, body bytes,
    prev_hash, entry_hash), on the queue, in sequence order.

    Runs in its own thread so that the database produces the next batch while the caller hashes this one. Each
    batch is one keyset query on the primary key (`seq > last seen`), read whole by the driver's own cursor: no
    server-side cursor round trips, no Row objects, and the body comes as the stored UTF-8 bytes. Entries only
    ever commit in sequence order (appends take turns on the head row), so batches read in turn see one prefix
    of the log, possibly longer than when the scan started (which the caller checks against the head).
    """
    try:
        driver = connection.connection.driver_connection
        if connection.dialect.name == "postgresql":
            cursor = driver.cursor(binary=True)  # binary format: integers and bytea without text parsing
            body, p = "convert_to(body, 'UTF8')", "%s"
        else:
            cursor = driver.cursor()
            body, p = "CAST(body AS BLOB)", "?"
        query = _SCAN.format(body=body, p=p, upto="" if before is None else f"AND seq < {p} ", rows=FETCH_ROWS)
        try:
            while True:
                cursor.execute(query, (after,) if before is None else (after, before))
                rows = cursor.fetchall()
                if not rows:
                    break
                batches.put(rows)
                if len(rows) < FETCH_ROWS:
                    break
                after = rows[-1][0]
        finally:
            cursor.close()
    except BaseException as error:  # noqa: BLE001 - handed to the scanning thread, which raises it
        batches.put(error)
    else:
        batches.put(_DONE)


def _entry_batches(connection: Connection, after: int, before: int | None):
    batches: queue.Queue = queue.Queue(maxsize=PREFETCH_BATCHES)
    reader = threading.Thread(target=_read_batches, args=(connection, batches, after, before),
                              name="ledger-verify-reader", daemon=True)
    reader.start()
    try:
        while (rows := batches.get()) is not _DONE:
            if isinstance(rows, BaseException):
                raise rows
            yield rows
    finally:
        while reader.is_alive():  # unblock the reader if the scan stopped early
            with contextlib.suppress(queue.Empty):
                batches.get(timeout=0.1)
        reader.join()


def _body_problem(body: bytes, seq: int, kind: str, prev_hash: str) -> str | None:
    """Why the body does not say what its columns say (None when it does)."""
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return "the body is not JSON"
    if not (isinstance(parsed, dict) and parsed.get("seq") == seq and parsed.get("kind") == kind
            and parsed.get("prev") == prev_hash and "data" in parsed and "at" in parsed):
        return "the body's seq, kind or prev disagree with the entry's columns"
    return None


@dataclass
class _Scan:
    """What scanning a run of consecutive entries found: leaf hashes, (seq, problem) in order, and its ends.

    A run scanned without knowing the previous entry's hash (a worker's range) leaves a (seq, None) mark where
    its first entry's prev_hash is to be checked; `first_prev` is that prev_hash.
    """

    leaves: list[bytes] = field(default_factory=list)
    problems: list[tuple[int, str | None]] = field(default_factory=list)
    first_prev: str | None = None
    last_hash: str | None = None
    at_head: str | None = None


def _scan_run(connection: Connection, *, after: int, before: int | None, prev: str | None, head_seq: int) -> _Scan:
    """Check every entry with after < seq (< before) against its neighbours and itself."""
    sha256 = hashlib.sha256
    scan = _Scan()
    leaves, problems = scan.leaves, scan.problems
    append = leaves.append
    expected_seq = 0 if after == _FIRST_SEQ else after + 1
    for rows in _entry_batches(connection, after, before):
        if prev is None:  # the run's first entry: its prev_hash is checked by whoever knows the previous entry
            seq = rows[0][0]
            if seq != expected_seq:
                problems.append((expected_seq, f"missing: the next stored entry is {seq}"))
                expected_seq = seq
            prev = scan.first_prev = rows[0][3]
            problems.append((seq, None))
        for seq, kind, body, prev_hash, digest in rows:
            if seq != expected_seq:
                problems.append((expected_seq, f"missing: the next stored entry is {seq}"))
                expected_seq = seq
            if prev_hash != prev:
                problems.append((seq, f"prev_hash {prev_hash} is not the previous entry's hash {prev}"))
            if sha256(body).hexdigest() != digest:
                problems.append((seq, f"entry_hash {digest} is not the SHA-256 of its body: the body was altered"))
            problem = _body_problem(body, seq, kind, prev_hash)
            if problem is not None:
                problems.append((seq, problem))
            append(sha256(b"\x00" + body).digest())
            if seq == head_seq:
                scan.at_head = digest
            prev = digest
            expected_seq += 1
        del problems[MAX_PROBLEMS + 1:]  # the report keeps MAX_PROBLEMS; the rest only cost memory
    scan.last_hash = prev if leaves else None
    return scan


def _scan_range_in_worker(url: str, after: int, before: int | None, head_seq: int) -> tuple:
    """A worker process's share: one range of the log through its own connection; leaves as one bytes string."""
    from db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            scan = _scan_run(connection, after=after, before=before, prev=None, head_seq=head_seq)
    finally:
        engine.dispose()
    return b"".join(scan.leaves), scan.problems, scan.first_prev, scan.last_hash, scan.at_head


def _worker_url(session: Session, size: int) -> str | None:
    """The database URL worker processes may read the log through, or None to scan in this process.

    Workers need a log worth splitting, more than one core, `fork`, a database other connections see, and a
    session that sees exactly what is committed (no appends of its own pending): its head equals a new
    connection's.
    """
    workers = min(MAX_WORKERS, os.cpu_count() or 1)
    if size < PARALLEL_FROM or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    engine = session.get_bind()
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return None
    with engine.connect() as connection:
        committed = _read_head(connection)
    if committed is None or tuple(committed) != tuple(_read_head(session)):
        return None
    return url.render_as_string(hide_password=False)


def _scan_in_workers(url: str, size: int, head_seq: int) -> _Scan:
    """The log split by seq into one range per worker process (the last one open-ended), scanned at once, and
    the results joined: each range's first prev_hash checked against the previous range's last hash."""
    workers = min(MAX_WORKERS, os.cpu_count() or 1)
    bounds = [size * k // workers for k in range(1, workers)]
    ranges = list(zip([_FIRST_SEQ, *(b - 1 for b in bounds)], [*bounds, None], strict=True))
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        results = list(pool.map(_scan_range_in_worker, [url] * workers, *zip(*ranges, strict=True),
                                [head_seq] * workers))
    scan, prev = _Scan(), GENESIS_HASH
    for leaves, problems, first_prev, last_hash, at_head in results:
        scan.leaves.extend(leaves[i:i + HASH_SIZE] for i in range(0, len(leaves), HASH_SIZE))
        for seq, message in problems:
            if message is None:
                if first_prev != prev:
                    scan.problems.append((seq, f"prev_hash {first_prev} is not the previous entry's hash {prev}"))
            else:
                scan.problems.append((seq, message))
        if last_hash is not None:
            prev = last_hash
        scan.at_head = scan.at_head or at_head
    scan.last_hash = prev if scan.leaves else None
    return scan


def _scan_entries(session: Session, report: VerifyReport, head_seq: int, size: int) -> tuple[list[bytes], str | None]:
    """Check every entry against its neighbours and itself (in worker processes for a large log); record the
    problems in the report; return the Merkle leaf hashes in order and the stored hash of entry `head_seq`."""
    url = _worker_url(session, size)
    if url is not None:
        scan = _scan_in_workers(url, size, head_seq)
    else:
        scan = _scan_run(session.connection(), after=_FIRST_SEQ, before=None, prev=GENESIS_HASH, head_seq=head_seq)
    for seq, message in scan.problems:
        report._entry_problem(seq, message)
    report.size = len(scan.leaves)
    report.head_hash = scan.last_hash or GENESIS_HASH
    return scan.leaves, scan.at_head


def _read_head(session: Session | Connection):
    return session.execute(select(LedgerHead.size, LedgerHead.head_hash).where(LedgerHead.id == 1)).one_or_none()


def _scan_against_head(session: Session, report: VerifyReport) -> list[bytes]:
    """Scan the entries and check the head row agrees with them.

    Appends may commit while a long scan runs (each commits its entry and the head together): so the head is
    read before the scan, must name an entry the scan saw, and the head read after the scan must cover every
    entry the scan saw. An entry beyond the head, or a head beyond the entries, is a problem.
    """
    before = _read_head(session)
    if before is None:
        report.problems.append("the ledger_head row is missing")
        return _scan_entries(session, report, -1, 0)[0]
    leaves, at_head = _scan_entries(session, report, before.size - 1, before.size)
    if before.size > len(leaves):
        report.problems.append(f"the head says {before.size} entries; the log holds only {len(leaves)}")
    elif (at_head or GENESIS_HASH) != before.head_hash:
        report.problems.append(f"the head's hash {before.head_hash} is not entry {before.size - 1}'s "
                               f"{at_head or GENESIS_HASH}")
    after = _read_head(session)
    if after is not None and len(leaves) > after.size:
        report.problems.append(f"the log holds {len(leaves)} entries, beyond the head's {after.size}")
    return leaves


def _check_extends(tree: MerkleTree, checkpoint: Checkpoint, report: VerifyReport) -> None:
    """The log's first `checkpoint.size` entries hash to the checkpoint's root, and a consistency proof holds."""
    if checkpoint.size > tree.size:
        report.problems.append(f"the checkpoint has {checkpoint.size} entries; the log now has only {tree.size}: "
                               "entries were removed")
        return
    if checkpoint.size == 0:
        return
    old_root = tree.root(checkpoint.size)
    if old_root != checkpoint.root_hash:
        report.problems.append(f"the first {checkpoint.size} entries hash to {old_root.hex()}, not the "
                               f"checkpoint's {checkpoint.root_hash.hex()}: history was rewritten")
        return
    proof = tree.consistency_proof(checkpoint.size, tree.size)
    if not verify_consistency(checkpoint.size, tree.size, checkpoint.root_hash, report.root_hash, proof):
        report.problems.append(f"no consistency proof from size {checkpoint.size} to {tree.size} verifies")


def _ledger_invariants() -> Callable[[Session], list[str]]:
    from ledger.invariants import check_invariants

    return check_invariants


def verify_ledger(session: Session, *, checkpoint_text: str | None = None,
                  public_key: Ed25519PublicKey | str | None = None,
                  invariants: Callable[[Session], list[str]] | None = None) -> VerifyReport:
    """Verify the log and the ledger in one read-only pass; given an earlier checkpoint, that the log extends it.

    `public_key` (a key or a verifier key string) must have signed the checkpoint; `invariants` defaults to
    ledger.invariants.check_invariants.
    """
    report = VerifyReport()
    leaves = _scan_against_head(session, report)
    tree = MerkleTree(leaves)
    report.root_hash = tree.root()
    if checkpoint_text is not None:
        if public_key is None:
            raise ValueError("a checkpoint is verified against the public key that signed it")
        try:
            report.checkpoint = verify_checkpoint(checkpoint_text, public_key)
        except CheckpointError as error:
            report.problems.append(f"checkpoint: {error}")
        else:
            _check_extends(tree, report.checkpoint, report)
    report.invariant_problems = list((invariants or _ledger_invariants())(session))
    return report
