"""The migration that moves line items to their own table keeps every record's line items and fills the summary."""

from __future__ import annotations

import json

import pytest
from alembic import command
from sqlalchemy import text
from sqlmodel import Session, select

from db import (
    make_engine,
    utcnow,  # noqa: I001
)
from inventory import records, summary
from inventory.imports import import_rows, rows_from_file
from inventory.models import ActivityRecord
from tests.conftest import TEST_DATABASE_URL, alembic_config, migrate_and_publish, scratch_postgres_database
from tests.factories import make_organisation, make_user
from tests.inventory_data import as_csv, make_facilities, year_rows

BEFORE = "4fb07672312f"  # line items as JSON on each record
# The test's clock: the data's year (2025) has ended by then, whatever today is.
NOW = utcnow().replace(microsecond=0)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'lines.sqlite3'}"
        return
    if not TEST_DATABASE_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    with scratch_postgres_database("inventory_lines") as url:
        yield url


def test_line_items_go_back_to_json_and_return_to_their_table_with_the_summary(database_url):
    migrate_and_publish(database_url)
    engine = make_engine(database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            organisation = make_organisation(session)
            staff = make_user(session, organisation, role="staff")
            make_facilities(session, organisation.id)
            import_rows(session, organisation.id, staff.id, rows_from_file(as_csv(year_rows(2025)[:40]), "a.csv"),
                        now=NOW)
            ids = session.exec(select(ActivityRecord.id).order_by(ActivityRecord.id)).all()
            lines = records.line_items(session, ids)
            stored = summary.as_rows(summary.stored(session, organisation.id))
        assert len(ids) == 40 and all(lines.values()) and len(stored) == 40

        command.downgrade(alembic_config(database_url), BEFORE)
        with engine.connect() as connection:
            as_json = {record_id: items if isinstance(items, list) else json.loads(items) for record_id, items in
                       connection.execute(text("SELECT id, line_items FROM activity_record"))}
        assert as_json == lines

        command.upgrade(alembic_config(database_url), "head")
        with Session(engine) as session:
            assert records.line_items(session, ids) == lines
            assert summary.as_rows(summary.stored(session, organisation.id)) == stored
            assert summary.as_rows(summary.recomputed(session, organisation.id)) == stored
    finally:
        engine.dispose()
