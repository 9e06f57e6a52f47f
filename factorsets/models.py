"""Tables holding each published factor-set version, its sources and its factors."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Column, ForeignKeyConstraint, Text
from sqlmodel import Field, SQLModel

from db import ExactDecimal, UTCDateTime, utcnow


class FactorSetRecord(SQLModel, table=True):
    __tablename__ = "factor_set"

    version: str = Field(primary_key=True, max_length=32)
    # The hash of the published content: a version whose files change later is refused, never overwritten.
    content_hash: str = Field(max_length=64)
    factor_count: int
    published_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class SourceRecord(SQLModel, table=True):
    __tablename__ = "factor_source"

    version: str = Field(primary_key=True, foreign_key="factor_set.version", ondelete="CASCADE", max_length=32)
    source_id: str = Field(primary_key=True, max_length=64)
    title: str = Field(sa_type=Text)
    publisher: str = Field(max_length=300)
    year: str = Field(max_length=16)
    url: str = Field(sa_type=Text)
    licence: str = Field(max_length=200)
    document_number: str = Field(default="", sa_type=Text)
    table_ref: str = Field(default="", sa_type=Text)
    # Mirrors and copies where values were read or checked: shown folded away, never as the source.
    cross_checked_at: str = Field(default="", sa_type=Text)


class FactorRecord(SQLModel, table=True):
    __tablename__ = "factor"
    # A factor cites a source of the same version: the pair is the foreign key.
    __table_args__ = (
        ForeignKeyConstraint(["version", "source_id"], ["factor_source.version", "factor_source.source_id"],
                             name="fk_factor_source", ondelete="CASCADE"),
    )

    version: str = Field(primary_key=True, foreign_key="factor_set.version", ondelete="CASCADE", max_length=32)
    factor_id: str = Field(primary_key=True, max_length=100)
    category: str = Field(max_length=32, index=True)
    activity: str = Field(max_length=64)
    label_zh: str = Field(max_length=300)
    label_en: str = Field(max_length=300)
    unit: str = Field(max_length=32)
    kgco2e_per_unit: Decimal = Field(sa_column=Column(ExactDecimal(), nullable=False))
    gases: str = Field(default="", max_length=200)
    region: str = Field(max_length=32, index=True)
    valid_year: int
    source_id: str = Field(max_length=64)
    source_ref: str = Field(default="", sa_type=Text)
    notes: str = Field(default="", sa_type=Text)
    cross_checked_at: str = Field(default="", sa_type=Text)
