"""factor sets: source document number and table, and where values were only cross-checked

Revision ID: 1a527ba9a8f4
Revises: 4d443544a4c8
Create Date: 2026-12-01 21:30:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401
from alembic import op

import db  # noqa: F401

revision: str = '1a527ba9a8f4'
down_revision: str | None = '4d443544a4c8'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # server_default '' so the rows of versions published before these columns existed read as empty.
    with op.batch_alter_table('factor_source', schema=None) as batch_op:
        batch_op.add_column(sa.Column('document_number', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('table_ref', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('cross_checked_at', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('factor', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cross_checked_at', sa.Text(), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('factor', schema=None) as batch_op:
        batch_op.drop_column('cross_checked_at')
    with op.batch_alter_table('factor_source', schema=None) as batch_op:
        batch_op.drop_column('cross_checked_at')
        batch_op.drop_column('table_ref')
        batch_op.drop_column('document_number')
