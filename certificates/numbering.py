"""Certificate numbers: `ZCM-2026-000123` (meetings), `PCN-` (personal), `ECN-` (enterprise), never repeated."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from certificates.models import NUMBER_PREFIX, CertificateCounter, CertificateKind

NUMBER_DIGITS = 6


def format_number(prefix: str, year: int, n: int) -> str:
    return f"{prefix}-{year}-{n:0{NUMBER_DIGITS}d}"


def next_number(session: Session, kind: CertificateKind, year: int) -> str:
    """The next number of the kind and year, inside the caller's transaction (the counter row stays locked)."""
    prefix = NUMBER_PREFIX[kind]
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(CertificateCounter).values(prefix=prefix, year=year, last=0)
                    .on_conflict_do_nothing(index_elements=["prefix", "year"]))
    last = session.execute(update(CertificateCounter)
                           .where(CertificateCounter.prefix == prefix, CertificateCounter.year == year)
                           .values(last=CertificateCounter.last + 1).returning(CertificateCounter.last)).scalar_one()
    return format_number(prefix, year, last)
