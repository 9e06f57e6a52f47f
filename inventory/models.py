"""Tables of the enterprise inventory: facilities, monthly activity records with their line items and history, the
monthly summary that reports read, reporting years, invitations, password resets and the first results of idempotent
bulk requests."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

import accounts.models  # noqa: F401  (registers the organisation and user tables referred to)
from accounts.models import Role
from db import ExactDecimal, UTCDateTime, utcnow


class FacilityType(enum.StrEnum):
    office = "office"
    factory = "factory"
    warehouse = "warehouse"
    data_centre = "data_centre"
    shop = "shop"
    laboratory = "laboratory"
    other = "other"


class ActivityKind(enum.StrEnum):
    """What a record counts; each maps to one calculators.enterprise record type (inventory.records)."""

    fuel = "fuel"  # stationary combustion: boilers, generators
    vehicle = "vehicle"  # fuel of company vehicles: mobile combustion
    electricity = "electricity"
    heat = "heat"
    refrigerant = "refrigerant"
    business_travel = "business_travel"
    business_lodging = "business_lodging"
    commuting = "commuting"
    waste = "waste"
    water = "water"
    paper = "paper"
    purchased_goods_spend = "purchased_goods_spend"


class DataSource(enum.StrEnum):
    """How a quantity was obtained; each source has one data-quality grade (inventory.records.QUALITY_GRADES)."""

    metered = "metered"
    invoice = "invoice"
    survey = "survey"
    estimate = "estimate"
    default = "default"


def _enum(enum_class: type[enum.Enum], name: str, length: int = 24) -> SAEnum:
    # Checked text rather than a native PostgreSQL enum: a new member needs no ALTER TYPE.
    return SAEnum(enum_class, name=name, native_enum=False, length=length, create_constraint=True)


def _non_negative(column: str) -> CheckConstraint:
    # SQLite keeps ExactDecimal as text, which compares greater than any number: cast to compare.
    return CheckConstraint(f"{column} IS NULL OR CAST({column} AS REAL) >= 0", name=f"{column}_non_negative")


class Facility(SQLModel, table=True):
    """A site of one organisation whose activity is recorded month by month."""

    __table_args__ = (
        UniqueConstraint("organisation_id", "name"),
        _non_negative("floor_area_m2"),
        CheckConstraint("headcount IS NULL OR headcount >= 0", name="headcount_non_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=200)
    # ISO 3166-1 alpha-2; a Chinese site also names its province (ISO 3166-2:CN), which picks the grid factor.
    country: str = Field(default="CN", max_length=2)
    province: str | None = Field(default=None, max_length=8)
    facility_type: FacilityType = Field(sa_column=Column(_enum(FacilityType, "facility_type"), nullable=False))
    floor_area_m2: Decimal | None = Field(default=None, sa_column=Column(ExactDecimal(), nullable=True))
    headcount: int | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class ActivityRecord(SQLModel, table=True):
    """One activity of one facility in one month, as entered, with the kg computed when it was written.

    The kg columns are what reports add up: `kgco2e` is the record's line in the total (Scope 2: location-based),
    `kgco2e_market` the market-based Scope 2 figure reported beside it. Its line items (RecordLineItem) keep each
    calculator line (factor id, value, unit, source, factor set) so that an auditor can trace every kg to its factor
    row; they live in their own table so that this one stays narrow.
    """

    __tablename__ = "activity_record"
    __table_args__ = (
        # On PostgreSQL the index carries what a recomputation of the summary reads: an index-only scan.
        Index("ix_activity_record_organisation_month", "organisation_id", "month",
              postgresql_include=["facility_id", "kind", "scope", "ghg_category", "iso_category", "quality_grade",
                                  "validated_at", "compensated_by_certificate", "factor_set", "kgco2e",
                                  "kgco2e_market"]),
        _non_negative("quantity"),
        _non_negative("green_kwh"),
        _non_negative("distance_km"),
        CheckConstraint("occupancy IS NULL OR occupancy >= 1", name="occupancy_positive"),
        CheckConstraint("quality_grade IN ('A', 'B', 'C', 'D', 'E')", name="quality_grade_known"),
        CheckConstraint("scope IN ('1', '2', '3', 'outside')", name="scope_known"),
        # A validation names its validator and its moment together, or neither.
        CheckConstraint("(validated_at IS NULL) = (validated_by_id IS NULL)", name="validated_together"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE")
    facility_id: int = Field(foreign_key="facility.id", index=True, ondelete="RESTRICT")
    month: date  # the first day of the month
    kind: ActivityKind = Field(sa_column=Column(_enum(ActivityKind, "activity_kind"), nullable=False))
    # What of its kind: the fuel, gas, paper grade, waste stream, water use, travel mode, lodging country or
    # spend description.
    activity: str = Field(max_length=200)
    quantity: Decimal = Field(sa_column=Column(ExactDecimal(), nullable=False))
    unit: str = Field(max_length=16)  # as entered; the calculator converts it to its factor's unit
    treatment: str | None = Field(default=None, max_length=32)  # waste
    recycled: bool = Field(default=False)  # paper
    density_kg_per_l: Decimal | None = Field(default=None, sa_column=Column(ExactDecimal(), nullable=True))
    density_source: str | None = Field(default=None, max_length=500)
    # Market-based Scope 2: kWh covered by green-electricity certificates or contracts.
    green_kwh: Decimal | None = Field(default=None, sa_column=Column(ExactDecimal(), nullable=True))
    instrument_type: str | None = Field(default=None, max_length=32)
    certificate_id: str | None = Field(default=None, max_length=100)
    # Travel legs, as in the personal calculator.
    origin: str | None = Field(default=None, max_length=100)
    destination: str | None = Field(default=None, max_length=100)
    distance_km: Decimal | None = Field(default=None, sa_column=Column(ExactDecimal(), nullable=True))
    round_trip: bool = Field(default=False)
    cabin: str | None = Field(default=None, max_length=16)
    rail_type: str | None = Field(default=None, max_length=16)
    car_fuel: str | None = Field(default=None, max_length=16)
    car_size: str | None = Field(default=None, max_length=16)
    occupancy: int | None = Field(default=None)
    currency: str | None = Field(default=None, max_length=3)
    data_source: DataSource = Field(sa_column=Column(_enum(DataSource, "data_source", 16), nullable=False))
    quality_grade: str = Field(max_length=1)
    evidence_note: str | None = Field(default=None, max_length=1000)
    evidence_file: str | None = Field(default=None, max_length=255)
    # Lines imported from a meeting certificate: already compensated by it, never neutralised again.
    compensated_by_certificate: str | None = Field(default=None, max_length=64)
    entered_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    entered_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    validated_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    validated_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    # Computed at write time through calculators.enterprise.
    factor_set: str = Field(max_length=32)
    scope: str = Field(max_length=8)  # "1", "2", "3" or "outside" (a Montreal Protocol gas)
    ghg_category: str = Field(max_length=64)
    iso_category: int
    kgco2e: Decimal = Field(sa_column=Column(ExactDecimal(), nullable=False))
    kgco2e_market: Decimal | None = Field(default=None, sa_column=Column(ExactDecimal(), nullable=True))


class RecordLineItem(SQLModel, table=True):
    """One calculator line of an activity record, as computed when the record was written: its kg traced to the
    factor row (id, value, unit), the factor's source and the factor set's version. Removed with its record."""

    __tablename__ = "activity_record_line"

    record_id: int = Field(foreign_key="activity_record.id", primary_key=True, ondelete="CASCADE")
    position: int = Field(primary_key=True)  # the calculator's order: 0, 1, ...
    scope: str = Field(max_length=32)  # the calculator's scope: "1", "2-location", "2-market", "3", ...
    activity: str
    quantity: Decimal = Field(sa_column=Column(ExactDecimal(), nullable=False))
    unit: str = Field(max_length=32)
    factor_id: str = Field(max_length=200)
    factor_value: Decimal = Field(sa_column=Column(ExactDecimal(), nullable=False))
    factor_unit: str = Field(max_length=64)
    kgco2e: Decimal = Field(sa_column=Column(ExactDecimal(), nullable=False))
    source_id: str = Field(max_length=100)
    factor_set: str = Field(max_length=32)


class MonthSummary(SQLModel, table=True):
    """The records of one organisation added up per facility, month, kind, scope, categories, grade, validation,
    compensation and factor set: what a yearly report reads (a few thousand rows, not every record).

    Kept in the transaction of every record write (inventory.summary), in exact decimals; a recomputation from
    the records gives the same rows.
    """

    __tablename__ = "inventory_month_summary"
    __table_args__ = (
        UniqueConstraint("organisation_id", "month", "facility_id", "kind", "scope", "ghg_category", "iso_category",
                         "quality_grade", "validated", "compensated", "factor_set", name="inventory_month_summary_key"),
        CheckConstraint("records >= 0", name="records_not_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE")
    facility_id: int = Field(foreign_key="facility.id", index=True, ondelete="CASCADE")
    month: date
    kind: ActivityKind = Field(sa_column=Column(_enum(ActivityKind, "activity_kind"), nullable=False))
    scope: str = Field(max_length=8)
    ghg_category: str = Field(max_length=64)
    iso_category: int
    quality_grade: str = Field(max_length=1)
    validated: bool
    compensated: bool
    factor_set: str = Field(max_length=32)
    records: int
    kgco2e: Decimal = Field(sa_column=Column(ExactDecimal(), nullable=False))
    kgco2e_market: Decimal = Field(sa_column=Column(ExactDecimal(), nullable=False))  # Scope 2; zero otherwise


class RecordHistory(SQLModel, table=True):
    """Every change to activity records: who, when, the record before and after, and why. Append-only."""

    __tablename__ = "record_history"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    record_id: int | None = Field(default=None, index=True)  # None for an import (its rows are named in `after`)
    action: str = Field(max_length=16)  # create, update, delete, validate, import
    user_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    api_key_id: int | None = Field(default=None, foreign_key="apikey.id", ondelete="SET NULL")
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    before: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    reason: str | None = Field(default=None, max_length=1000)


class ReportingYear(SQLModel, table=True):
    """A year of an organisation's inventory: its revenue (for intensity) and whether it is closed."""

    __tablename__ = "reporting_year"
    __table_args__ = (
        UniqueConstraint("organisation_id", "year"),
        _non_negative("revenue"),
        _non_negative("verified_emissions_t"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True, ondelete="CASCADE")
    year: int
    revenue: Decimal | None = Field(default=None, sa_column=Column(ExactDecimal(), nullable=True))
    revenue_currency: str = Field(default="CNY", max_length=3)
    # Companies in China's national carbon market: the CCER cap is 5% of the emissions verified for surrender.
    in_national_carbon_market: bool = Field(default=False)
    verified_emissions_t: Decimal | None = Field(default=None, sa_column=Column(ExactDecimal(), nullable=True))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    closed_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    closed_by_api_key_id: int | None = Field(default=None, foreign_key="apikey.id", ondelete="SET NULL")
    neutralised_certificate: str | None = Field(default=None, max_length=64)


class Invitation(SQLModel, table=True):
    """An e-mailed link that makes its holder a member once accepted; only the token's SHA-256 is kept."""

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True, ondelete="CASCADE")
    email: str = Field(max_length=254)
    role: Role = Field(sa_column=Column(SAEnum(Role, name="role", native_enum=False, length=16), nullable=False))
    token_hash: str = Field(max_length=64, unique=True)
    invited_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    accepted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class PasswordReset(SQLModel, table=True):
    """A single-use, time-limited link to set a new password; only the token's SHA-256 is kept."""

    __tablename__ = "password_reset"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class BulkRequest(SQLModel, table=True):
    """The first result of an idempotent bulk request: the same key returns it again instead of writing twice."""

    __tablename__ = "inventory_bulk_request"
    # One result per key and organisation, whatever the timing of two retries.
    __table_args__ = (UniqueConstraint("organisation_id", "idempotency_key"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True, ondelete="CASCADE")
    idempotency_key: str = Field(max_length=200)
    request_hash: str = Field(max_length=64)  # the same key with another body is a conflict
    result: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
