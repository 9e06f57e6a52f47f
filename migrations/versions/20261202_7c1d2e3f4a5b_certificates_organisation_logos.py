"""certificates: organisation logos printed on certificates (and the join of the certificates and jobs heads)

Revision ID: 7c1d2e3f4a5b
Revises: 5b8eee1071b6, 8b2defd697b8
Create Date: 2026-12-02 03:10:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401
from alembic import op

import db  # noqa: F401

revision: str = '7c1d2e3f4a5b'
down_revision: str | tuple[str, ...] | None = ('5b8eee1071b6', '8b2defd697b8')
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('organisation_logo',
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('updated_at', db.UTCDateTime(length=32), nullable=False),
    sa.CheckConstraint("content_type IN ('image/png', 'image/jpeg')", name=op.f('ck_organisation_logo_png_or_jpeg')),
    sa.CheckConstraint('size_bytes > 0 AND size_bytes <= 1048576', name=op.f('ck_organisation_logo_at_most_1_mb')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                            name=op.f('fk_organisation_logo_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organisation_id', name=op.f('pk_organisation_logo'))
    )


def downgrade() -> None:
    op.drop_table('organisation_logo')
