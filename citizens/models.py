"""A citizen's low-carbon days: one row per person and day, with the points and avoided grams worked out."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

import accounts.models  # noqa: F401 (registers `user`, which a day belongs to)
from db import ExactDecimal, UTCDateTime, utcnow


class LowCarbonDay(SQLModel, table=True):
    """What one citizen did on one day. Saving a day again replaces it, so a day counts once however it came in
    (the form, or any number of step-counter imports)."""

    __tablename__ = "low_carbon_day"
    __table_args__ = (
        UniqueConstraint("user_id", "day"),
        CheckConstraint("steps >= 0 AND cycling_minutes >= 0 AND bus_trips >= 0 AND metro_trips >= 0 "
                        "AND walk_points >= 0 AND cycle_points >= 0 AND bus_points >= 0 AND metro_points >= 0",
                        name="counts_non_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    day: date
    steps: int = 0
    cycling_minutes: int = 0
    bus_trips: int = 0
    bus_km: Decimal = Field(default=Decimal(0), sa_column=Column(ExactDecimal(), nullable=False))
    metro_trips: int = 0
    metro_km: Decimal = Field(default=Decimal(0), sa_column=Column(ExactDecimal(), nullable=False))
    walk_points: int = 0
    cycle_points: int = 0
    bus_points: int = 0
    metro_points: int = 0
    avoided_g_co2: Decimal = Field(default=Decimal(0), sa_column=Column(ExactDecimal(), nullable=False))
    rules_version: str = Field(max_length=32)  # the sink library version whose 碳普惠 rules gave the points
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))

    @property
    def points(self) -> int:
        return self.walk_points + self.cycle_points + self.bus_points + self.metro_points
