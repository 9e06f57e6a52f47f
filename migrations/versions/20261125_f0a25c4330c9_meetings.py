"""meetings: events, their public links, registration lists and badge codes

Revision ID: f0a25c4330c9
Revises: 2ae4c8022784
Create Date: 2026-11-25 14:40:18.077227
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401
from alembic import op

import db  # noqa: F401

revision: str = 'f0a25c4330c9'
down_revision: str | None = '2ae4c8022784'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('name_zh', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('name_en', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('closes_at', db.UTCDateTime(length=32), nullable=False),
    sa.Column('venue_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('city', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('city_code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('province', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('expected_attendance', sa.Integer(), nullable=False),
    sa.Column('actual_attendance', sa.Integer(), nullable=True),
    sa.Column('meeting_type', sa.Enum('conference', 'exhibition', 'training', 'banquet', 'hybrid', name='meeting_type', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('boundary', sa.JSON(), nullable=False),
    sa.Column('require_badge_codes', sa.Boolean(), nullable=False),
    sa.Column('electricity_kwh', db.ExactDecimal(), nullable=True),
    sa.Column('floor_area_m2', db.ExactDecimal(), nullable=True),
    sa.Column('venue_hours', db.ExactDecimal(), nullable=True),
    sa.Column('natural_gas_m3', db.ExactDecimal(), nullable=True),
    sa.Column('diesel_kg', db.ExactDecimal(), nullable=True),
    sa.Column('paper_kg', db.ExactDecimal(), nullable=True),
    sa.Column('meals_vegan', sa.Integer(), nullable=True),
    sa.Column('meals_vegetarian', sa.Integer(), nullable=True),
    sa.Column('meals_poultry', sa.Integer(), nullable=True),
    sa.Column('meals_pork', sa.Integer(), nullable=True),
    sa.Column('meals_beef_lamb', sa.Integer(), nullable=True),
    sa.Column('meals_fish', sa.Integer(), nullable=True),
    sa.Column('waste_kg', sa.JSON(), nullable=False),
    sa.Column('created_at', db.UTCDateTime(length=32), nullable=False),
    sa.Column('updated_at', db.UTCDateTime(length=32), nullable=False),
    sa.CheckConstraint('actual_attendance IS NULL OR actual_attendance >= 0', name=op.f('ck_event_actual_attendance_non_negative')),
    sa.CheckConstraint('diesel_kg IS NULL OR CAST(diesel_kg AS REAL) >= 0', name=op.f('ck_event_diesel_kg_non_negative')),
    sa.CheckConstraint('electricity_kwh IS NULL OR CAST(electricity_kwh AS REAL) >= 0', name=op.f('ck_event_electricity_kwh_non_negative')),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_event_dates_in_order')),
    sa.CheckConstraint('expected_attendance > 0', name=op.f('ck_event_expected_attendance_positive')),
    sa.CheckConstraint('floor_area_m2 IS NULL OR CAST(floor_area_m2 AS REAL) >= 0', name=op.f('ck_event_floor_area_m2_non_negative')),
    sa.CheckConstraint('meals_beef_lamb IS NULL OR meals_beef_lamb >= 0', name=op.f('ck_event_meals_beef_lamb_non_negative')),
    sa.CheckConstraint('meals_fish IS NULL OR meals_fish >= 0', name=op.f('ck_event_meals_fish_non_negative')),
    sa.CheckConstraint('meals_pork IS NULL OR meals_pork >= 0', name=op.f('ck_event_meals_pork_non_negative')),
    sa.CheckConstraint('meals_poultry IS NULL OR meals_poultry >= 0', name=op.f('ck_event_meals_poultry_non_negative')),
    sa.CheckConstraint('meals_vegan IS NULL OR meals_vegan >= 0', name=op.f('ck_event_meals_vegan_non_negative')),
    sa.CheckConstraint('meals_vegetarian IS NULL OR meals_vegetarian >= 0', name=op.f('ck_event_meals_vegetarian_non_negative')),
    sa.CheckConstraint('natural_gas_m3 IS NULL OR CAST(natural_gas_m3 AS REAL) >= 0', name=op.f('ck_event_natural_gas_m3_non_negative')),
    sa.CheckConstraint('paper_kg IS NULL OR CAST(paper_kg AS REAL) >= 0', name=op.f('ck_event_paper_kg_non_negative')),
    sa.CheckConstraint('venue_hours IS NULL OR CAST(venue_hours AS REAL) >= 0', name=op.f('ck_event_venue_hours_non_negative')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_event_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event'))
    )
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('badge_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('batch', sa.Integer(), nullable=False),
    sa.Column('created_at', db.UTCDateTime(length=32), nullable=False),
    sa.Column('used_at', db.UTCDateTime(length=32), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_badge_code_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_badge_code'))
    )
    with op.batch_alter_table('badge_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_badge_code_code'), ['code'], unique=True)
        batch_op.create_index(batch_op.f('ix_badge_code_event_id'), ['event_id'], unique=False)

    op.create_table('event_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('state', sa.Enum('active', 'rotated', name='link_state', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('created_at', db.UTCDateTime(length=32), nullable=False),
    sa.Column('rotated_at', db.UTCDateTime(length=32), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_link_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_link'))
    )
    with op.batch_alter_table('event_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_link_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_link_token'), ['token'], unique=True)
        # A partial unique index: at most one active token per event, however often it is rotated.
        batch_op.create_index('uq_event_link_one_active', ['event_id'], unique=True, sqlite_where=sa.text("state = 'active'"), postgresql_where=sa.text("state = 'active'"))

    op.create_table('registration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('origin_raw', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('origin_code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('origin_country', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True),
    sa.Column('origin_province', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
    sa.Column('stratum', sa.Enum('same_city', 'same_province', 'other_province', 'hk_mo_tw', 'international', 'unknown', name='stratum', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('ticket_type', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_registration_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration')),
    sa.UniqueConstraint('event_id', 'line_no', name=op.f('uq_registration_event_id_line_no'))
    )
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_event_id'), ['event_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_event_id'))

    op.drop_table('registration')
    with op.batch_alter_table('event_link', schema=None) as batch_op:
        batch_op.drop_index('uq_event_link_one_active', sqlite_where=sa.text("state = 'active'"), postgresql_where=sa.text("state = 'active'"))
        batch_op.drop_index(batch_op.f('ix_event_link_token'))
        batch_op.drop_index(batch_op.f('ix_event_link_event_id'))

    op.drop_table('event_link')
    with op.batch_alter_table('badge_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_badge_code_event_id'))
        batch_op.drop_index(batch_op.f('ix_badge_code_code'))

    op.drop_table('badge_code')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_organisation_id'))

    op.drop_table('event')
