"""sessions: a session version per user; API keys: a role

Revision ID: 09ccd997de89
Revises: 1a527ba9a8f4
Create Date: 2026-12-01 21:06:58.172316
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401
from alembic import op

import db  # noqa: F401

revision: str = '09ccd997de89'
down_revision: str | None = '1a527ba9a8f4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('apikey', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', sa.Enum('read_only', 'organiser', name='apikeyrole', native_enum=False, length=16), server_default='read_only', nullable=False))
    # Keys issued before roles existed could create events and take snapshots: they keep doing so. New keys
    # are read-only unless created as organiser keys.
    op.execute("UPDATE apikey SET role = 'organiser'")

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('session_version')

    with op.batch_alter_table('apikey', schema=None) as batch_op:
        batch_op.drop_column('role')
