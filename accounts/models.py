"""Tables for organisations, their members and their API keys."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, Integer, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from db import UTCDateTime, utcnow


class Role(enum.StrEnum):
    """What a member may do in one organisation."""

    admin = "admin"
    organiser = "organiser"
    staff = "staff"
    auditor = "auditor"  # read-only


class ApiKeyRole(enum.StrEnum):
    """What a program holding an API key may do in its organisation."""

    read_only = "read_only"
    organiser = "organiser"


class Organisation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True, index=True)
    name_zh: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # Stored lower-cased so that one address is one account.
    email: str = Field(max_length=254, unique=True, index=True)
    display_name: str = Field(max_length=200)
    password_hash: str = Field(max_length=255)
    is_active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    last_login_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    # Copied into each session at sign-in; signing out increments it, so that every copy of the old cookie
    # (another tab, a stolen one) is refused by the server, not merely deleted from one browser.
    session_version: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default="1"))


class Membership(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    organisation_id: int = Field(foreign_key="organisation.id", index=True, ondelete="CASCADE")
    role: Role = Field(sa_column=Column(SAEnum(Role, name="role", native_enum=False, length=16), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class ApiKey(SQLModel, table=True):
    """A secret shown once; only its SHA-256 is kept, found by its public prefix."""

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=100)
    prefix: str = Field(max_length=16, unique=True, index=True)
    key_hash: str = Field(max_length=64)
    role: ApiKeyRole = Field(default=ApiKeyRole.read_only, sa_column=Column(
        SAEnum(ApiKeyRole, name="apikeyrole", native_enum=False, length=16), nullable=False,
        server_default=ApiKeyRole.read_only.value))
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    last_used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class LoginKind(enum.StrEnum):
    """What a citizen signs in with (kept in `user.email`, the login column)."""

    email = "email"
    phone = "phone"  # a mainland mobile number, 11 digits starting with 1


class Citizen(SQLModel, table=True):
    """A person with a carbon account (碳账户) and no organisation: never a member, never past organisation_required.

    The user row holds the login (an e-mail address, or the mobile number for `phone`) and a nickname; no real
    name is asked for.
    """

    __tablename__ = "citizen"

    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    login_kind: LoginKind = Field(sa_column=Column(SAEnum(LoginKind, name="loginkind", native_enum=False, length=8),
                                                   nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
