"""ledger: the head keeps the hash it had before the last append (one-statement appends on PostgreSQL)

Revision ID: a1c9e5d7f3b2
Revises: c5f6d22110d9
Create Date: 2026-12-02 05:40:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'a1c9e5d7f3b2'
down_revision: str | None = 'c5f6d22110d9'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('ledger_head', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ledger_head', schema=None) as batch_op:
        batch_op.drop_column('prev_hash')
