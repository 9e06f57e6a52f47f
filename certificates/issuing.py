"""Issuing certificates: retire what is still needed and sign the certificate in one ledger transaction.

- A meeting: the organiser neutralises the current snapshot. Tonnes already retired for the meeting count
  (attendees' shares, earlier snapshots of the same meeting); only the remainder is retired, from the
  organisation's account. Not enough credits: nothing is retired or issued, and the refusal says how many
  tonnes are missing. Issuing twice (a double click, two requests at once) gives the one certificate.
- An attendee: their own footprint, allocated in grams from tonnes retired for the meeting's attendees, paid at
  the organiser's price through the payment seam; a personal certificate at once.
- A citizen: the same from the platform's pool, for a footprint kept from the calculator page.
- An enterprise: a closed inventory year (ledger subject `inventory_period`), its neutralisable tonnes retired
  and its statement (ECN-) issued in one transaction, as for a meeting.
Each meeting's (or the citizens') allocations are the leaves of a Merkle tree whose root a meeting certificate
prints; each personal certificate carries its leaf's inclusion proof in the tree as it stood when issued.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import rfc8785
from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlmodel import Session, select

from accounts.models import Organisation
from calculators.enterprise import ghg_category_zh
from certificates import content, shares
from certificates.access import new_access_key
from certificates.claims import ClaimFacts, decide_claim
from certificates.keys import Issuer
from certificates.messages import reason_entry
from certificates.models import (
    Allocation,
    Certificate,
    CertificateKind,
    CertificateStatus,
    NeutralisationOffer,
    PersonalFootprint,
    PersonalNeutralisation,
    PoolKind,
)
from certificates.numbering import next_number
from certificates.payments import provider
from certificates.signing import sign
from db import utcnow
from errors import Conflict, NotFound, ValidationError
from inventory.models import ActivityRecord, ReportingYear
from ledger.accounts import account_of, pool_account
from ledger.checkpoint import LogSigner, make_checkpoint
from ledger.coverage import coverage, retirements_for
from ledger.db import run_ledger_transaction
from ledger.models import LedgerAccount, Retirement
from ledger.retirement import retire_within
from meetings.events import lock_event
from meetings.forms import BOUNDARY_LABELS, GROUP_LABELS
from meetings.models import AttendeeResponse, Event, EventFootprintSnapshot

SNAPSHOT = "event_snapshot"
MAX_HOLDER_NAME = 100
MAX_REDUCTION_STATEMENT = 2000
KG_PER_TONNE = Decimal(1000)


@dataclass(frozen=True)
class Signers:
    """What signs: the certificate issuer's key and the ledger's checkpoint key, and the public address."""

    issuer: Issuer
    log: LogSigner
    base_url: str


def _issue(session: Session, *, signers: Signers, kind: CertificateKind, subject_kind: str, subject_id: int,
           series_key: str, organisation_id: int | None, event_id: int | None, issued_by_id: int | None,
           build: Callable[[str, datetime], tuple[dict, str]], access_key: str | None = None) -> Certificate:
    """Number, build, sign and store a certificate (with the access key its credential's verify URL carries); an
    older valid one of the same series is superseded."""
    now = utcnow()
    number = next_number(session, kind, now.year)
    unsigned, claim_code = build(number, now)
    signed = sign(unsigned, key=signers.issuer.private_key,
                  verification_method=signers.issuer.verification_method,
                  created=now.strftime("%Y-%m-%dT%H:%M:%SZ"))
    certificate = Certificate(number=number, kind=kind, organisation_id=organisation_id, event_id=event_id,
                              subject_kind=subject_kind, subject_id=subject_id, series_key=series_key,
                              claim=claim_code, credential=rfc8785.dumps(signed).decode(),
                              issued_by_id=issued_by_id, issued_at=now, access_key=access_key)
    session.add(certificate)
    session.flush()
    older = session.exec(select(Certificate).where(Certificate.series_key == series_key,
                                                   Certificate.status == CertificateStatus.valid,
                                                   Certificate.id != certificate.id)).all()
    for previous in older:
        previous.status = CertificateStatus.superseded
        previous.superseded_by_id = certificate.id
        session.add(previous)
    session.flush()
    return certificate


def _issuer_block(signers: Signers, organisation: Organisation | None) -> dict:
    block = {"id": signers.issuer.did, "name": signers.issuer.name}
    if organisation is not None:
        block["onBehalfOf"] = {"zh": organisation.name_zh, "en": organisation.name_en}
    return block


# ---- meetings ---------------------------------------------------------------------------------------------------


def meeting_valid_tonnes(session: Session, event_id: int) -> tuple[int, int]:
    """(tonnes retired for the meeting's attendees, tonnes retired for its snapshots), both still valid."""
    attendees = coverage(session, subject_kind=PoolKind.event_attendees.value, subject_id=event_id,
                         required_tonnes=0).valid
    snapshot_ids = session.exec(select(EventFootprintSnapshot.id).where(
        EventFootprintSnapshot.event_id == event_id)).all()
    organiser = sum(coverage(session, subject_kind=SNAPSHOT, subject_id=sid, required_tonnes=0).valid
                    for sid in snapshot_ids)
    return attendees, organiser


def offer_of(session: Session, event_id: int) -> NeutralisationOffer | None:
    return session.get(NeutralisationOffer, event_id)


def neutralise_meeting(session: Session, *, signers: Signers, organisation_id: int, event_id: int,
                       issued_by_id: int | None = None) -> Certificate:
    """Retire the remainder of the event's current snapshot and issue its meeting certificate, or nothing."""
    account = account_of(session, organisation_id)  # created in its own transaction when new

    def work(session: Session) -> Certificate:
        event = lock_event(session=session, organisation_id=organisation_id, event_id=event_id)
        snapshot = session.exec(select(EventFootprintSnapshot).where(
            EventFootprintSnapshot.event_id == event.id, EventFootprintSnapshot.is_current)).first()
        if snapshot is None:
            raise Conflict("take a snapshot of the meeting's footprint first", code="no_snapshot")
        existing = session.exec(select(Certificate).where(Certificate.subject_kind == SNAPSHOT,
                                                          Certificate.subject_id == snapshot.id)).first()
        if existing is not None:
            return existing
        attendees_t, organiser_t = meeting_valid_tonnes(session, event.id)
        remainder = snapshot.credits_needed_t - attendees_t - organiser_t
        organisation = session.get(Organisation, organisation_id)
        if remainder > 0:
            retire_within(session, account_id=account.id, tonnes=remainder, subject_kind=SNAPSHOT,
                          subject_id=snapshot.id, beneficiary=organisation.name_zh,
                          reason=f"{event.name_zh} / {event.name_en}",
                          idempotency_key=f"certificate:{SNAPSHOT}:{snapshot.id}", recorded_by_id=issued_by_id)
            organiser_t += remainder
        offer = offer_of(session, event.id)

        def build(number: str, now: datetime) -> tuple[dict, str]:
            return meeting_credential(session, signers=signers, number=number, now=now, event=event,
                                      snapshot=snapshot, organisation=organisation, offer=offer,
                                      attendee_tonnes=attendees_t, organiser_tonnes=organiser_t)

        return _issue(session, signers=signers, kind=CertificateKind.meeting, subject_kind=SNAPSHOT,
                      subject_id=snapshot.id, series_key=f"event:{event.id}", organisation_id=organisation_id,
                      event_id=event.id, issued_by_id=issued_by_id, build=build)

    return run_ledger_transaction(session, work)


def meeting_credential(session: Session, *, signers: Signers, number: str, now: datetime, event: Event,
                       snapshot: EventFootprintSnapshot, organisation: Organisation,
                       offer: NeutralisationOffer | None, attendee_tonnes: int,
                       organiser_tonnes: int) -> tuple[dict, str]:
    document = snapshot.footprint
    standard = offer.standard if offer else "MEE-2019"
    facts = ClaimFacts(standard=standard, required_tonnes=snapshot.credits_needed_t,
                       eligible_tonnes=attendee_tonnes + organiser_tonnes,
                       boundary=tuple(document.get("boundary", event.boundary)),
                       missing_inputs=tuple(document.get("missing_inputs", ())),
                       respondents=snapshot.respondents, attendance=snapshot.attendance,
                       response_threshold=offer.response_threshold if offer else Decimal("0.30"),
                       conservative_bound=True, reduction_statement=offer.reduction_statement if offer else "")
    claim = decide_claim(facts)
    retirements = [r for sid in session.exec(select(EventFootprintSnapshot.id).where(
        EventFootprintSnapshot.event_id == event.id)).all() for r in retirements_for(session, SNAPSHOT, sid)]
    retirements += retirements_for(session, PoolKind.event_attendees.value, event.id)
    tree = shares.pool_tree(session, PoolKind.event_attendees, event.id)
    method = meeting_method(snapshot, document, offer)
    subject = {
        "name_zh": event.name_zh, "name_en": event.name_en,
        "organisation_zh": organisation.name_zh, "organisation_en": organisation.name_en,
        "starts_on": event.starts_on.isoformat(), "ends_on": event.ends_on.isoformat(),
        "venue": event.venue_name, "city": event.city, "snapshot": snapshot.id,
        "snapshot_taken_at": snapshot.taken_at.isoformat(),
    }
    extra = {
        "standard": content.standard_block(standard),
        "boundary": [{"code": c, **content.both(BOUNDARY_LABELS[c]),
                      "missing": c in document.get("missing_inputs", ())} for c in document.get("boundary", ())],
        "emissions": [{"code": g, **content.both(GROUP_LABELS[g]), "kgco2e": str(kg)}
                      for g, kg in (document.get("breakdown") or {}).items() if g in GROUP_LABELS],
        "total_tco2e": content.tonnes_text(snapshot.total_kgco2e),
        "required_tonnes": snapshot.credits_needed_t,
        "method": method,
        "credits": content.credits_of(session, retirements, signers.base_url),
        "parts": {"attendees_kg": f"{Decimal(shares.pool_grams(session, PoolKind.event_attendees, event.id)) / 1000}",
                  "attendees_count": tree.size, "attendee_tonnes": attendee_tonnes,
                  "organiser_tonnes": organiser_tonnes, "allocations_size": tree.size,
                  "allocations_root": tree.root_hex},
        "reductions": offer.reduction_statement if offer and offer.reduction_statement else "",
        "ledger_checkpoint": content.checkpoint_block(make_checkpoint(session, signers.log)),
    }
    reasons = [reason_entry(code, params) for code, params in claim.reasons]
    return content.credential(kind=CertificateKind.meeting, number=number,
                              issuer=_issuer_block(signers, organisation), issued_at=now,
                              base_url=signers.base_url, claim=claim, claim_reasons=reasons, subject=subject,
                              extra=extra), claim.code


def meeting_method(snapshot: EventFootprintSnapshot, document: dict, offer: NeutralisationOffer | None) -> dict:
    """How the footprint was computed, in both languages: answers counted, the rest extrapolated, its interval."""
    respondents, attendance = snapshot.respondents, snapshot.attendance
    others = max(0, attendance - respondents)
    share = f"{Decimal(respondents) * 100 / attendance:.0f}" if attendance else "0"
    extrapolation = document.get("extrapolation") or {}
    method = {"factor_set": snapshot.factor_set, "respondents": respondents, "attendance": attendance,
              "neutralisation_tco2e": content.tonnes_text(snapshot.neutralisation_kgco2e), "interval_tco2e": []}
    if extrapolation and others:
        # The 90% interval of the total: the answers and the organiser's data as counted, the rest's interval.
        rest = snapshot.total_kgco2e - Decimal(extrapolation["point_kgco2e"])
        low, high = (rest + Decimal(extrapolation[k]) for k in ("low_kgco2e", "high_kgco2e"))
        method["interval_tco2e"] = [content.tonnes_text(low), content.tonnes_text(high)]
        method["zh"] = (f"按 {respondents} 位参会者的答复核算（答复率 {share}%），其余 {others} 位按共轭正态模型外推；"
                        f"所需碳汇按 90% 区间上限计")
        method["en"] = (f"{respondents} attendees' answers counted ({share}% answered); the other {others} "
                        f"extrapolated with a conjugate-normal model; credits needed use its 90% interval's upper end")
    else:
        method["zh"] = f"按全部 {respondents} 位参会者的答复核算"
        method["en"] = f"All {respondents} attendees' answers counted"
    missing = [str(content.both(BOUNDARY_LABELS[c])["zh"]) for c in document.get("missing_inputs", ())
               if c in BOUNDARY_LABELS]
    missing_en = [content.both(BOUNDARY_LABELS[c])["en"] for c in document.get("missing_inputs", ())
                  if c in BOUNDARY_LABELS]
    method["data_quality_zh"] = (f"排放因子库 {snapshot.factor_set}，每项排放注明来源；"
                                 + (f"主办方未填写：{'、'.join(missing)}" if missing else "主办方数据齐全"))
    method["data_quality_en"] = (f"Factor set {snapshot.factor_set}, each line with its source; "
                                 + (f"no organiser data for: {', '.join(missing_en)}" if missing_en
                                    else "the organiser's data is complete"))
    statement = offer.reduction_statement.strip() if offer else ""
    method["reductions_zh"] = statement or "主办方未说明抵消前的减排措施"
    method["reductions_en"] = statement or "The organiser stated no reductions made before offsetting"
    return method


# ---- enterprise inventory periods -----------------------------------------------------------------------------

INVENTORY_PERIOD = "inventory_period"
# An organisation's neutralisation follows ISO 14068-1:2023 (MEE 2019 is written for events): its claim of carbon
# neutrality needs the reductions made before offsetting, stated by the organisation.
ENTERPRISE_STANDARD = "ISO-14068-1:2023"
SCOPE_LABELS = {"scope1": _l("Scope 1: direct emissions"),
                "scope2_location": _l("Scope 2: purchased energy (location-based)"),
                "scope3": _l("Scope 3: other indirect emissions"),
                "compensated": _l("Less: lines already compensated by meeting certificates")}


def tonnes_required(kgco2e: Decimal) -> int:
    """Whole tonnes of credit a footprint needs: kilograms rounded up (nothing for nothing or less)."""
    if kgco2e <= 0:
        return 0
    return int(-(-Decimal(kgco2e) // KG_PER_TONNE))


def lock_reporting_year(session: Session, *, organisation_id: int, year: int) -> ReportingYear:
    """The organisation's row of `year`, locked for the transaction (PostgreSQL FOR UPDATE; SQLite's writer lock
    is already held); NotFound for a year never recorded or another organisation's."""
    found = session.exec(select(ReportingYear).where(ReportingYear.organisation_id == organisation_id,
                                                     ReportingYear.year == year)
                         .with_for_update()).first()
    if found is None:
        raise NotFound(f"no reporting year {year} in this organisation")
    session.refresh(found)  # the row as it is now that it is ours
    return found


def neutralise_inventory_period(session: Session, *, signers: Signers, organisation_id: int, year: int,
                                issued_by_id: int | None = None, reduction_statement: str = "") -> Certificate:
    """Retire the remainder of a closed year's neutralisable tonnes and issue its enterprise statement (ECN-).

    The year must be closed. Its neutralisable kg are the report's total (Scope 1, location-based Scope 2, Scope
    3) less the lines a meeting certificate already compensated: those are never neutralised a second time.
    Tonnes already retired against the period count; only the remainder is retired, from the organisation's
    account, in the same transaction as the statement. Twice gives the one statement; not enough credits retires
    and issues nothing, and says how many tonnes are missing.
    """
    from inventory.reports import year_report
    from inventory.rights import Actor

    reduction_statement = (reduction_statement or "").strip()
    if len(reduction_statement) > MAX_REDUCTION_STATEMENT:
        raise ValidationError(f"the reduction statement has more than {MAX_REDUCTION_STATEMENT} characters",
                              fields={"reduction_statement": [f"at most {MAX_REDUCTION_STATEMENT} characters"]})
    account = account_of(session, organisation_id)  # created in its own transaction when new

    def work(session: Session) -> Certificate:
        period = lock_reporting_year(session, organisation_id=organisation_id, year=year)
        existing = session.exec(select(Certificate).where(Certificate.subject_kind == INVENTORY_PERIOD,
                                                          Certificate.subject_id == period.id)).first()
        if existing is not None:
            return existing
        if period.closed_at is None:
            raise Conflict(f"the year {year} is not closed: close it before neutralising it",
                           fields={"year": ["not closed"]}, code="year_not_closed")
        report = year_report(session=session, actor=Actor(organisation_id, frozenset({"read"})), year=year)
        required = tonnes_required(report.neutralisable_kgco2e)
        if required == 0:
            raise Conflict(f"the year {year} has no emissions left to neutralise",
                           fields={"year": ["nothing to neutralise"]}, code="nothing_to_neutralise")
        organisation = session.get(Organisation, organisation_id)
        retired = coverage(session, subject_kind=INVENTORY_PERIOD, subject_id=period.id, required_tonnes=0).valid
        remainder = required - retired
        if remainder > 0:
            retire_within(session, account_id=account.id, tonnes=remainder, subject_kind=INVENTORY_PERIOD,
                          subject_id=period.id, beneficiary=organisation.name_zh,
                          reason=f"{year} 温室气体排放 / {year} greenhouse-gas emissions",
                          idempotency_key=f"certificate:{INVENTORY_PERIOD}:{period.id}:{required}",
                          recorded_by_id=issued_by_id)

        def build(number: str, now: datetime) -> tuple[dict, str]:
            return enterprise_credential(session, signers=signers, number=number, now=now, period=period,
                                         report=report, organisation=organisation, required_tonnes=required,
                                         reduction_statement=reduction_statement)

        certificate = _issue(session, signers=signers, kind=CertificateKind.enterprise,
                             subject_kind=INVENTORY_PERIOD, subject_id=period.id,
                             series_key=f"{INVENTORY_PERIOD}:{period.id}", organisation_id=organisation_id,
                             event_id=None, issued_by_id=issued_by_id, build=build)
        period.neutralised_certificate = certificate.number
        session.add(period)
        session.flush()
        return certificate

    return run_ledger_transaction(session, work)


def enterprise_credential(session: Session, *, signers: Signers, number: str, now: datetime,
                          period: ReportingYear, report, organisation: Organisation, required_tonnes: int,
                          reduction_statement: str) -> tuple[dict, str]:
    retirements = retirements_for(session, INVENTORY_PERIOD, period.id)
    eligible = coverage(session, subject_kind=INVENTORY_PERIOD, subject_id=period.id, required_tonnes=0).valid
    claim = decide_claim(ClaimFacts(standard=ENTERPRISE_STANDARD, required_tonnes=required_tonnes,
                                    eligible_tonnes=eligible, boundary=(), is_meeting=False,
                                    reduction_statement=reduction_statement))
    totals = report.totals
    rows = [("scope1", totals.scope1), ("scope2_location", totals.scope2_location), ("scope3", totals.scope3)]
    if report.compensated_kgco2e:
        rows.append(("compensated", -report.compensated_kgco2e))
    compensated_by = sorted(set(session.exec(select(ActivityRecord.compensated_by_certificate).where(
        ActivityRecord.organisation_id == period.organisation_id,
        ActivityRecord.compensated_by_certificate.is_not(None),
        ActivityRecord.month >= date(period.year, 1, 1), ActivityRecord.month < date(period.year + 1, 1, 1)))))
    subject = {
        "name_zh": f"{period.year}年度温室气体排放", "name_en": f"Greenhouse-gas emissions of {period.year}",
        "organisation_zh": organisation.name_zh, "organisation_en": organisation.name_en,
        "starts_on": date(period.year, 1, 1).isoformat(), "ends_on": date(period.year, 12, 31).isoformat(),
        "reporting_year": period.year, "period": period.id,
        "closed_at": period.closed_at.isoformat() if period.closed_at else None,
    }
    extra = {
        "standard": content.standard_block(ENTERPRISE_STANDARD),
        # The GHG Protocol categories the year's records cover, each stated as counted.
        "boundary": [{"code": name, "zh": ghg_category_zh(name), "en": name, "missing": False}
                     for name in report.by_ghg_category],
        "emissions": [{"code": code, **content.both(SCOPE_LABELS[code]), "kgco2e": content.plain(kg)}
                      for code, kg in rows],
        "total_tco2e": content.tonnes_text(report.neutralisable_kgco2e),
        "required_tonnes": required_tonnes,
        "method": {"factor_set": ", ".join(report.factor_sets), "records": report.records,
                   "scope2_market_tco2e": content.tonnes_text(totals.scope2_market),
                   "outside_scopes_tco2e": content.tonnes_text(totals.outside_scopes),
                   "validated_records": report.validated_records},
        "compensated": {"kgco2e": content.plain(report.compensated_kgco2e), "certificates": compensated_by},
        "credits": content.credits_of(session, retirements, signers.base_url),
        "reductions": reduction_statement,
        "ledger_checkpoint": content.checkpoint_block(make_checkpoint(session, signers.log)),
    }
    reasons = [reason_entry(code, params) for code, params in claim.reasons]
    return content.credential(kind=CertificateKind.enterprise, number=number,
                              issuer=_issuer_block(signers, organisation), issued_at=now,
                              base_url=signers.base_url, claim=claim, claim_reasons=reasons, subject=subject,
                              extra=extra), claim.code


# ---- people -----------------------------------------------------------------------------------------------------


def _holder_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > MAX_HOLDER_NAME:
        raise ValidationError("the name on the certificate must be 1 to 100 characters",
                              fields={"holder_name": [f"1 to {MAX_HOLDER_NAME} characters"]})
    return name


def neutralise_share(session: Session, *, signers: Signers, pool_kind: PoolKind, pool_id: int, account_id: int,
                     footprint_kind: str, footprint_id: int, kgco2e: Decimal, holder_name: str,
                     price_per_tonne_cny: Decimal, payment_method: str, payment_reference: str,
                     organisation: Organisation | None, subject: dict, pool_beneficiary: str,
                     lock: Callable[[Session], None]) -> PersonalNeutralisation:
    """Allocate, charge once and certify one person's footprint; the same footprint twice returns the first.

    The tonnes a pool retires are shared by many people: the public ledger names the pool (`pool_beneficiary`),
    never the person whose share happened to need a new tonne; the person's name is on their certificate only.
    """
    holder_name = _holder_name(holder_name)
    if kgco2e <= 0:
        raise ValidationError("there is nothing to neutralise: the footprint is 0 kg",
                              fields={"kgco2e": ["must be more than 0"]})

    def work(session: Session) -> PersonalNeutralisation:
        lock(session)  # one pool's shares take turns: leaf order and grams are decided one at a time
        access_key = new_access_key()
        first = session.exec(select(PersonalNeutralisation).where(
            PersonalNeutralisation.footprint_kind == footprint_kind,
            PersonalNeutralisation.footprint_id == footprint_id)).first()
        if first is not None:
            return first
        grams = shares.grams_of(kgco2e)
        amount = shares.amount_cny(price_per_tonne_cny, grams)
        payment = provider(payment_method).confirm(amount_cny=amount, reference=payment_reference)
        taken = shares.allocate(session, pool_kind=pool_kind, pool_id=pool_id, account_id=account_id,
                                grams=grams, beneficiary=pool_beneficiary,
                                reason=f"{pool_kind.value} {pool_id}: {footprint_kind} {footprint_id}")
        neutralisation = PersonalNeutralisation(
            pool_kind=pool_kind, pool_id=pool_id, footprint_kind=footprint_kind, footprint_id=footprint_id,
            holder_name=holder_name, kgco2e=kgco2e, grams=grams, amount_cny=payment.amount_cny,
            payment_method=payment.method, payment_reference=payment.reference)
        session.add(neutralisation)
        session.flush()
        for piece in taken:
            session.add(Allocation(tonne_id=piece.tonne.id, neutralisation_id=neutralisation.id, grams=piece.grams))
        session.flush()

        def build(number: str, now: datetime) -> tuple[dict, str]:
            serials = shares.allocations_of(session, neutralisation.id)
            leaf = shares.allocation_leaf(neutralisation, number, serials)
            tree = shares.pool_tree(session, pool_kind, pool_id, leaf_of={neutralisation.id: leaf})
            index = tree.size - 1
            claim = decide_claim(ClaimFacts(standard="MEE-2019", required_tonnes=1, eligible_tonnes=1,
                                            boundary=(), is_meeting=False))
            tonnes = {t.tonne.retirement_id for t in taken}
            retirements = session.exec(select(Retirement).where(Retirement.id.in_(tonnes))).all()
            extra = {
                "holder_name": holder_name,
                "footprint_kgco2e": str(kgco2e), "allocated_grams": grams,
                "allocations": serials,
                "payment": {"method": payment.method, "amount_cny": str(payment.amount_cny)},
                "credits": content.credits_of(session, retirements, signers.base_url),
                "allocation_proof": {"pool": f"{pool_kind.value}:{pool_id}", "leaf": leaf.decode(),
                                     "index": index, "tree_size": tree.size, "root": tree.root_hex,
                                     "audit_path": tree.inclusion(index)},
                "ledger_checkpoint": content.checkpoint_block(make_checkpoint(session, signers.log)),
            }
            return content.credential(kind=CertificateKind.personal, number=number,
                                      issuer=_issuer_block(signers, organisation), issued_at=now,
                                      base_url=signers.base_url, claim=claim, claim_reasons=[],
                                      subject={**subject, "holder_name": holder_name}, extra=extra,
                                      access_key=access_key), claim.code

        certificate = _issue(session, signers=signers, kind=CertificateKind.personal, subject_kind=footprint_kind,
                             subject_id=footprint_id, series_key=f"{footprint_kind}:{footprint_id}",
                             organisation_id=organisation.id if organisation else None,
                             event_id=pool_id if pool_kind == PoolKind.event_attendees else None,
                             issued_by_id=None, build=build, access_key=access_key)
        neutralisation.certificate_id = certificate.id
        session.add(neutralisation)
        session.flush()
        return neutralisation

    return run_ledger_transaction(session, work)


# Who the citizens' shared tonnes are retired for, as the public ledger shows it.
CITIZENS_BENEFICIARY = "碳中个人碳账户 / Tanzhong citizens' accounts"


def neutralise_attendee(session: Session, *, signers: Signers, response_id: int, holder_name: str,
                        payment_method: str = "free", payment_reference: str = "") -> PersonalNeutralisation:
    """An attendee neutralises their own answer's footprint at the organiser's price."""
    response = session.get(AttendeeResponse, response_id)
    if response is None:
        raise NotFound(f"no answer {response_id}")
    event = session.get(Event, response.event_id)
    offer = offer_of(session, event.id)
    if offer is None or not offer.attendees_may_neutralise:
        raise Conflict("the organiser has not offered neutralisation for this meeting", code="no_offer")
    if offer.price_per_tonne_cny == 0 and payment_method != "free":
        payment_method = "free"
    organisation = session.get(Organisation, event.organisation_id)
    account = account_of(session, event.organisation_id)

    def lock(session: Session) -> None:
        lock_event(session=session, organisation_id=event.organisation_id, event_id=event.id)

    subject = {"name_zh": event.name_zh, "name_en": event.name_en,
               "organisation_zh": organisation.name_zh, "organisation_en": organisation.name_en,
               "starts_on": event.starts_on.isoformat(), "ends_on": event.ends_on.isoformat(),
               "venue": event.venue_name, "city": event.city, "footprint_of": "attendee"}
    return neutralise_share(session, signers=signers, pool_kind=PoolKind.event_attendees, pool_id=event.id,
                            account_id=account.id, footprint_kind="attendee_response", footprint_id=response.id,
                            kgco2e=response.total_kgco2e, holder_name=holder_name,
                            price_per_tonne_cny=offer.price_per_tonne_cny, payment_method=payment_method,
                            payment_reference=payment_reference, organisation=organisation, subject=subject,
                            pool_beneficiary=f"{event.name_zh} 参会者 / attendees of {event.name_en}", lock=lock)


def neutralise_citizen(session: Session, *, signers: Signers, footprint_token: str, holder_name: str,
                       price_per_tonne_cny: Decimal, payment_method: str = "free",
                       payment_reference: str = "") -> PersonalNeutralisation:
    """A citizen neutralises a footprint kept from the calculator page, from the platform's pool."""
    footprint = session.exec(select(PersonalFootprint).where(PersonalFootprint.public_token == footprint_token)).first()
    if footprint is None:
        raise NotFound("no such footprint")
    account = pool_account(session)

    def lock(session: Session) -> None:
        # The pool account's row is the citizens' turn-taking point.
        session.execute(update(LedgerAccount).where(LedgerAccount.id == account.id).values(id=LedgerAccount.id)
                        .execution_options(synchronize_session=False))

    subject = {"footprint_of": "citizen", "factor_set": footprint.factor_set}
    return neutralise_share(session, signers=signers, pool_kind=PoolKind.citizens, pool_id=0, account_id=account.id,
                            footprint_kind="personal_footprint", footprint_id=footprint.id,
                            kgco2e=footprint.total_kgco2e, holder_name=holder_name,
                            price_per_tonne_cny=price_per_tonne_cny, payment_method=payment_method,
                            payment_reference=payment_reference, organisation=None, subject=subject,
                            pool_beneficiary=CITIZENS_BENEFICIARY, lock=lock)



def signers_for(settings, base_url: str) -> Signers:
    """The keys a `settings.Settings` describes, and the public address certificates link to."""
    from certificates.keys import issuer_for
    from ledger.checkpoint import signer_for

    return Signers(issuer=issuer_for(settings), log=signer_for(settings), base_url=base_url.rstrip("/"))
