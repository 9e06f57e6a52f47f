"""inventory: facilities, activity records and their history, reporting years, invitations, password resets

Revision ID: 4fb07672312f
Revises: 7c1d2e3f4a5b
Create Date: 2026-12-02 01:26:31.315264
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401
from alembic import op

import db  # noqa: F401

revision: str = '4fb07672312f'
down_revision: str | None = '7c1d2e3f4a5b'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The history of activity records is what an auditor reads: rows are added, never changed or removed.
_REFUSE_HISTORY_CHANGE = """
CREATE FUNCTION record_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'record_history is append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
END $$"""


def _append_only_history() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_REFUSE_HISTORY_CHANGE)
        op.execute("CREATE TRIGGER record_history_append_only BEFORE UPDATE OR DELETE ON record_history "
                   "FOR EACH ROW EXECUTE FUNCTION record_history_append_only()")
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(f"CREATE TRIGGER record_history_no_{action.lower()} BEFORE {action} ON record_history "
                   f"BEGIN SELECT RAISE(ABORT, 'record_history is append-only: {action} refused'); END")


def upgrade() -> None:
    op.create_table('facility',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('country', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('province', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
    sa.Column('facility_type', sa.Enum('office', 'factory', 'warehouse', 'data_centre', 'shop', 'laboratory', 'other', name='facility_type', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('floor_area_m2', db.ExactDecimal(), nullable=True),
    sa.Column('headcount', sa.Integer(), nullable=True),
    sa.Column('created_at', db.UTCDateTime(length=32), nullable=False),
    sa.CheckConstraint('floor_area_m2 IS NULL OR CAST(floor_area_m2 AS REAL) >= 0', name=op.f('ck_facility_floor_area_m2_non_negative')),
    sa.CheckConstraint('headcount IS NULL OR headcount >= 0', name=op.f('ck_facility_headcount_non_negative')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_facility_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_facility')),
    sa.UniqueConstraint('organisation_id', 'name', name=op.f('uq_facility_organisation_id_name'))
    )
    with op.batch_alter_table('facility', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_facility_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('inventory_bulk_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('request_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('created_at', db.UTCDateTime(length=32), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_inventory_bulk_request_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory_bulk_request')),
    sa.UniqueConstraint('organisation_id', 'idempotency_key', name=op.f('uq_inventory_bulk_request_organisation_id_idempotency_key'))
    )
    with op.batch_alter_table('inventory_bulk_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inventory_bulk_request_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('role', sa.Enum('admin', 'organiser', 'staff', 'auditor', name='role', native_enum=False, length=16), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', db.UTCDateTime(length=32), nullable=False),
    sa.Column('expires_at', db.UTCDateTime(length=32), nullable=False),
    sa.Column('accepted_at', db.UTCDateTime(length=32), nullable=True),
    sa.Column('revoked_at', db.UTCDateTime(length=32), nullable=True),
    sa.ForeignKeyConstraint(['invited_by_id'], ['user.id'], name=op.f('fk_invitation_invited_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_invitation_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_invitation_token_hash'))
    )
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitation_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('password_reset',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', db.UTCDateTime(length=32), nullable=False),
    sa.Column('expires_at', db.UTCDateTime(length=32), nullable=False),
    sa.Column('used_at', db.UTCDateTime(length=32), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_password_reset_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_reset')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_password_reset_token_hash'))
    )
    with op.batch_alter_table('password_reset', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_reset_user_id'), ['user_id'], unique=False)

    op.create_table('activity_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('kind', sa.Enum('fuel', 'vehicle', 'electricity', 'heat', 'refrigerant', 'business_travel', 'business_lodging', 'commuting', 'waste', 'water', 'paper', 'purchased_goods_spend', name='activity_kind', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('activity', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('quantity', db.ExactDecimal(), nullable=False),
    sa.Column('unit', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('treatment', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('recycled', sa.Boolean(), nullable=False),
    sa.Column('density_kg_per_l', db.ExactDecimal(), nullable=True),
    sa.Column('density_source', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('green_kwh', db.ExactDecimal(), nullable=True),
    sa.Column('instrument_type', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('certificate_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('origin', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('destination', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('distance_km', db.ExactDecimal(), nullable=True),
    sa.Column('round_trip', sa.Boolean(), nullable=False),
    sa.Column('cabin', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('rail_type', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('car_fuel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('car_size', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('occupancy', sa.Integer(), nullable=True),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
    sa.Column('data_source', sa.Enum('metered', 'invoice', 'survey', 'estimate', 'default', name='data_source', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('quality_grade', sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
    sa.Column('evidence_note', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('evidence_file', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('compensated_by_certificate', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('entered_at', db.UTCDateTime(length=32), nullable=False),
    sa.Column('validated_by_id', sa.Integer(), nullable=True),
    sa.Column('validated_at', db.UTCDateTime(length=32), nullable=True),
    sa.Column('factor_set', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('ghg_category', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('iso_category', sa.Integer(), nullable=False),
    sa.Column('kgco2e', db.ExactDecimal(), nullable=False),
    sa.Column('kgco2e_market', db.ExactDecimal(), nullable=True),
    sa.Column('line_items', sa.JSON(), nullable=False),
    sa.CheckConstraint("quality_grade IN ('A', 'B', 'C', 'D', 'E')", name=op.f('ck_activity_record_quality_grade_known')),
    sa.CheckConstraint("scope IN ('1', '2', '3', 'outside')", name=op.f('ck_activity_record_scope_known')),
    sa.CheckConstraint('(validated_at IS NULL) = (validated_by_id IS NULL)', name=op.f('ck_activity_record_validated_together')),
    sa.CheckConstraint('distance_km IS NULL OR CAST(distance_km AS REAL) >= 0', name=op.f('ck_activity_record_distance_km_non_negative')),
    sa.CheckConstraint('green_kwh IS NULL OR CAST(green_kwh AS REAL) >= 0', name=op.f('ck_activity_record_green_kwh_non_negative')),
    sa.CheckConstraint('occupancy IS NULL OR occupancy >= 1', name=op.f('ck_activity_record_occupancy_positive')),
    sa.CheckConstraint('quantity IS NULL OR CAST(quantity AS REAL) >= 0', name=op.f('ck_activity_record_quantity_non_negative')),
    sa.ForeignKeyConstraint(['entered_by_id'], ['user.id'], name=op.f('fk_activity_record_entered_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], name=op.f('fk_activity_record_facility_id_facility'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_activity_record_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['validated_by_id'], ['user.id'], name=op.f('fk_activity_record_validated_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_record'))
    )
    with op.batch_alter_table('activity_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_record_facility_id'), ['facility_id'], unique=False)
        batch_op.create_index('ix_activity_record_organisation_month', ['organisation_id', 'month'], unique=False)

    op.create_table('record_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('api_key_id', sa.Integer(), nullable=True),
    sa.Column('at', db.UTCDateTime(length=32), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.ForeignKeyConstraint(['api_key_id'], ['apikey.id'], name=op.f('fk_record_history_api_key_id_apikey'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_record_history_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_record_history_user_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_history'))
    )
    with op.batch_alter_table('record_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_history_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_record_history_record_id'), ['record_id'], unique=False)
    _append_only_history()

    op.create_table('reporting_year',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('revenue', db.ExactDecimal(), nullable=True),
    sa.Column('revenue_currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('in_national_carbon_market', sa.Boolean(), nullable=False),
    sa.Column('verified_emissions_t', db.ExactDecimal(), nullable=True),
    sa.Column('closed_at', db.UTCDateTime(length=32), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_by_api_key_id', sa.Integer(), nullable=True),
    sa.Column('neutralised_certificate', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.CheckConstraint('revenue IS NULL OR CAST(revenue AS REAL) >= 0', name=op.f('ck_reporting_year_revenue_non_negative')),
    sa.CheckConstraint('verified_emissions_t IS NULL OR CAST(verified_emissions_t AS REAL) >= 0', name=op.f('ck_reporting_year_verified_emissions_t_non_negative')),
    sa.ForeignKeyConstraint(['closed_by_api_key_id'], ['apikey.id'], name=op.f('fk_reporting_year_closed_by_api_key_id_apikey'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user.id'], name=op.f('fk_reporting_year_closed_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_reporting_year_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reporting_year')),
    sa.UniqueConstraint('organisation_id', 'year', name=op.f('uq_reporting_year_organisation_id_year'))
    )
    with op.batch_alter_table('reporting_year', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reporting_year_organisation_id'), ['organisation_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('reporting_year', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reporting_year_organisation_id'))

    op.drop_table('reporting_year')
    with op.batch_alter_table('record_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_record_history_record_id'))
        batch_op.drop_index(batch_op.f('ix_record_history_organisation_id'))

    op.drop_table('record_history')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION record_history_append_only()")
    with op.batch_alter_table('activity_record', schema=None) as batch_op:
        batch_op.drop_index('ix_activity_record_organisation_month')
        batch_op.drop_index(batch_op.f('ix_activity_record_facility_id'))

    op.drop_table('activity_record')
    with op.batch_alter_table('password_reset', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_reset_user_id'))

    op.drop_table('password_reset')
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitation_organisation_id'))

    op.drop_table('invitation')
    with op.batch_alter_table('inventory_bulk_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inventory_bulk_request_organisation_id'))

    op.drop_table('inventory_bulk_request')
    with op.batch_alter_table('facility', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_facility_organisation_id'))

    op.drop_table('facility')
