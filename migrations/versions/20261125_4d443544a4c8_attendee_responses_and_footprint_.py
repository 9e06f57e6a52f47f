"""meetings: attendee responses (one per device or badge) and event footprint snapshots

Revision ID: 4d443544a4c8
Revises: f0a25c4330c9
Create Date: 2026-11-25 15:05:07.942876
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401
from alembic import op

import db  # noqa: F401

revision: str = '4d443544a4c8'
down_revision: str | None = 'f0a25c4330c9'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('event_footprint_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('taken_at', db.UTCDateTime(length=32), nullable=False),
    sa.Column('taken_by_id', sa.Integer(), nullable=True),
    sa.Column('api_key_id', sa.Integer(), nullable=True),
    sa.Column('factor_set', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('footprint', sa.JSON(), nullable=False),
    sa.Column('total_kgco2e', db.ExactDecimal(), nullable=False),
    sa.Column('neutralisation_kgco2e', db.ExactDecimal(), nullable=False),
    sa.Column('credits_needed_t', sa.Integer(), nullable=False),
    sa.Column('respondents', sa.Integer(), nullable=False),
    sa.Column('attendance', sa.Integer(), nullable=False),
    sa.Column('is_current', sa.Boolean(), nullable=False),
    sa.Column('superseded_by_id', sa.Integer(), nullable=True),
    sa.Column('superseded_at', db.UTCDateTime(length=32), nullable=True),
    sa.CheckConstraint('credits_needed_t >= 0', name=op.f('ck_event_footprint_snapshot_credits_needed_t_non_negative')),
    sa.CheckConstraint('respondents >= 0', name=op.f('ck_event_footprint_snapshot_respondents_non_negative')),
    sa.CheckConstraint('superseded_by_id IS NULL OR NOT is_current', name=op.f('ck_event_footprint_snapshot_superseded_not_current')),
    sa.ForeignKeyConstraint(['api_key_id'], ['apikey.id'], name=op.f('fk_event_footprint_snapshot_api_key_id_apikey'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_footprint_snapshot_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['superseded_by_id'], ['event_footprint_snapshot.id'], name=op.f('fk_event_footprint_snapshot_superseded_by_id_event_footprint_snapshot'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['taken_by_id'], ['user.id'], name=op.f('fk_event_footprint_snapshot_taken_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_footprint_snapshot'))
    )
    with op.batch_alter_table('event_footprint_snapshot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_footprint_snapshot_event_id'), ['event_id'], unique=False)
        # A partial unique index: at most one current snapshot per event; later ones supersede it.
        batch_op.create_index('uq_event_footprint_snapshot_one_current', ['event_id'], unique=True, sqlite_where=sa.text('is_current'), postgresql_where=sa.text('is_current'))

    # kg are ExactDecimal: NUMERIC on PostgreSQL, exact text on SQLite.
    op.create_table('attendee_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('device_key_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('badge_code_id', sa.Integer(), nullable=True),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('origin_code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('origin_country', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('origin_province', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
    sa.Column('stratum', sa.Enum('same_city', 'same_province', 'other_province', 'hk_mo_tw', 'international', 'unknown', name='stratum', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('travel_mode', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('factor_set', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('total_kgco2e', db.ExactDecimal(), nullable=False),
    sa.Column('travel_kgco2e', db.ExactDecimal(), nullable=False),
    sa.Column('lodging_kgco2e', db.ExactDecimal(), nullable=False),
    sa.Column('meals_kgco2e', db.ExactDecimal(), nullable=False),
    sa.Column('created_at', db.UTCDateTime(length=32), nullable=False),
    sa.Column('updated_at', db.UTCDateTime(length=32), nullable=False),
    sa.CheckConstraint('lodging_kgco2e IS NULL OR CAST(lodging_kgco2e AS REAL) >= 0', name=op.f('ck_attendee_response_lodging_kgco2e_non_negative')),
    sa.CheckConstraint('meals_kgco2e IS NULL OR CAST(meals_kgco2e AS REAL) >= 0', name=op.f('ck_attendee_response_meals_kgco2e_non_negative')),
    sa.CheckConstraint('total_kgco2e IS NULL OR CAST(total_kgco2e AS REAL) >= 0', name=op.f('ck_attendee_response_total_kgco2e_non_negative')),
    sa.CheckConstraint('travel_kgco2e IS NULL OR CAST(travel_kgco2e AS REAL) >= 0', name=op.f('ck_attendee_response_travel_kgco2e_non_negative')),
    sa.ForeignKeyConstraint(['badge_code_id'], ['badge_code.id'], name=op.f('fk_attendee_response_badge_code_id_badge_code'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_attendee_response_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendee_response')),
    sa.UniqueConstraint('badge_code_id', name=op.f('uq_attendee_response_badge_code_id')),
    # One row per device (per badge in badge mode): a double tap or a retry can never make two.
    sa.UniqueConstraint('event_id', 'device_key_hash', name=op.f('uq_attendee_response_event_id_device_key_hash'))
    )
    with op.batch_alter_table('attendee_response', schema=None) as batch_op:
        # Rows of one event in the order they came (rowid order on SQLite), for the footprint's one read of them all.
        batch_op.create_index(batch_op.f('ix_attendee_response_event_id'), ['event_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('attendee_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendee_response_event_id'))

    op.drop_table('attendee_response')
    with op.batch_alter_table('event_footprint_snapshot', schema=None) as batch_op:
        batch_op.drop_index('uq_event_footprint_snapshot_one_current', sqlite_where=sa.text('is_current'), postgresql_where=sa.text('is_current'))
        batch_op.drop_index(batch_op.f('ix_event_footprint_snapshot_event_id'))

    op.drop_table('event_footprint_snapshot')
