"""inventory: line items in their own table, the monthly summary reports read

Each record's JSON line items become rows of activity_record_line, and the summary is computed from the records, so
that a database upgraded with records in it reports what it reported before. On PostgreSQL the (organisation, month)
index of records carries the summary's columns, for an index-only recomputation.

Revision ID: 6674e0b516e1
Revises: 77750b1a0996
Create Date: 2026-12-02 02:10:01.071855
"""
import json
from collections.abc import Sequence
from decimal import Decimal, localcontext

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401
from alembic import op

import db  # noqa: F401

revision: str = '6674e0b516e1'
down_revision: str | None = '77750b1a0996'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_COVERED = ['facility_id', 'kind', 'scope', 'ghg_category', 'iso_category', 'quality_grade', 'validated_at',
            'compensated_by_certificate', 'factor_set', 'kgco2e', 'kgco2e_market']
_LINE_FIELDS = ('scope', 'activity', 'quantity', 'unit', 'factor_id', 'factor_value', 'factor_unit', 'kgco2e',
                'source_id', 'factor_set')
_SUMMARY_KEY = ('organisation_id', 'facility_id', 'month', 'kind', 'scope', 'ghg_category', 'iso_category',
                'quality_grade', 'validated', 'compensated', 'factor_set')
_lines = sa.table('activity_record_line', *(sa.column(name) for name in ('record_id', 'position', *_LINE_FIELDS)))
_summary = sa.table('inventory_month_summary', *(sa.column(name) for name in (
    *_SUMMARY_KEY, 'records', 'kgco2e', 'kgco2e_market')))


def _as_json(value):
    return json.loads(value) if isinstance(value, str) else value


def _move_line_items() -> None:
    bind = op.get_bind()
    rows = []
    for record_id, items in bind.execute(sa.text("SELECT id, line_items FROM activity_record ORDER BY id")):
        for position, item in enumerate(_as_json(items) or []):
            rows.append({"record_id": record_id, "position": position,
                         **{name: str(item.get(name, "")) for name in _LINE_FIELDS}})
    for start in range(0, len(rows), 5000):
        bind.execute(_lines.insert(), rows[start:start + 5000])


def _restore_line_items() -> None:
    bind = op.get_bind()
    items: dict[int, list] = {}
    query = sa.text(f"SELECT record_id, {', '.join(_LINE_FIELDS)} FROM activity_record_line "  # noqa: S608
                    "ORDER BY record_id, position")
    decimals = ('quantity', 'factor_value', 'kgco2e')
    for row in bind.execute(query).mappings():
        items.setdefault(row["record_id"], []).append(
            {name: format(Decimal(row[name]), "f") if name in decimals else row[name] for name in _LINE_FIELDS})
    for record_id, lines in items.items():
        bind.execute(sa.text("UPDATE activity_record SET line_items = :items WHERE id = :id"),
                     {"items": json.dumps(lines, ensure_ascii=False), "id": record_id})


def _summarise() -> None:
    """The summary of the records already stored, added up exactly in Decimal."""
    bind = op.get_bind()
    sums: dict[tuple, list] = {}
    query = sa.text("SELECT organisation_id, facility_id, month, kind, scope, ghg_category, iso_category, "
                    "quality_grade, validated_at IS NOT NULL, compensated_by_certificate IS NOT NULL, factor_set, "
                    "kgco2e, kgco2e_market FROM activity_record")
    with localcontext(prec=200):
        for row in bind.execute(query):
            key = (*row[:8], bool(row[8]), bool(row[9]), row[10])
            found = sums.setdefault(key, [0, Decimal(0), Decimal(0)])
            found[0] += 1
            found[1] += Decimal(row[11])
            found[2] += Decimal(row[12]) if row[12] is not None else 0
    decimal_text = bind.dialect.name == "sqlite"
    rows = [{**dict(zip(_SUMMARY_KEY, key, strict=True)), "records": records,
             "kgco2e": format(kg, "f") if decimal_text else kg,
             "kgco2e_market": format(market, "f") if decimal_text else market}
            for key, (records, kg, market) in sums.items()]
    for start in range(0, len(rows), 5000):
        bind.execute(_summary.insert(), rows[start:start + 5000])


def upgrade() -> None:
    op.create_table('inventory_month_summary',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('kind', sa.Enum('fuel', 'vehicle', 'electricity', 'heat', 'refrigerant', 'business_travel', 'business_lodging', 'commuting', 'waste', 'water', 'paper', 'purchased_goods_spend', name='activity_kind', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('ghg_category', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('iso_category', sa.Integer(), nullable=False),
    sa.Column('quality_grade', sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
    sa.Column('validated', sa.Boolean(), nullable=False),
    sa.Column('compensated', sa.Boolean(), nullable=False),
    sa.Column('factor_set', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.Column('kgco2e', db.ExactDecimal(), nullable=False),
    sa.Column('kgco2e_market', db.ExactDecimal(), nullable=False),
    sa.CheckConstraint('records >= 0', name=op.f('ck_inventory_month_summary_records_not_negative')),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], name=op.f('fk_inventory_month_summary_facility_id_facility'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_inventory_month_summary_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory_month_summary')),
    sa.UniqueConstraint('organisation_id', 'month', 'facility_id', 'kind', 'scope', 'ghg_category', 'iso_category', 'quality_grade', 'validated', 'compensated', 'factor_set', name='inventory_month_summary_key')
    )
    with op.batch_alter_table('inventory_month_summary', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inventory_month_summary_facility_id'), ['facility_id'], unique=False)

    op.create_table('activity_record_line',
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('activity', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('quantity', db.ExactDecimal(), nullable=False),
    sa.Column('unit', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('factor_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('factor_value', db.ExactDecimal(), nullable=False),
    sa.Column('factor_unit', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('kgco2e', db.ExactDecimal(), nullable=False),
    sa.Column('source_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('factor_set', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['activity_record.id'], name=op.f('fk_activity_record_line_record_id_activity_record'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('record_id', 'position', name=op.f('pk_activity_record_line'))
    )
    _move_line_items()
    # SQLite drops a column in place (3.35 and later); a batch copy of the table would lose its CHECK constraints.
    op.drop_column('activity_record', 'line_items')
    _summarise()
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index('ix_activity_record_organisation_month', table_name='activity_record')
        op.create_index('ix_activity_record_organisation_month', 'activity_record', ['organisation_id', 'month'],
                        unique=False, postgresql_include=_COVERED)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index('ix_activity_record_organisation_month', table_name='activity_record')
        op.create_index('ix_activity_record_organisation_month', 'activity_record', ['organisation_id', 'month'],
                        unique=False)
    op.add_column('activity_record', sa.Column('line_items', sa.JSON(), nullable=False, server_default='[]'))
    _restore_line_items()
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column('activity_record', 'line_items', server_default=None)
    op.drop_table('activity_record_line')
    with op.batch_alter_table('inventory_month_summary', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inventory_month_summary_facility_id'))

    op.drop_table('inventory_month_summary')
