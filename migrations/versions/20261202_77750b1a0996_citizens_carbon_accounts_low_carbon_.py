"""citizens: carbon accounts, low-carbon days, kept footprints' owners, ex-ante sink registrations

Revision ID: 77750b1a0996
Revises: 4fb07672312f
Create Date: 2026-12-02 01:57:10.882523
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401
from alembic import op

import db  # noqa: F401

revision: str = '77750b1a0996'
down_revision: str | None = '4fb07672312f'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('citizen',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('login_kind', sa.Enum('email', 'phone', name='loginkind', native_enum=False, length=8), nullable=False),
    sa.Column('created_at', db.UTCDateTime(length=32), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_citizen_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_citizen'))
    )
    op.create_table('low_carbon_day',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('steps', sa.Integer(), nullable=False),
    sa.Column('cycling_minutes', sa.Integer(), nullable=False),
    sa.Column('bus_trips', sa.Integer(), nullable=False),
    sa.Column('bus_km', db.ExactDecimal(), nullable=False),
    sa.Column('metro_trips', sa.Integer(), nullable=False),
    sa.Column('metro_km', db.ExactDecimal(), nullable=False),
    sa.Column('walk_points', sa.Integer(), nullable=False),
    sa.Column('cycle_points', sa.Integer(), nullable=False),
    sa.Column('bus_points', sa.Integer(), nullable=False),
    sa.Column('metro_points', sa.Integer(), nullable=False),
    sa.Column('avoided_g_co2', db.ExactDecimal(), nullable=False),
    sa.Column('rules_version', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('updated_at', db.UTCDateTime(length=32), nullable=False),
    sa.CheckConstraint('steps >= 0 AND cycling_minutes >= 0 AND bus_trips >= 0 AND metro_trips >= 0 AND walk_points >= 0 AND cycle_points >= 0 AND bus_points >= 0 AND metro_points >= 0', name=op.f('ck_low_carbon_day_counts_non_negative')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_low_carbon_day_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_low_carbon_day')),
    sa.UniqueConstraint('user_id', 'day', name=op.f('uq_low_carbon_day_user_id_day'))
    )
    with op.batch_alter_table('low_carbon_day', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_low_carbon_day_user_id'), ['user_id'], unique=False)

    op.create_table('sink_ex_ante_registration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('first_year', sa.Integer(), nullable=False),
    sa.Column('estimate', sa.JSON(), nullable=False),
    sa.Column('expected_tonnes', sa.BigInteger(), nullable=False),
    sa.Column('issuance_ids', sa.JSON(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', db.UTCDateTime(length=32), nullable=False),
    sa.Column('replaced_at', db.UTCDateTime(length=32), nullable=True),
    sa.Column('replacement_log_seq', sa.BigInteger(), nullable=True),
    sa.CheckConstraint('expected_tonnes > 0', name=op.f('ck_sink_ex_ante_registration_expected_tonnes_positive')),
    sa.ForeignKeyConstraint(['project_id'], ['credit_project.id'], name=op.f('fk_sink_ex_ante_registration_project_id_credit_project'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_sink_ex_ante_registration_recorded_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sink_ex_ante_registration'))
    )
    with op.batch_alter_table('sink_ex_ante_registration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sink_ex_ante_registration_project_id'), ['project_id'], unique=False)

    with op.batch_alter_table('personal_footprint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner_user_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_personal_footprint_owner_user_id'), ['owner_user_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_personal_footprint_owner_user_id_user'), 'user', ['owner_user_id'], ['id'], ondelete='SET NULL')



def downgrade() -> None:
    with op.batch_alter_table('personal_footprint', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_personal_footprint_owner_user_id_user'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_personal_footprint_owner_user_id'))
        batch_op.drop_column('owner_user_id')

    with op.batch_alter_table('sink_ex_ante_registration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sink_ex_ante_registration_project_id'))

    op.drop_table('sink_ex_ante_registration')
    with op.batch_alter_table('low_carbon_day', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_low_carbon_day_user_id'))

    op.drop_table('low_carbon_day')
    op.drop_table('citizen')
