"""The app as served, plus a bench-only endpoint that inserts one row: the baseline of the attendee benchmark."""

from __future__ import annotations

from flask import request
from sqlalchemy import Column, Integer, MetaData, Table, Text, insert

from app import create_app
from db import get_session
from extensions import csrf

BARE_TABLE = Table("bench_bare_row", MetaData(), Column("id", Integer, primary_key=True), Column("body", Text))

application = create_app()


@application.post("/bench/bare-insert")
def bare_insert():
    """Read the form body, insert it as one row, commit: the floor under any endpoint that stores something."""
    session = get_session()
    session.execute(insert(BARE_TABLE).values(body=request.get_data(as_text=True)[:2000]))
    session.commit()
    return "", 204


csrf.exempt(bare_insert)  # a baseline: no form, no token
