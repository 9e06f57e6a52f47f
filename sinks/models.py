"""An estimate registered in the ledger: its parameters, kept for traceability, and its ex-ante issuances."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, Column
from sqlmodel import Field, SQLModel

import ledger.models  # noqa: F401 (registers `credit_project`, which a registration names)
from db import UTCDateTime, utcnow


class ExAnteRegistration(SQLModel, table=True):
    """A sink estimate's expected credits registered as ex-ante blocks of one project, until they are replaced."""

    __tablename__ = "sink_ex_ante_registration"
    __table_args__ = (CheckConstraint("expected_tonnes > 0", name="expected_tonnes_positive"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="credit_project.id", index=True, ondelete="RESTRICT")
    first_year: int  # the calendar year of the first crediting year: the first ex-ante vintage
    # {"request": the estimator's inputs, "library_version", "library_hash", "net_t_co2", "per_year_t_co2": [...]}
    estimate: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    expected_tonnes: int = Field(sa_column=Column(BigInteger, nullable=False))
    issuance_ids: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    recorded_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    replaced_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    replacement_log_seq: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
