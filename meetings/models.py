"""Tables for events, their public links, registration lists and one-use badge codes."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint, text
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from db import ExactDecimal, UTCDateTime, utcnow
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


def _enum(enum_class: type[enum.Enum], name: str, length: int = 16) -> SAEnum:
    # Stored as checked text, not a native PostgreSQL enum, so a new member needs no ALTER TYPE.
    return SAEnum(enum_class, name=name, native_enum=False, length=length, create_constraint=True)


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
    meeting_type: MeetingType = Field(sa_column=Column(_enum(MeetingType, "meeting_type"), nullable=False))
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
    state: LinkState = Field(sa_column=Column(_enum(LinkState, "link_state"), nullable=False))
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
    stratum: Stratum = Field(sa_column=Column(_enum(Stratum, "stratum"), nullable=False))
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
