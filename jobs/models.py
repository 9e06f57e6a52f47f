"""The job table: what a background job is doing for an organisation, how far it got, and where its result is."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Text
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

import accounts.models  # noqa: F401  (the organisation table that a job's foreign key names)
from db import UTCDateTime, utcnow


class JobState(enum.StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class Job(SQLModel, table=True):
    __table_args__ = (
        # Progress never runs backwards past zero nor beyond its total: a bar drawn from it stays within 0-100%.
        CheckConstraint("progress_done >= 0 AND progress_total >= 0 AND progress_done <= progress_total",
                        name="progress_within_total"),
    )

    # An unguessable token (secrets.token_urlsafe): the job's address in URLs, never a counter.
    id: str = Field(primary_key=True, max_length=43)
    kind: str = Field(max_length=40)
    organisation_id: int = Field(foreign_key="organisation.id", index=True, ondelete="CASCADE")
    state: JobState = Field(default=JobState.queued, sa_column=Column(
        SAEnum(JobState, name="job_state", native_enum=False, length=10), nullable=False))
    progress_done: int = Field(default=0)
    progress_total: int = Field(default=0)
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # Relative to the instance folder, e.g. jobs/<token>.zip.
    result_path: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
