"""Tables of the offset ledger: credit projects, accounts, serial blocks, transfers, retirements and the log.

The ledger knows the footprints it neutralises only by kind and id (`subject_kind`, `subject_id`); it imports
nothing from meetings or inventories. Tonnes are whole numbers (registries issue and retire whole tonnes).

Block algebra: a serial block is never shortened. A partial transfer, a partial retirement or a partial
invalidation marks the block `split` and inserts its contiguous parts, each pointing at it (`parent_id`); so
the live blocks (every status but `split`) hold each issued serial exactly once, which PostgreSQL enforces with
an exclusion constraint over int8range (added by the migration) and SQLite by a checked insert under
BEGIN IMMEDIATE (ledger.issuance, inside ledger.db.run_ledger_transaction).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

import accounts.models  # noqa: F401 (registers `user` and `organisation`, which ledger rows refer to)
from db import ExactDecimal, UTCDateTime, checked_enum, utcnow


class Registry(enum.StrEnum):
    """Who issued the credits and whose serial numbers they carry."""

    ccer = "ccer"  # 全国温室气体自愿减排注册登记系统 (China)
    verra = "verra"  # Verified Carbon Standard registry (VCU serials)
    gold_standard = "gold_standard"  # Gold Standard Impact Registry (GS serials)
    undp = "undp"  # a national registry writing UNFCCC ITMO serials (decision 6/CMA.4)


class ProjectType(enum.StrEnum):
    """The kind of sink behind the credits; CCER forestry methodologies by name, VCS/GS with their own type."""

    ccer_afforestation = "ccer_afforestation"  # 造林碳汇 (CCER-14-001)
    ccer_forest_management = "ccer_forest_management"  # 森林经营碳汇
    ccer_bamboo_afforestation = "ccer_bamboo_afforestation"  # 竹子造林碳汇
    ccer_bamboo_management = "ccer_bamboo_management"  # 竹子经营碳汇
    ccer_grassland_management = "ccer_grassland_management"  # 草地经营碳汇
    ccer_mangrove = "ccer_mangrove"  # 红树林营造
    vcs = "vcs"  # with `programme_project_type`, e.g. "ARR", "IFM"
    gold_standard = "gold_standard"  # with `programme_project_type`, e.g. "A/R"


class AccountKind(enum.StrEnum):
    pool = "pool"  # the platform's own stock, which sells or grants to organisations
    organisation = "organisation"


class BlockStatus(enum.StrEnum):
    held = "held"  # in an account, retirable when ex-post
    retired = "retired"  # retired against a subject (retirement_id)
    invalidated = "invalidated"  # reversed or cancelled by the registry (invalidation_id); kept, never retirable
    split = "split"  # replaced by its parts (rows whose parent_id is this block); not live


LIVE_BLOCK = "status <> 'split'"


class CreditProject(SQLModel, table=True):
    """A registered sink project whose credits the ledger holds."""

    __tablename__ = "credit_project"
    __table_args__ = (UniqueConstraint("registry_name", "registry_project_id"),)

    id: int | None = Field(default=None, primary_key=True)
    project_type: ProjectType = Field(sa_column=Column(checked_enum(ProjectType, "projecttype", 32), nullable=False))
    registry_name: Registry = Field(sa_column=Column(checked_enum(Registry, "registry", 32), nullable=False))
    registry_project_id: str = Field(max_length=64)  # as the registry writes it: "1234", "GS7495", "CCER-..."
    programme_project_type: str | None = Field(default=None, max_length=100)  # VCS / GS project type
    methodology_id: str = Field(max_length=64)  # e.g. CCER-14-001-V01, VM0047, AR-ACM0003
    name_zh: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    country: str = Field(default="CN", max_length=2)  # ISO 3166-1 alpha-2
    province: str | None = Field(default=None, max_length=32)  # factors.regions code, for projects in China
    developer: str = Field(max_length=200)
    description_zh: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    description_en: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    # [{"label": "...", "url": "https://..."}]: registry documents (PDD, monitoring and verification reports).
    links: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    is_demo: bool = Field(default=False)  # seeded demonstration data, marked as such on every page
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class LedgerAccount(SQLModel, table=True):
    """Who holds blocks: one account per organisation, plus the platform pool."""

    __tablename__ = "ledger_account"
    __table_args__ = (
        CheckConstraint("(kind = 'pool') = (organisation_id IS NULL)", name="pool_has_no_organisation"),
        Index("uq_ledger_account_one_pool", "kind", unique=True,
              sqlite_where=text("kind = 'pool'"), postgresql_where=text("kind = 'pool'")),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: AccountKind = Field(sa_column=Column(checked_enum(AccountKind, "accountkind", 16), nullable=False))
    # No cascade: an organisation that held credits keeps its account (the log names it).
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", unique=True,
                                        ondelete="RESTRICT")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class CreditBlock(SQLModel, table=True):
    """A contiguous range of serial numbers, one tonne CO2e each, in one account."""

    __tablename__ = "credit_block"
    __table_args__ = (
        CheckConstraint("serial_start >= 0", name="serial_start_non_negative"),
        CheckConstraint("serial_end >= serial_start", name="serials_in_order"),
        CheckConstraint("quantity = serial_end - serial_start + 1", name="quantity_is_range"),
        # A retired block names its retirement; a split or invalidated one may keep the one it had.
        CheckConstraint("status IN ('split', 'invalidated') OR (status = 'retired') = (retirement_id IS NOT NULL)",
                        name="retired_has_retirement"),
        CheckConstraint("status <> 'invalidated' OR invalidation_id IS NOT NULL", name="invalidated_has_reason"),
        Index("ix_credit_block_serials", "serial_namespace", "serial_start"),
        Index("ix_credit_block_holding", "account_id", "status", "vintage", "serial_start"),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="credit_project.id", index=True, ondelete="RESTRICT")
    account_id: int = Field(foreign_key="ledger_account.id", ondelete="RESTRICT")
    registry_name: Registry = Field(sa_column=Column(checked_enum(Registry, "registry", 32), nullable=False))
    # Numbers are unique within a namespace: the whole registry for Verra (global VCU numbering), the
    # registry's project for the others (ledger.serials.SerialInterval.namespace).
    serial_namespace: str = Field(max_length=120)
    serial_start: int = Field(sa_column=Column(BigInteger, nullable=False))
    serial_end: int = Field(sa_column=Column(BigInteger, nullable=False))
    quantity: int = Field(sa_column=Column(BigInteger, nullable=False))
    vintage: int  # the year the removals happened (Verra: the vintage period's end year)
    vintage_start: date | None = None
    vintage_end: date | None = None
    # The registry's own text for the issued block this one descends from, kept exactly as given.
    serial_text: str = Field(max_length=300)
    is_ex_ante: bool = Field(default=False)  # expected, not yet verified: held, never retired for a claim
    status: BlockStatus = Field(default=BlockStatus.held,
                                sa_column=Column(checked_enum(BlockStatus, "blockstatus", 16), nullable=False))
    parent_id: int | None = Field(default=None, foreign_key="credit_block.id", index=True, ondelete="RESTRICT")
    issuance_id: int = Field(foreign_key="credit_issuance.id", index=True, ondelete="RESTRICT")
    retirement_id: int | None = Field(default=None, foreign_key="retirement.id", index=True, ondelete="RESTRICT")
    invalidation_id: int | None = Field(default=None, foreign_key="invalidation.id", ondelete="RESTRICT")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class CreditIssuance(SQLModel, table=True):
    """Credits entering the ledger: one registry statement line (or form) bringing one block into an account."""

    __tablename__ = "credit_issuance"

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="credit_project.id", index=True, ondelete="RESTRICT")
    account_id: int = Field(foreign_key="ledger_account.id", ondelete="RESTRICT")
    serial_text: str = Field(max_length=300)
    quantity: int = Field(sa_column=Column(BigInteger, nullable=False))
    is_ex_ante: bool = Field(default=False)
    source: str = Field(default="form", max_length=200)  # "form" or "<file name>:<line>"
    recorded_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    log_seq: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class Transfer(SQLModel, table=True):
    """Tonnes moved between accounts: a sale or a grant, with the price per tonne when sold."""

    __tablename__ = "credit_transfer"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("from_account_id <> to_account_id", name="between_two_accounts"),
        CheckConstraint("price_per_tonne_cny IS NULL OR CAST(price_per_tonne_cny AS REAL) >= 0",
                        name="price_non_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    from_account_id: int = Field(foreign_key="ledger_account.id", index=True, ondelete="RESTRICT")
    to_account_id: int = Field(foreign_key="ledger_account.id", index=True, ondelete="RESTRICT")
    quantity: int = Field(sa_column=Column(BigInteger, nullable=False))
    price_per_tonne_cny: Decimal | None = Field(default=None, sa_column=Column(ExactDecimal(), nullable=True))
    note: str = Field(default="", max_length=500)
    recorded_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    log_seq: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class TransferPart(SQLModel, table=True):
    """The serial range one transfer moved out of one block."""

    __tablename__ = "credit_transfer_part"

    id: int | None = Field(default=None, primary_key=True)
    transfer_id: int = Field(foreign_key="credit_transfer.id", index=True, ondelete="RESTRICT")
    block_id: int = Field(foreign_key="credit_block.id", index=True, ondelete="RESTRICT")
    serial_start: int = Field(sa_column=Column(BigInteger, nullable=False))
    serial_end: int = Field(sa_column=Column(BigInteger, nullable=False))


class Retirement(SQLModel, table=True):
    """Tonnes retired once and for all against one subject (an event snapshot, an inventory period, ...)."""

    __tablename__ = "retirement"
    __table_args__ = (
        UniqueConstraint("account_id", "idempotency_key"),
        CheckConstraint("tonnes > 0", name="tonnes_positive"),
        Index("ix_retirement_subject", "subject_kind", "subject_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # Unguessable and stable: the public page of a retirement is /ledger/retirements/<public_id>.
    public_id: str = Field(max_length=32, unique=True, index=True)
    account_id: int = Field(foreign_key="ledger_account.id", index=True, ondelete="RESTRICT")
    tonnes: int = Field(sa_column=Column(BigInteger, nullable=False))
    subject_kind: str = Field(max_length=32)  # "event_snapshot", "inventory_period", "personal_footprint"
    subject_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    beneficiary: str = Field(max_length=200)
    reason: str = Field(max_length=500)
    policy: str = Field(max_length=64)  # the named block-picking policy, with its option: "oldest_vintage"
    idempotency_key: str = Field(max_length=128)
    recorded_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    log_seq: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class RetirementPart(SQLModel, table=True):
    """The serial range one retirement took from one block, as it was retired (never changed afterwards)."""

    __tablename__ = "retirement_part"
    __table_args__ = (CheckConstraint("quantity = serial_end - serial_start + 1", name="quantity_is_range"),)

    id: int | None = Field(default=None, primary_key=True)
    retirement_id: int = Field(foreign_key="retirement.id", index=True, ondelete="RESTRICT")
    block_id: int = Field(foreign_key="credit_block.id", index=True, ondelete="RESTRICT")
    project_id: int = Field(foreign_key="credit_project.id", ondelete="RESTRICT")
    vintage: int
    serial_start: int = Field(sa_column=Column(BigInteger, nullable=False))
    serial_end: int = Field(sa_column=Column(BigInteger, nullable=False))
    quantity: int = Field(sa_column=Column(BigInteger, nullable=False))


class Invalidation(SQLModel, table=True):
    """A registry's reversal or cancellation of a serial range, recorded by an admin."""

    __tablename__ = "invalidation"
    __table_args__ = (CheckConstraint("serial_end >= serial_start", name="serials_in_order"),)

    id: int | None = Field(default=None, primary_key=True)
    registry_name: Registry = Field(sa_column=Column(checked_enum(Registry, "registry", 32), nullable=False))
    serial_namespace: str = Field(max_length=120)
    serial_start: int = Field(sa_column=Column(BigInteger, nullable=False))
    serial_end: int = Field(sa_column=Column(BigInteger, nullable=False))
    reason: str = Field(max_length=500)
    recorded_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    log_seq: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class LedgerHead(SQLModel, table=True):
    """The one row every append locks: the log's size and its last entry's hash (appends take turns on it)."""

    __tablename__ = "ledger_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"), CheckConstraint("size >= 0", name="size"))

    id: int = Field(default=1, primary_key=True)
    size: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    head_hash: str = Field(max_length=64)  # hex SHA-256; 64 zeros before the first entry
    # The hash the head had before the last append moved it (what that append's first entry chains on): on
    # PostgreSQL an append computes the new head in its UPDATE and reads the old one back from here.
    prev_hash: str | None = Field(default=None, max_length=64)


class LogEntry(SQLModel, table=True):
    """One append-only entry of the transparency log; never updated or deleted (a trigger refuses on PostgreSQL).

    `body` is the RFC 8785 canonical JSON of {"seq", "kind", "at", "prev", "data"} exactly as hashed:
    `entry_hash` = SHA-256(body), `prev_hash` = the previous entry's entry_hash, and the RFC 6962 Merkle leaf
    of the entry is `body`'s bytes.
    """

    __tablename__ = "ledger_log_entry"

    seq: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))  # 0-based index
    kind: str = Field(max_length=32)  # issuance, transfer, split, retirement, invalidation
    body: str = Field(sa_column=Column(Text, nullable=False))
    prev_hash: str = Field(max_length=64, unique=True)
    entry_hash: str = Field(max_length=64)
