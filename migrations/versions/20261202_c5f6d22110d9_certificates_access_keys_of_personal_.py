"""certificates: access keys of personal certificates (their public pages need it; older rows stay public)

Revision ID: c5f6d22110d9
Revises: 6674e0b516e1
Create Date: 2026-12-02 04:44:04.500139
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401
from alembic import op

import db  # noqa: F401

revision: str = 'c5f6d22110d9'
down_revision: str | None = '6674e0b516e1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: certificates issued before keys existed have none and stay readable by number, as their signed
    # verify URL (and printed QR code) promises.
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('access_key', sqlmodel.sql.sqltypes.AutoString(length=43), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_column('access_key')
