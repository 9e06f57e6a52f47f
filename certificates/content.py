"""What a certificate says: the W3C Verifiable Credential 2.0 document, before it is signed.

Every amount is a string (no floats in signed JSON); every label is given in Chinese and English, Chinese first.
The builders read what is stored (snapshots, retirements, the ledger checkpoint) and write nothing.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal

from flask_babel import force_locale
from sqlmodel import Session, select

from certificates.access import verify_url
from certificates.claims import STANDARDS, Claim
from certificates.models import CertificateKind
from ledger.models import CreditBlock, CreditProject, Retirement, RetirementPart

VC_CONTEXT = ["https://www.w3.org/ns/credentials/v2"]
KG_PER_TONNE = Decimal(1000)

TITLES = {
    CertificateKind.meeting: ("零碳会议证书", "Zero-Carbon Meeting Certificate", "ZeroCarbonMeeting"),
    CertificateKind.personal: ("个人碳中和证书", "Personal Carbon Neutrality Certificate", "PersonalCarbonNeutrality"),
    CertificateKind.enterprise: ("企业碳中和声明", "Enterprise Carbon Neutrality Statement",
                                 "EnterpriseCarbonNeutrality"),
}
CLAIM_WORDS = {
    "carbon_neutral": ("碳中和", "Carbon neutral"),
    "partially_compensated": ("部分抵消", "Partially compensated"),
    "measured": ("已核算", "Measured"),
}
STANDARD_WORDS = {
    "MEE-2019": ("《大型活动碳中和实施指南（试行）》（生态环境部公告2019年第19号）",
                 "Guidelines for Carbon Neutrality of Large-scale Events (Trial), MEE Announcement No. 19 of 2019"),
    "ISO-14068-1:2023": ("ISO 14068-1:2023 气候变化管理 向净零转型 第1部分：碳中和",
                         "ISO 14068-1:2023 Climate change management — Transition to net zero — Part 1: "
                         "Carbon neutrality"),
}
PROJECT_TYPE_WORDS = {
    "ccer_afforestation": ("CCER 造林碳汇", "CCER afforestation"),
    "ccer_forest_management": ("CCER 森林经营碳汇", "CCER forest management"),
    "ccer_bamboo_afforestation": ("CCER 竹子造林碳汇", "CCER bamboo afforestation"),
    "ccer_bamboo_management": ("CCER 竹子经营碳汇", "CCER bamboo management"),
    "ccer_grassland_management": ("CCER 草地经营碳汇", "CCER grassland management"),
    "ccer_mangrove": ("CCER 红树林营造", "CCER mangrove planting"),
    "vcs": ("VCS 核证碳标准", "Verified Carbon Standard"),
    "gold_standard": ("黄金标准", "Gold Standard"),
}


def both(text) -> dict[str, str]:
    """A lazily translated string in Chinese and in English."""
    with force_locale("zh_CN"):
        zh = str(text)
    with force_locale("en"):
        en = str(text)
    return {"zh": zh, "en": en}


def plain(value: Decimal) -> str:
    return format(Decimal(value).normalize(), "f") if value else "0"


def tonnes_text(kg: Decimal) -> str:
    return f"{(Decimal(kg) / KG_PER_TONNE).quantize(Decimal('0.01'))}"


def credits_of(session: Session, retirements: Iterable[Retirement], base_url: str) -> list[dict]:
    """The retired credits behind a certificate: one entry per retirement part, with its serial range."""
    out: list[dict] = []
    for retirement in retirements:
        parts = session.exec(select(RetirementPart, CreditProject, CreditBlock)
                             .join(CreditProject, CreditProject.id == RetirementPart.project_id)
                             .join(CreditBlock, CreditBlock.id == RetirementPart.block_id)
                             .where(RetirementPart.retirement_id == retirement.id)
                             .order_by(RetirementPart.serial_start)).all()
        for part, project, block in parts:
            type_zh, type_en = PROJECT_TYPE_WORDS[project.project_type]
            out.append({
                "project_zh": project.name_zh, "project_en": project.name_en,
                "type_zh": type_zh, "type_en": type_en,
                "registry": project.registry_name, "registry_project_id": project.registry_project_id,
                "methodology": project.methodology_id, "vintage": part.vintage,
                "serials": [f"{block.serial_namespace}:{part.serial_start}-{part.serial_end}"],
                "serial_text": block.serial_text, "tonnes": part.quantity,
                "retirement": retirement.public_id, "ledger_entry": retirement.log_seq,
                "retirement_url": f"{base_url}/ledger/retirements/{retirement.public_id}",
            })
    return out


def credential(*, kind: CertificateKind, number: str, issuer: Mapping, issued_at: datetime, base_url: str,
               claim: Claim, claim_reasons: list[dict], subject: dict, extra: dict,
               access_key: str | None = None) -> dict:
    """The unsigned Verifiable Credential of a certificate; a personal one's verify URL carries its access key."""
    title_zh, title_en, subject_type = TITLES[kind]
    claim_zh, claim_en = CLAIM_WORDS[claim.code]
    return {
        "@context": VC_CONTEXT,
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", subject_type + "Certificate"],
        "name": f"{title_zh} {title_en}",
        "issuer": dict(issuer),
        "validFrom": issued_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {
            "type": subject_type,
            "number": number,
            "title": {"zh": title_zh, "en": title_en},
            "claim": {"code": claim.code, "zh": claim_zh, "en": claim_en},
            "missing": claim_reasons,
            "subject": subject,
            "issued_on": issued_at.date().isoformat(),
            "verify_url": verify_url(base_url, number, access_key),
            **extra,
        },
    }


def standard_block(code: str) -> dict:
    if code not in STANDARDS:
        raise ValueError(f"unknown standard {code!r}")
    zh, en = STANDARD_WORDS[code]
    return {"code": code, "zh": zh, "en": en}


def checkpoint_block(checkpoint) -> dict:
    return {"origin": checkpoint.origin, "size": checkpoint.size,
            "root": base64.b64encode(checkpoint.root_hash).decode(), "note": checkpoint.text}
