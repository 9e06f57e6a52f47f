"""Tables of certificates: signed credentials, their numbers, shared tonnes and the kg allocated from them.

A certificate is immutable once issued: its signed credential (`credential`, canonical JSON) is never changed;
revoking or superseding it only sets its status. Personal shares are kg allocations of whole tonnes retired for
a pool (a meeting's attendees, or the platform's citizens): a tonne's allocations never exceed 1,000 kg, which
the database holds as a CHECK on the tonne's allocated grams, raised by a conditional UPDATE.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from certificates.access import ACCESS_KEY_LENGTH, url_kwargs
from db import ExactDecimal, UTCDateTime, checked_enum, utcnow

GRAMS_PER_TONNE = 1_000_000



class CertificateKind(enum.StrEnum):
    meeting = "meeting"  # ZCM-: 零碳会议证书
    personal = "personal"  # PCN-: 个人碳中和证书
    enterprise = "enterprise"  # ECN-: 企业碳中和声明


NUMBER_PREFIX = {CertificateKind.meeting: "ZCM", CertificateKind.personal: "PCN", CertificateKind.enterprise: "ECN"}


class CertificateStatus(enum.StrEnum):
    valid = "valid"
    revoked = "revoked"  # by an admin, with a reason
    superseded = "superseded"  # by a newer certificate for the same subject (superseded_by_id)


class PoolKind(enum.StrEnum):
    """Whose shared tonnes: a meeting's attendees (pool_id = event id) or the platform's citizens (pool_id = 0)."""

    event_attendees = "event_attendees"
    citizens = "citizens"


class Certificate(SQLModel, table=True):
    __table_args__ = (
        # One certificate per subject: a double click or two concurrent requests meet here.
        UniqueConstraint("subject_kind", "subject_id"),
        CheckConstraint("status <> 'revoked' OR revoked_reason IS NOT NULL", name="revoked_has_reason"),
        CheckConstraint("status <> 'superseded' OR superseded_by_id IS NOT NULL", name="superseded_has_successor"),
        Index("ix_certificate_series", "series_key", "issued_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20, unique=True, index=True)  # ZCM-2026-000123
    kind: CertificateKind = Field(sa_column=Column(checked_enum(CertificateKind, "certificatekind", 24),
                                                   nullable=False))
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True,
                                        ondelete="RESTRICT")
    event_id: int | None = Field(default=None, foreign_key="event.id", index=True, ondelete="RESTRICT")
    subject_kind: str = Field(max_length=32)
    subject_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    # Certificates of one subject over time (an event's successive snapshots): the newer supersedes the older.
    series_key: str = Field(max_length=64)
    claim: str = Field(max_length=32)
    # The signed W3C Verifiable Credential, RFC 8785 canonical JSON, exactly as signed.
    credential: str = Field(sa_column=Column(Text, nullable=False))
    status: CertificateStatus = Field(default=CertificateStatus.valid,
                                      sa_column=Column(checked_enum(CertificateStatus, "certificatestatus", 16),
                                                       nullable=False))
    revoked_reason: str | None = Field(default=None, max_length=500)
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    superseded_by_id: int | None = Field(default=None, foreign_key="certificate.id", ondelete="RESTRICT")
    issued_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    issued_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    # A personal certificate's unguessable key (certificates.access): its public pages need it, since numbers
    # are sequential and the certificate names a person. None: public by number (meetings, enterprises, and
    # personal certificates issued before keys existed).
    access_key: str | None = Field(default=None, max_length=ACCESS_KEY_LENGTH)

    @property
    def url_kwargs(self) -> dict[str, str]:
        """The arguments of `url_for` for this certificate's public pages: its number, and its key if it has one."""
        return url_kwargs(self.number, self.access_key)


class CertificateCounter(SQLModel, table=True):
    """The last number given per prefix and year; raised by a conditional UPDATE, so numbers never repeat."""

    __tablename__ = "certificate_counter"

    prefix: str = Field(max_length=3, primary_key=True)
    year: int = Field(primary_key=True)
    last: int = Field(default=0)


class NeutralisationOffer(SQLModel, table=True):
    """An organiser's terms for a meeting: the price per tonne attendees pay, the standard and the threshold."""

    __tablename__ = "neutralisation_offer"
    __table_args__ = (
        CheckConstraint("CAST(price_per_tonne_cny AS REAL) >= 0", name="price_non_negative"),
        CheckConstraint("CAST(response_threshold AS REAL) > 0 AND CAST(response_threshold AS REAL) <= 1",
                        name="threshold_share"),
    )

    event_id: int = Field(foreign_key="event.id", primary_key=True, ondelete="RESTRICT")
    attendees_may_neutralise: bool = Field(default=True)
    price_per_tonne_cny: Decimal = Field(sa_column=Column(ExactDecimal(), nullable=False))
    standard: str = Field(default="MEE-2019", max_length=32)
    response_threshold: Decimal = Field(default=Decimal("0.30"), sa_column=Column(ExactDecimal(), nullable=False))
    reduction_statement: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class SharedTonne(SQLModel, table=True):
    """One retired tonne (one serial) shared out in grams to people's footprints."""

    __tablename__ = "shared_tonne"
    __table_args__ = (
        UniqueConstraint("serial_namespace", "serial"),
        CheckConstraint(f"allocated_g >= 0 AND allocated_g <= {GRAMS_PER_TONNE}", name="at_most_one_tonne"),
        Index("ix_shared_tonne_open", "pool_kind", "pool_id", "allocated_g"),
    )

    id: int | None = Field(default=None, primary_key=True)
    pool_kind: PoolKind = Field(sa_column=Column(checked_enum(PoolKind, "poolkind", 24), nullable=False))
    pool_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    retirement_id: int = Field(foreign_key="retirement.id", index=True, ondelete="RESTRICT")
    serial_namespace: str = Field(max_length=120)
    serial: int = Field(sa_column=Column(BigInteger, nullable=False))
    allocated_g: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))


class Allocation(SQLModel, table=True):
    """Grams of one shared tonne allocated to one neutralisation."""

    __table_args__ = (CheckConstraint("grams > 0", name="grams_positive"),)

    id: int | None = Field(default=None, primary_key=True)
    tonne_id: int = Field(foreign_key="shared_tonne.id", index=True, ondelete="RESTRICT")
    neutralisation_id: int = Field(foreign_key="personal_neutralisation.id", index=True, ondelete="RESTRICT")
    grams: int = Field(sa_column=Column(BigInteger, nullable=False))


class PersonalNeutralisation(SQLModel, table=True):
    """A person neutralising their own footprint: charged once, allocated grams, a personal certificate."""

    __tablename__ = "personal_neutralisation"
    __table_args__ = (
        # Charged once per footprint, however many times the button is pressed.
        UniqueConstraint("footprint_kind", "footprint_id"),
        CheckConstraint("grams > 0", name="grams_positive"),
        CheckConstraint("CAST(amount_cny AS REAL) >= 0", name="amount_non_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    pool_kind: PoolKind = Field(sa_column=Column(checked_enum(PoolKind, "poolkind", 24), nullable=False))
    pool_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    footprint_kind: str = Field(max_length=32)  # "attendee_response", "personal_footprint"
    footprint_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    holder_name: str = Field(max_length=100)
    kgco2e: Decimal = Field(sa_column=Column(ExactDecimal(), nullable=False))
    grams: int = Field(sa_column=Column(BigInteger, nullable=False))  # kg rounded up to whole grams
    amount_cny: Decimal = Field(sa_column=Column(ExactDecimal(), nullable=False))
    payment_method: str = Field(max_length=32)  # "free", "on_site", or an adapter's name
    payment_reference: str = Field(max_length=128)
    certificate_id: int | None = Field(default=None, foreign_key="certificate.id", ondelete="RESTRICT")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class PersonalFootprint(SQLModel, table=True):
    """A citizen's calculator result kept so that it can be neutralised and certified (no login needed)."""

    __tablename__ = "personal_footprint"

    id: int | None = Field(default=None, primary_key=True)
    public_token: str = Field(max_length=32, unique=True, index=True)
    factor_set: str = Field(max_length=32)
    footprint: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    total_kgco2e: Decimal = Field(sa_column=Column(ExactDecimal(), nullable=False))
    # The citizen who kept it while signed in, whose dashboard lists it; None when kept anonymously.
    owner_user_id: int | None = Field(default=None, foreign_key="user.id", index=True, ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class OrganisationLogo(SQLModel, table=True):
    """An organisation's logo as its certificates print it: PNG or JPEG, at most 1 MB, checked when uploaded."""

    __tablename__ = "organisation_logo"
    __table_args__ = (
        CheckConstraint("content_type IN ('image/png', 'image/jpeg')", name="png_or_jpeg"),
        # 1 MB (certificates.logos.MAX_LOGO_BYTES): a logo prints a few centimetres wide.
        CheckConstraint("size_bytes > 0 AND size_bytes <= 1048576", name="at_most_1_mb"),
    )

    organisation_id: int = Field(foreign_key="organisation.id", primary_key=True, ondelete="CASCADE")
    content_type: str = Field(max_length=16)
    size_bytes: int = Field()
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
