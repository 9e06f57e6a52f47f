"""jobs: background jobs with state, progress and result

Revision ID: 8b2defd697b8
Revises: 0e49bfe65f0c
Create Date: 2026-12-02 01:22:27.561640

One row per background job (a certificate batch, later large imports): its unguessable token, kind,
organisation, state, progress and the file it produced. The queue itself lives in huey's storage.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401
from alembic import op

import db  # noqa: F401

revision: str = '8b2defd697b8'
down_revision: str | None = '0e49bfe65f0c'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('job',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=43), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('queued', 'running', 'done', 'failed', name='job_state', native_enum=False, length=10), nullable=False),
    sa.Column('progress_done', sa.Integer(), nullable=False),
    sa.Column('progress_total', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('result_path', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('created_at', db.UTCDateTime(length=32), nullable=False),
    sa.Column('finished_at', db.UTCDateTime(length=32), nullable=True),
    sa.CheckConstraint('progress_done >= 0 AND progress_total >= 0 AND progress_done <= progress_total', name=op.f('ck_job_progress_within_total')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_job_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job'))
    )
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_organisation_id'), ['organisation_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_organisation_id'))

    op.drop_table('job')
