"""The ledger's invariants, checked by SQL aggregates over the whole ledger; each failure names what breaks it.

1. Every issued serial is in exactly one live block: live blocks of a namespace never overlap, each issuance
   has one root block of its quantity, each split block is tiled exactly by its parts, and a block has parts
   if and only if it is split.
2. Per project and vintage: held + retired + invalidated = issued (ex-ante blocks replaced by ex-post ones are
   invalidated, ledger.ex_ante); placeholder serials of expected credits are only ever in ex-ante blocks.
3. Each retired block belongs to one retirement, inside one of its parts; no serial is in two retirement
   parts; every retirement's parts sum to its tonnes, as do its live blocks.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session

# Each query returns the offending rows, first one first; `limit 1` keeps every check one pass over the table.
_CHECKS: list[tuple[str, str]] = [
    ("""SELECT id, serial_namespace, serial_start, serial_end, prev_id FROM (
          SELECT id, serial_namespace, serial_start, serial_end,
                 LAG(serial_end) OVER w AS prev_end, LAG(id) OVER w AS prev_id
          FROM credit_block WHERE status <> 'split'
          WINDOW w AS (PARTITION BY serial_namespace ORDER BY serial_start, id)) AS live
        WHERE prev_end >= serial_start ORDER BY serial_namespace, serial_start LIMIT 1""",
     "block {0} ({1} {2}–{3}) overlaps live block {4}"),
    ("""SELECT i.id, COUNT(b.id), COALESCE(SUM(b.quantity), 0), i.quantity
        FROM credit_issuance i LEFT JOIN credit_block b ON b.issuance_id = i.id AND b.parent_id IS NULL
        GROUP BY i.id, i.quantity HAVING COUNT(b.id) <> 1 OR COALESCE(SUM(b.quantity), 0) <> i.quantity
        ORDER BY i.id LIMIT 1""",
     "issuance {0} has {1} root blocks of {2} t in all, not one of {3} t"),
    ("""SELECT id, parent_id, serial_start, prev_end FROM (
          SELECT id, parent_id, serial_start, LAG(serial_end) OVER (PARTITION BY parent_id ORDER BY serial_start, id)
                 AS prev_end FROM credit_block WHERE parent_id IS NOT NULL) AS parts
        WHERE prev_end IS NOT NULL AND serial_start <> prev_end + 1 ORDER BY parent_id, serial_start LIMIT 1""",
     "part {0} of block {1} starts at {2}, not right after its sibling ending at {3}"),
    ("""SELECT project_id, vintage, SUM(CASE WHEN parent_id IS NULL THEN quantity ELSE 0 END) AS issued,
               SUM(CASE WHEN status = 'held' THEN quantity ELSE 0 END),
               SUM(CASE WHEN status = 'retired' THEN quantity ELSE 0 END),
               SUM(CASE WHEN status = 'invalidated' THEN quantity ELSE 0 END)
        FROM credit_block GROUP BY project_id, vintage
        HAVING SUM(CASE WHEN parent_id IS NULL THEN quantity ELSE 0 END)
            <> SUM(CASE WHEN status <> 'split' THEN quantity ELSE 0 END)
        ORDER BY project_id, vintage LIMIT 1""",
     "project {0} vintage {1}: issued {2} t but held {3} + retired {4} + invalidated {5}"),
    ("""SELECT b.id, b.retirement_id FROM credit_block b
        WHERE b.status <> 'split' AND b.retirement_id IS NOT NULL AND NOT EXISTS (
          SELECT 1 FROM retirement_part rp
          WHERE rp.retirement_id = b.retirement_id AND rp.serial_start <= b.serial_start
            AND rp.serial_end >= b.serial_end
            -- the part's block read by its key: a join the planner may hash over the whole namespace, per block
            AND (SELECT pb.serial_namespace FROM credit_block pb WHERE pb.id = rp.block_id) = b.serial_namespace)
        ORDER BY b.id LIMIT 1""",
     "retired block {0} lies in no part of retirement {1}"),
    ("""SELECT b.id FROM credit_block b WHERE b.status = 'retired' AND b.is_ex_ante ORDER BY b.id LIMIT 1""",
     "block {0} is ex-ante but retired"),
    ("""SELECT b.id, b.serial_namespace FROM credit_block b
        WHERE b.serial_namespace LIKE 'ex-ante:%' AND NOT b.is_ex_ante ORDER BY b.id LIMIT 1""",
     "block {0} holds placeholder serials of {1} but is not ex-ante"),
    ("""SELECT retirement_id, serial_namespace, serial_start, prev_retirement FROM (
          SELECT rp.retirement_id, b.serial_namespace, rp.serial_start,
                 LAG(rp.serial_end) OVER w AS prev_end, LAG(rp.retirement_id) OVER w AS prev_retirement
          FROM retirement_part rp JOIN credit_block b ON b.id = rp.block_id
          WINDOW w AS (PARTITION BY b.serial_namespace ORDER BY rp.serial_start, rp.id)) AS parts
        WHERE prev_end >= serial_start ORDER BY serial_namespace, serial_start LIMIT 1""",
     "retirement {0} retired serial {1} {2} that retirement {3} had retired already"),
    ("""SELECT rp.id, rp.retirement_id, b.id FROM retirement_part rp JOIN credit_block b ON b.id = rp.block_id
        WHERE rp.serial_start < b.serial_start OR rp.serial_end > b.serial_end
           OR rp.project_id <> b.project_id OR rp.vintage <> b.vintage
        ORDER BY rp.id LIMIT 1""",
     "part {0} of retirement {1} does not match its block {2}"),
]


# Parents against the aggregate of their parts: one pass over the blocks for three invariants.
_PARTS_OF_BLOCKS = """
    WITH parts AS MATERIALIZED (
      SELECT parent_id, COUNT(*) AS n, MIN(serial_start) AS lo, MAX(serial_end) AS hi, SUM(quantity) AS q,
             MIN(serial_namespace) AS ns_lo, MAX(serial_namespace) AS ns_hi, MIN(project_id) AS pr_lo,
             MAX(project_id) AS pr_hi, MIN(vintage) AS v_lo, MAX(vintage) AS v_hi, MIN(issuance_id) AS i_lo,
             MAX(issuance_id) AS i_hi, MIN(CASE WHEN is_ex_ante THEN 1 ELSE 0 END) AS x_lo,
             MAX(CASE WHEN is_ex_ante THEN 1 ELSE 0 END) AS x_hi
      FROM credit_block WHERE parent_id IS NOT NULL GROUP BY parent_id)
    SELECT b.id, b.status, COALESCE(parts.n, 0), b.serial_start, b.serial_end, b.quantity, parts.lo, parts.hi,
           parts.q,
           CASE WHEN parts.n IS NULL THEN 0 WHEN parts.ns_lo <> b.serial_namespace OR parts.ns_hi <> b.serial_namespace
                  OR parts.pr_lo <> b.project_id OR parts.pr_hi <> b.project_id OR parts.v_lo <> b.vintage
                  OR parts.v_hi <> b.vintage OR parts.i_lo <> b.issuance_id OR parts.i_hi <> b.issuance_id
                  OR parts.x_lo <> (CASE WHEN b.is_ex_ante THEN 1 ELSE 0 END)
                  OR parts.x_hi <> (CASE WHEN b.is_ex_ante THEN 1 ELSE 0 END) THEN 1 ELSE 0 END AS foreign_part
    FROM credit_block b LEFT JOIN parts ON parts.parent_id = b.id
    WHERE (b.status = 'split') <> (parts.n IS NOT NULL)
       OR parts.lo <> b.serial_start OR parts.hi <> b.serial_end OR parts.q <> b.quantity
       OR parts.ns_lo <> b.serial_namespace OR parts.ns_hi <> b.serial_namespace OR parts.pr_lo <> b.project_id
       OR parts.pr_hi <> b.project_id OR parts.v_lo <> b.vintage OR parts.v_hi <> b.vintage
       OR parts.i_lo <> b.issuance_id OR parts.i_hi <> b.issuance_id
       OR parts.x_lo <> (CASE WHEN b.is_ex_ante THEN 1 ELSE 0 END)
       OR parts.x_hi <> (CASE WHEN b.is_ex_ante THEN 1 ELSE 0 END)
    ORDER BY b.id LIMIT 1"""

# Each retirement against the sum of its parts and of its live blocks, summed in one pass. Ordered by `id + 0`,
# not `id`: ordering by the key lets the planner walk retirements by index and join each to the aggregate in
# turn, which is quadratic when (as for a sound ledger) no row matches.
_RETIREMENT_SUMS = """
    WITH sums AS (
      SELECT retirement_id, SUM(in_parts) AS in_parts, SUM(in_blocks) AS in_blocks FROM (
        SELECT retirement_id, quantity AS in_parts, 0 AS in_blocks FROM retirement_part
        UNION ALL
        SELECT retirement_id, 0, quantity FROM credit_block WHERE status <> 'split' AND retirement_id IS NOT NULL
      ) AS quantities GROUP BY retirement_id)
    SELECT r.id, r.public_id, r.tonnes, COALESCE(sums.in_parts, 0), COALESCE(sums.in_blocks, 0)
    FROM retirement r LEFT JOIN sums ON sums.retirement_id = r.id
    WHERE COALESCE(sums.in_parts, 0) <> r.tonnes OR COALESCE(sums.in_blocks, 0) <> r.tonnes
    ORDER BY r.id + 0 LIMIT 1"""


def _parts_of_blocks(row) -> list[str]:
    block, status, count, start, end, quantity, lo, hi, total, foreign_part = row
    if (status == "split") != (count > 0):
        return [f"block {block} is {status} but has {count} parts (a block has parts if and only if it is split)"]
    failures = []
    if (lo, hi, total) != (start, end, quantity):
        failures.append(f"split block {block} ({start}–{end}) is not tiled by its parts ({lo}–{hi}, {total} t)")
    if foreign_part:
        failures.append(f"a part of block {block} does not carry its namespace, project, vintage, issuance or "
                        "ex-ante flag")
    return failures


def _retirement_sums(row) -> list[str]:
    retirement, public_id, tonnes, in_parts, in_blocks = row
    failures = []
    if in_parts != tonnes:
        failures.append(f"retirement {retirement} ({public_id}) is of {tonnes} t but its parts hold {in_parts} t")
    if in_blocks != tonnes:
        failures.append(f"retirement {retirement} ({public_id}) is of {tonnes} t but its live blocks hold "
                        f"{in_blocks} t")
    return failures


def check_invariants(session: Session) -> list[str]:
    """One message per broken invariant (naming the first block or retirement that breaks it); [] when sound."""
    failures = []
    for query, message in _CHECKS:
        row = session.execute(text(query)).first()
        if row is not None:
            failures.append(message.format(*row))
    for query, explain in ((_PARTS_OF_BLOCKS, _parts_of_blocks), (_RETIREMENT_SUMS, _retirement_sums)):
        row = session.execute(text(query)).first()
        if row is not None:
            failures.extend(explain(row))
    return failures
