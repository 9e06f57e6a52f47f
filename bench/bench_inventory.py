"""Inventory import and report at scale: a 1,000,000-row CSV imported through inventory.imports.import_rows
(every row checked and computed by calculators.enterprise, then bulk-loaded in one transaction), against the
database's own bulk load of the same stored rows, records and their line items (COPY on PostgreSQL, executemany on
SQLite) in the same run; then the yearly report over those rows. On SQLite and on a scratch PostgreSQL database.

BENCH_INVENTORY_ROWS changes the number of rows (default 1,000,000).
"""

from __future__ import annotations

import csv
import os
import pickle
import random
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session

from bench.common import report

ROWS = int(os.environ.get("BENCH_INVENTORY_ROWS", "1000000"))
ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
FACILITIES = 100
YEAR = 2025
PROVINCES = ("CN-GD", "CN-BJ", "CN-SH", "CN-ZJ", "CN-JS", "CN-SC", "CN-HB", "CN-SD", "CN-FJ", "CN-YN")


def _kinds(rng: random.Random):
    """One activity row as a person would enter it, quantities varying at random."""
    q = f"{rng.uniform(1, 50000):.2f}"
    pick = rng.random()
    if pick < 0.25:
        return {"kind": "electricity", "quantity": q, "unit": "kWh", "data_source": "invoice"}
    if pick < 0.35:
        return {"kind": "fuel", "activity": "natural_gas", "quantity": q, "unit": "m3", "data_source": "metered"}
    if pick < 0.45:
        return {"kind": "vehicle", "activity": "diesel", "quantity": f"{rng.uniform(1, 900):.3f}", "unit": "kg",
                "data_source": "invoice"}
    if pick < 0.52:
        return {"kind": "heat", "quantity": f"{rng.uniform(1, 500):.2f}", "unit": "GJ", "data_source": "metered"}
    if pick < 0.62:
        return {"kind": "water", "activity": "supply", "quantity": f"{rng.uniform(1, 900):.1f}", "unit": "m3",
                "data_source": "metered"}
    if pick < 0.72:
        return {"kind": "waste", "activity": "commercial_industrial", "treatment": "landfill",
                "quantity": f"{rng.uniform(1, 3000):.1f}", "unit": "kg", "data_source": "estimate"}
    if pick < 0.80:
        return {"kind": "paper", "activity": "paper", "quantity": f"{rng.uniform(1, 200):.2f}", "unit": "kg",
                "data_source": "invoice"}
    if pick < 0.90:
        return {"kind": "business_travel", "activity": "rail", "quantity": f"{rng.uniform(50, 2500):.1f}",
                "unit": "km", "data_source": "invoice"}
    return {"kind": "commuting", "activity": "bus", "quantity": str(rng.randint(20, 4000)), "unit": "trips",
            "distance_km": f"{rng.uniform(1, 30):.1f}", "round_trip": "1", "data_source": "survey"}


def write_csv(path: Path, rows: int, seed: int = 11) -> None:
    from inventory.entries import FIELD_NAMES
    from inventory.imports import template_header

    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow([template_header(name) for name in FIELD_NAMES])
        for _ in range(rows):
            row = {"facility": f"site-{rng.randrange(FACILITIES):03d}", "month": f"{YEAR}-{rng.randint(1, 12):02d}",
                   **_kinds(rng)}
            writer.writerow([row.get(name, "") for name in FIELD_NAMES])


@contextmanager
def _scratch(backend: str):
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        return
    from tests.conftest import scratch_postgres_database

    with scratch_postgres_database("bench_inventory", server_url=ADMIN_URL) as url:
        yield url


def _postgres_reachable() -> bool:
    from db import make_engine

    try:
        engine = make_engine(ADMIN_URL)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        return False


def _organisation(session: Session):
    from accounts import service as accounts
    from inventory import facilities
    from inventory.rights import Actor

    organisation = accounts.create_organisation(session=session, slug="bench", name_zh="基准", name_en="Bench")
    user = accounts.create_user(session=session, email="bench@example.org", password="bench-password-1",
                                display_name="Bench", organisation_id=organisation.id, role="admin")
    actor = Actor.member(organisation.id, user.id, "admin")
    for n in range(FACILITIES):
        facilities.create_facility(session=session, actor=actor, values={
            "name": f"site-{n:03d}", "province": PROVINCES[n % len(PROVINCES)], "facility_type": "office",
            "floor_area_m2": 1000 + n, "headcount": 20 + n})
    return organisation, user, actor


_TABLES = ("activity_record", "activity_record_line")


def _baseline(session: Session, backend: str, folder: Path) -> float:
    """Seconds the database takes to bulk-load the same stored rows again: the records and their line items are
    dumped, deleted and loaded (COPY on PostgreSQL, executemany on SQLite, one transaction)."""
    from inventory.imports import COLUMNS, LINE_COLUMNS

    tables = dict(zip(_TABLES, (COLUMNS, LINE_COLUMNS), strict=True))
    connection = session.connection().connection.driver_connection
    dumps = {table: folder / f"{table}.{backend}" for table in tables}
    if backend == "postgresql":
        for table, columns in tables.items():
            with connection.cursor() as cursor, dumps[table].open("wb") as out, cursor.copy(
                    f"COPY {table} ({', '.join(columns)}) TO STDOUT") as copy:
                for chunk in copy:
                    out.write(chunk)
        session.execute(text("DELETE FROM activity_record_line"))
        session.execute(text("DELETE FROM activity_record"))
        session.commit()
        connection = session.connection().connection.driver_connection
        started = time.perf_counter()
        for table, columns in tables.items():
            with connection.cursor() as cursor, dumps[table].open("rb") as source, cursor.copy(
                    f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                while chunk := source.read(1 << 20):
                    copy.write(chunk)
        session.commit()
        return time.perf_counter() - started
    cursor = connection.cursor()
    for table, columns in tables.items():
        with dumps[table].open("wb") as out:
            cursor.execute(f"SELECT {', '.join(columns)} FROM {table}")  # noqa: S608 (constant names)
            while batch := cursor.fetchmany(20000):
                pickle.dump(batch, out, protocol=pickle.HIGHEST_PROTOCOL)
    session.execute(text("DELETE FROM activity_record_line"))
    session.execute(text("DELETE FROM activity_record"))
    session.commit()
    connection = session.connection().connection.driver_connection
    cursor = connection.cursor()
    elapsed = 0.0
    for table, columns in tables.items():
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608
        with dumps[table].open("rb") as source:
            while True:
                try:
                    batch = pickle.load(source)  # noqa: S301 (this run's own file)
                except EOFError:
                    break
                started = time.perf_counter()
                cursor.executemany(sql, batch)
                elapsed += time.perf_counter() - started
    started = time.perf_counter()
    session.commit()
    return elapsed + time.perf_counter() - started


def _run_backend(backend: str, csv_path: Path, folder: Path) -> None:
    from db import make_engine
    from inventory.imports import import_rows, rows_from_csv_stream
    from inventory.reports import year_report
    from tests.conftest import migrate_and_publish

    with _scratch(backend) as url:
        migrate_and_publish(url)
        engine = make_engine(url)
        with Session(engine, expire_on_commit=False) as session:
            organisation, user, actor = _organisation(session)
            started = time.perf_counter()
            with csv_path.open(newline="", encoding="utf-8") as stream:
                result = import_rows(session, organisation.id, user.id, rows_from_csv_stream(stream),
                                     file_name=csv_path.name)
            import_s = time.perf_counter() - started
            assert result.imported == ROWS, result
            timings = []
            for _ in range(3):
                started = time.perf_counter()
                summary = year_report(session=session, actor=actor, year=YEAR)
                timings.append(time.perf_counter() - started)
                session.rollback()
            assert summary.records == ROWS
            baseline_s = _baseline(session, backend, folder)
        engine.dispose()
    ratio = baseline_s / import_s
    report(f"inventory import {ROWS:,} CSV rows ({backend})", ROWS / import_s, "rows/s", baseline=ROWS / baseline_s,
           baseline_name="the database's own bulk load of the same rows", target="ratio >= 0.5", ok=ratio >= 0.5)
    report(f"inventory yearly report over {ROWS:,} rows ({backend}), first run", timings[0] * 1000, "ms",
           target="< 1000 ms", ok=timings[0] < 1)
    report(f"inventory yearly report over {ROWS:,} rows ({backend}), best of 3", min(timings) * 1000, "ms",
           target="< 1000 ms", ok=min(timings) < 1)


def run() -> None:
    backends = ["sqlite"] + (["postgresql"] if _postgres_reachable() else [])
    if "postgresql" not in backends:
        print("PostgreSQL is not reachable at BENCH_POSTGRES_URL: SQLite only")
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        csv_path = folder / "inventory.csv"
        write_csv(csv_path, ROWS)
        for backend in backends:
            _run_backend(backend, csv_path, folder)
