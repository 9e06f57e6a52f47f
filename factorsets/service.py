"""Use cases for publishing factor-set versions and browsing the published factors."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_
from sqlmodel import Session, select

from db import transaction
from errors import Conflict, NotFound, ValidationError
from factors import FactorSet
from factorsets.models import FactorRecord, FactorSetRecord, SourceRecord

MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class PublishResult:
    version: str
    factor_count: int
    created: bool


@dataclass(frozen=True)
class FactorPage:
    version: str
    total: int
    items: list[tuple[FactorRecord, SourceRecord]]


def publish_factor_set(*, session: Session, factor_set: FactorSet) -> PublishResult:
    """Store a version once; the same content again is a no-op, changed content under the same name a Conflict."""
    with transaction(session):
        existing = session.get(FactorSetRecord, factor_set.version)
        if existing is not None:
            if existing.content_hash != factor_set.content_hash:
                raise Conflict(
                    f"factor set {factor_set.version} is published and immutable, but its files have changed "
                    f"(published {existing.content_hash[:12]}, now {factor_set.content_hash[:12]}); "
                    "publish the change under a new version",
                    code="factor_set_changed",
                )
            return PublishResult(factor_set.version, existing.factor_count, created=False)
        session.add(FactorSetRecord(version=factor_set.version, content_hash=factor_set.content_hash,
                                    factor_count=len(factor_set.factors)))
        session.flush()
        used_sources = {f.source_id for f in factor_set.factors.values()}
        for source in factor_set.sources.values():
            if source.id in used_sources:
                session.add(SourceRecord(version=factor_set.version, source_id=source.id, title=source.title,
                                         publisher=source.publisher, year=str(source.year), url=source.url,
                                         licence=source.licence, document_number=source.document_number,
                                         table_ref=source.table_ref, cross_checked_at=source.cross_checked_at))
        session.flush()
        for f in factor_set.factors.values():
            session.add(FactorRecord(
                version=factor_set.version, factor_id=f.id, category=f.category, activity=f.activity,
                label_zh=f.label_zh, label_en=f.label_en, unit=f.unit, kgco2e_per_unit=f.kgco2e_per_unit,
                gases=f.gases, region=f.region, valid_year=f.valid_year, source_id=f.source_id,
                source_ref=f.source_ref, notes=f.notes, cross_checked_at=f.cross_checked_at,
            ))
    return PublishResult(factor_set.version, len(factor_set.factors), created=True)


def published_versions(*, session: Session) -> list[FactorSetRecord]:
    return list(session.exec(select(FactorSetRecord).order_by(FactorSetRecord.published_at.desc())).all())


def resolve_version(*, session: Session, version: str | None, default: str) -> str:
    """The requested version if published; without one, the default if published, else the newest."""
    if version:
        if session.get(FactorSetRecord, version) is None:
            known = ", ".join(r.version for r in published_versions(session=session)) or "none"
            raise NotFound(f"factor set version '{version}' is not published (published: {known})",
                           fields={"version": [f"unknown version '{version}'"]})
        return version
    if session.get(FactorSetRecord, default) is not None:
        return default
    versions = published_versions(session=session)
    if not versions:
        raise NotFound("no factor set is published yet; run `flask factors load`")
    return versions[0].version


def search_factors(*, session: Session, version: str, category: str | None = None, q: str | None = None,
                   region: str | None = None, limit: int = 100, offset: int = 0) -> FactorPage:
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValidationError(f"limit {limit} is out of range 1-{MAX_PAGE_SIZE}", fields={"limit": ["out of range"]})
    if offset < 0:
        raise ValidationError(f"offset {offset} is negative", fields={"offset": ["must be 0 or more"]})
    conditions = [FactorRecord.version == version]
    if category:
        conditions.append(FactorRecord.category == category)
    if region:
        conditions.append(FactorRecord.region == region)
    if q:
        pattern = f"%{q.strip().lower()}%"
        conditions.append(or_(
            func.lower(FactorRecord.factor_id).like(pattern),
            func.lower(FactorRecord.label_en).like(pattern),
            FactorRecord.label_zh.like(f"%{q.strip()}%"),
            func.lower(FactorRecord.activity).like(pattern),
            func.lower(FactorRecord.region).like(pattern),
        ))
    total = session.exec(select(func.count()).select_from(FactorRecord).where(*conditions)).one()
    rows = session.exec(
        select(FactorRecord, SourceRecord)
        .join(SourceRecord, (SourceRecord.version == FactorRecord.version)
              & (SourceRecord.source_id == FactorRecord.source_id))
        .where(*conditions)
        .order_by(FactorRecord.category, FactorRecord.factor_id)
        .limit(limit).offset(offset)
    ).all()
    return FactorPage(version=version, total=total, items=list(rows))


def categories(*, session: Session, version: str) -> list[str]:
    return list(session.exec(
        select(FactorRecord.category).where(FactorRecord.version == version).distinct().order_by(FactorRecord.category)
    ).all())


def get_factor(*, session: Session, version: str, factor_id: str) -> tuple[FactorRecord, SourceRecord]:
    row = session.exec(
        select(FactorRecord, SourceRecord)
        .join(SourceRecord, (SourceRecord.version == FactorRecord.version)
              & (SourceRecord.source_id == FactorRecord.source_id))
        .where(FactorRecord.version == version, FactorRecord.factor_id == factor_id)
    ).first()
    if row is None:
        raise NotFound(f"no factor '{factor_id}' in version {version}")
    return row
