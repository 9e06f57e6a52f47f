"""Tables for events, their public links, registration lists, badge codes, attendee responses and snapshots."""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint, text, type_coerce
from sqlmodel import Field, SQLModel

from db import ExactDecimal, UTCDateTime, checked_enum, utcnow
from meetings.inputs import MeetingType


class LinkState(enum.StrEnum):
    """The stored state of a public token."""

    active = "active"
    rotated = "rotated"  # replaced by the organiser: answered with "this QR code was replaced"


class TokenState(enum.StrEnum):
    """What a scanned token means to the attendee flow."""

    active = "active"
    rotated = "rotated"
    closed = "closed"  # the event no longer takes answers
    used = "used"  # a badge code that has already answered
    unknown = "unknown"  # no such token or code


class Stratum(enum.StrEnum):
    """Where a registered attendee comes from, relative to the event; extrapolation weights by these."""

    same_city = "same_city"
    same_province = "same_province"
    other_province = "other_province"
    hk_mo_tw = "hk_mo_tw"
    international = "international"
    unknown = "unknown"  # the origin was not found in the city table and is kept as written



def _non_negative(column: str) -> CheckConstraint:
    # SQLite keeps ExactDecimal as text, and text compares greater than every number: cast to compare.
    return CheckConstraint(f"{column} IS NULL OR CAST({column} AS REAL) >= 0", name=f"{column}_non_negative")


class Event(SQLModel, table=True):
    """A meeting of one organisation, with the organiser's own activity data."""

    __table_args__ = (
        # A meeting cannot end before it starts; the close of answers may be any time after it starts.
        CheckConstraint("ends_on >= starts_on", name="dates_in_order"),
        CheckConstraint("expected_attendance > 0", name="expected_attendance_positive"),
        CheckConstraint("actual_attendance IS NULL OR actual_attendance >= 0", name="actual_attendance_non_negative"),
        *(_non_negative(c) for c in ("electricity_kwh", "floor_area_m2", "venue_hours", "natural_gas_m3",
                                     "diesel_kg", "paper_kg")),
        *(CheckConstraint(f"{c} IS NULL OR {c} >= 0", name=f"{c}_non_negative")
          for c in ("meals_vegan", "meals_vegetarian", "meals_poultry", "meals_pork", "meals_beef_lamb",
                    "meals_fish")),
    )

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True, ondelete="CASCADE")
    name_zh: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    starts_on: date
    ends_on: date
    # Answers are refused after this instant; by default the end of the last day in Asia/Shanghai.
    closes_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    venue_name: str = Field(max_length=200)
    city: str = Field(max_length=100)  # as the organiser wrote it
    city_code: str = Field(max_length=32)  # the id of the city in calculators/data/cities.csv (cn-440100)
    province: str = Field(max_length=8)  # ISO 3166-2:CN, e.g. CN-GD: picks the grid factor
    expected_attendance: int
    actual_attendance: int | None = Field(default=None)
    meeting_type: MeetingType = Field(sa_column=Column(checked_enum(MeetingType, "meeting_type", 16), nullable=False))
    # The counted categories, a subset of meetings.inputs.BOUNDARY_ORDER, in that order.
    boundary: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    require_badge_codes: bool = Field(default=False)

    # Organiser inputs; None means "not given" (the footprint then estimates or leaves the line out).
    electricity_kwh: Decimal | None = Field(default=None, sa_column=Column(ExactDecimal(), nullable=True))
    floor_area_m2: Decimal | None = Field(default=None, sa_column=Column(ExactDecimal(), nullable=True))
    venue_hours: Decimal | None = Field(default=None, sa_column=Column(ExactDecimal(), nullable=True))
    natural_gas_m3: Decimal | None = Field(default=None, sa_column=Column(ExactDecimal(), nullable=True))
    diesel_kg: Decimal | None = Field(default=None, sa_column=Column(ExactDecimal(), nullable=True))
    paper_kg: Decimal | None = Field(default=None, sa_column=Column(ExactDecimal(), nullable=True))
    meals_vegan: int | None = Field(default=None)
    meals_vegetarian: int | None = Field(default=None)
    meals_poultry: int | None = Field(default=None)
    meals_pork: int | None = Field(default=None)
    meals_beef_lamb: int | None = Field(default=None)
    meals_fish: int | None = Field(default=None)
    # kg by "<stream>.<treatment>" (meetings.inputs.WASTE_KEYS), values as decimal strings.
    waste_kg: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))

    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))

    def name(self, locale: str) -> str:
        return self.name_zh if locale.startswith("zh") else self.name_en


TOKEN_BYTES = 24  # 192 random bits: unguessable, and 32 characters keep the QR code small


def new_link_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


class EventLink(SQLModel, table=True):
    """A public token of an event: the one active token is in its QR code; rotated ones are remembered."""

    __tablename__ = "event_link"
    __table_args__ = (
        # At most one token per event takes answers, however many times (or how concurrently) it is rotated.
        Index("uq_event_link_one_active", "event_id", unique=True,
              sqlite_where=text("state = 'active'"), postgresql_where=text("state = 'active'")),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    token: str = Field(max_length=64, unique=True, index=True)
    state: LinkState = Field(sa_column=Column(checked_enum(LinkState, "link_state", 16), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    rotated_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class Registration(SQLModel, table=True):
    """One line of an event's registration list: where a registered attendee comes from. No names."""

    __table_args__ = (UniqueConstraint("event_id", "line_no"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    line_no: int  # the line of the imported file, so that people can find a row again
    origin_raw: str = Field(max_length=200)
    origin_code: str | None = Field(default=None, max_length=32)  # city id when the city table knows it
    origin_country: str | None = Field(default=None, max_length=2)
    origin_province: str | None = Field(default=None, max_length=8)
    stratum: Stratum = Field(sa_column=Column(checked_enum(Stratum, "stratum", 16), nullable=False))
    ticket_type: str | None = Field(default=None, max_length=64)


class BadgeCode(SQLModel, table=True):
    """A one-use code printed on one badge, for meetings that take one answer per registered attendee."""

    __tablename__ = "badge_code"

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    # Unique across events, so that a code alone names its event and cannot be replayed at another.
    code: str = Field(max_length=32, unique=True, index=True)
    batch: int  # codes generated together are printed together
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


# The parts of an attendee's footprint, each stored as its own column so that the dashboard can sum it.
RESPONSE_PARTS = ("travel", "lodging", "meals")


def exact_kg(expression):
    """`expression` (an ExactDecimal column, or a sum of them) read back as a Decimal with every digit."""
    return type_coerce(expression, ExactDecimal())


class AttendeeResponse(SQLModel, table=True):
    """One attendee-device's answer and its footprint; editing the answer updates this row.

    kg are ExactDecimal: NUMERIC on PostgreSQL, where SUM is exact; text on SQLite, where the dashboard selects the
    columns in one query and sums the Decimals (an integer of micrograms would not be exact: a car shared by three
    is a third of a distance, 28 significant digits).
    """

    __tablename__ = "attendee_response"
    __table_args__ = (
        # The last line of defence against a double tap or a retry: one row per device (per badge in badge mode).
        UniqueConstraint("event_id", "device_key_hash"),
        *(_non_negative(f"{part}_kgco2e") for part in ("total", *RESPONSE_PARTS)),
    )

    id: int | None = Field(default=None, primary_key=True)
    # Its own index: SQLite keeps an index's rows in rowid order, so an event's responses are read in the order
    # they came without a sort (the footprint reads 100,000 of them).
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    # SHA-256 of the random token in the device's cookie: the table never holds a value that could be replayed.
    device_key_hash: str = Field(max_length=64)
    # One answer per badge code: a second device presenting a used code is refused by this constraint.
    badge_code_id: int | None = Field(default=None, foreign_key="badge_code.id", unique=True, ondelete="SET NULL")
    display_name: str | None = Field(default=None, max_length=100)  # only if the attendee wants a certificate
    # The validated answers (meetings.schemas.AttendeeAnswersSchema), so that the form can be filled again.
    answers: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    origin_code: str = Field(max_length=32)  # city id (cn-310000) or IATA code
    origin_country: str = Field(max_length=2)
    origin_province: str | None = Field(default=None, max_length=8)
    stratum: Stratum = Field(sa_column=Column(checked_enum(Stratum, "stratum", 16), nullable=False))
    travel_mode: str = Field(max_length=16)
    factor_set: str = Field(max_length=32)  # the version the kg were computed with
    total_kgco2e: Decimal = Field(sa_column=Column(ExactDecimal(), nullable=False))
    travel_kgco2e: Decimal = Field(sa_column=Column(ExactDecimal(), nullable=False))
    lodging_kgco2e: Decimal = Field(sa_column=Column(ExactDecimal(), nullable=False))
    meals_kgco2e: Decimal = Field(sa_column=Column(ExactDecimal(), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class EventFootprintSnapshot(SQLModel, table=True):
    """An event's footprint frozen for neutralisation; never edited, only superseded by a later snapshot."""

    __tablename__ = "event_footprint_snapshot"
    __table_args__ = (
        # Whatever the timing of two organisers' clicks, an event has at most one current snapshot.
        Index("uq_event_footprint_snapshot_one_current", "event_id", unique=True,
              sqlite_where=text("is_current"), postgresql_where=text("is_current")),
        # A superseded snapshot is never current again.
        CheckConstraint("superseded_by_id IS NULL OR NOT is_current", name="superseded_not_current"),
        CheckConstraint("credits_needed_t >= 0", name="credits_needed_t_non_negative"),
        CheckConstraint("respondents >= 0", name="respondents_non_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    taken_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    taken_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    api_key_id: int | None = Field(default=None, foreign_key="apikey.id", ondelete="SET NULL")
    factor_set: str = Field(max_length=32)
    # Footprint.to_dict() (line items, totals, extrapolation) and the dashboard's breakdown, as they were.
    footprint: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    total_kgco2e: Decimal = Field(sa_column=Column(ExactDecimal(), nullable=False))
    neutralisation_kgco2e: Decimal = Field(sa_column=Column(ExactDecimal(), nullable=False))
    credits_needed_t: int
    respondents: int
    attendance: int
    is_current: bool = Field(default=True)
    superseded_by_id: int | None = Field(default=None, foreign_key="event_footprint_snapshot.id",
                                         ondelete="SET NULL")
    superseded_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
