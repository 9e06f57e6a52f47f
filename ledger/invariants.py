"""The ledger's invariants, checked by SQL aggregates over the whole ledger; each failure names what breaks it.

1. Every issued serial is in exactly one live block: live blocks of a namespace never overlap, each issuance
   has one root block of its quantity, each split block is tiled exactly by its parts, and a block has parts
   if and only if it is split.
2. Per project and vintage: held + retired + invalidated = issued.
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
    ("""SELECT p.id, p.status, COUNT(c.id)
        FROM credit_block p LEFT JOIN credit_block c ON c.parent_id = p.id
        GROUP BY p.id, p.status HAVING (p.status = 'split') <> (COUNT(c.id) > 0)
        ORDER BY p.id LIMIT 1""",
     "block {0} is {1} but has {2} parts (a block has parts if and only if it is split)"),
    ("""SELECT p.id, p.serial_start, p.serial_end, MIN(c.serial_start), MAX(c.serial_end), SUM(c.quantity)
        FROM credit_block p JOIN credit_block c ON c.parent_id = p.id
        GROUP BY p.id, p.serial_start, p.serial_end, p.quantity
        HAVING MIN(c.serial_start) <> p.serial_start OR MAX(c.serial_end) <> p.serial_end
            OR SUM(c.quantity) <> p.quantity
        ORDER BY p.id LIMIT 1""",
     "split block {0} ({1}–{2}) is not tiled by its parts ({3}–{4}, {5} t)"),
    ("""SELECT id, parent_id, serial_start, prev_end FROM (
          SELECT id, parent_id, serial_start, LAG(serial_end) OVER (PARTITION BY parent_id ORDER BY serial_start, id)
                 AS prev_end FROM credit_block WHERE parent_id IS NOT NULL) AS parts
        WHERE prev_end IS NOT NULL AND serial_start <> prev_end + 1 ORDER BY parent_id, serial_start LIMIT 1""",
     "part {0} of block {1} starts at {2}, not right after its sibling ending at {3}"),
    ("""SELECT c.id, p.id FROM credit_block c JOIN credit_block p ON p.id = c.parent_id
        WHERE c.serial_namespace <> p.serial_namespace OR c.project_id <> p.project_id OR c.vintage <> p.vintage
           OR c.issuance_id <> p.issuance_id OR c.is_ex_ante <> p.is_ex_ante
        ORDER BY c.id LIMIT 1""",
     "part {0} does not carry the namespace, project, vintage, issuance or ex-ante flag of block {1}"),
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
          SELECT 1 FROM retirement_part rp JOIN credit_block pb ON pb.id = rp.block_id
          WHERE rp.retirement_id = b.retirement_id AND pb.serial_namespace = b.serial_namespace
            AND rp.serial_start <= b.serial_start AND rp.serial_end >= b.serial_end)
        ORDER BY b.id LIMIT 1""",
     "retired block {0} lies in no part of retirement {1}"),
    ("""SELECT b.id FROM credit_block b WHERE b.status = 'retired' AND b.is_ex_ante ORDER BY b.id LIMIT 1""",
     "block {0} is ex-ante but retired"),
    ("""SELECT retirement_id, serial_namespace, serial_start, prev_retirement FROM (
          SELECT rp.retirement_id, b.serial_namespace, rp.serial_start,
                 LAG(rp.serial_end) OVER w AS prev_end, LAG(rp.retirement_id) OVER w AS prev_retirement
          FROM retirement_part rp JOIN credit_block b ON b.id = rp.block_id
          WINDOW w AS (PARTITION BY b.serial_namespace ORDER BY rp.serial_start, rp.id)) AS parts
        WHERE prev_end >= serial_start ORDER BY serial_namespace, serial_start LIMIT 1""",
     "retirement {0} retired serial {1} {2} that retirement {3} had retired already"),
    ("""SELECT r.id, r.public_id, r.tonnes, COALESCE(SUM(rp.quantity), 0)
        FROM retirement r LEFT JOIN retirement_part rp ON rp.retirement_id = r.id
        GROUP BY r.id, r.public_id, r.tonnes HAVING COALESCE(SUM(rp.quantity), 0) <> r.tonnes
        ORDER BY r.id LIMIT 1""",
     "retirement {0} ({1}) is of {2} t but its parts hold {3} t"),
    ("""SELECT r.id, r.public_id, r.tonnes, COALESCE(SUM(b.quantity), 0)
        FROM retirement r LEFT JOIN credit_block b ON b.retirement_id = r.id AND b.status <> 'split'
        GROUP BY r.id, r.public_id, r.tonnes HAVING COALESCE(SUM(b.quantity), 0) <> r.tonnes
        ORDER BY r.id LIMIT 1""",
     "retirement {0} ({1}) is of {2} t but its live blocks hold {3} t"),
    ("""SELECT rp.id, rp.retirement_id, b.id FROM retirement_part rp JOIN credit_block b ON b.id = rp.block_id
        WHERE rp.serial_start < b.serial_start OR rp.serial_end > b.serial_end
           OR rp.project_id <> b.project_id OR rp.vintage <> b.vintage
        ORDER BY rp.id LIMIT 1""",
     "part {0} of retirement {1} does not match its block {2}"),
]


def check_invariants(session: Session) -> list[str]:
    """One message per broken invariant (naming the first block or retirement that breaks it); [] when sound."""
    failures = []
    for query, message in _CHECKS:
        row = session.execute(text(query)).first()
        if row is not None:
            failures.append(message.format(*row))
    return failures
