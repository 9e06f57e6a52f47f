"""Alembic environment: every feature's models on SQLModel.metadata, the URL from settings.py."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import accounts.models  # noqa: F401
import certificates.models  # noqa: F401
import citizens.models  # noqa: F401
import factorsets.models  # noqa: F401
import inventory.models  # noqa: F401
import jobs.models  # noqa: F401
import ledger.models  # noqa: F401
import meetings.models  # noqa: F401
import sinks.models  # noqa: F401
from db import make_engine
from settings import Settings

config = context.config
target_metadata = SQLModel.metadata


def _url() -> str:
    return config.attributes.get("database_url") or Settings.from_env().database_url


def _skip_empty(context_, revision, directives) -> None:
    # An autogenerate that finds no change writes no file.
    if config.cmd_opts is not None and getattr(config.cmd_opts, "autogenerate", False):
        script = directives[0]
        if script.upgrade_ops.is_empty():
            directives[:] = []


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, compare_type=True,
                      render_as_batch=_url().startswith("sqlite"))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection) -> None:
    context.configure(
        connection=connection, target_metadata=target_metadata, compare_type=True,
        render_as_batch=(connection.dialect.name == "sqlite"), process_revision_directives=_skip_empty,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
