"""Certificates as PDF: one framed A4 page (and an explanatory annex) typeset by Typst from the signed credential.

The credential is user text: it reaches the Typst templates only as JSON data read through `sys.inputs`, never
as markup, so `#`, `*`, `[` and the like print as themselves. The fonts are loaded once per process and the
compilers are reused, so a warm render takes a few milliseconds. The certificate's body is shrunk to fit its page
by measuring it at decreasing sizes; the size chosen for a certificate is remembered by the shape of its content
and tried first for the next one like it, so a batch of similar certificates measures each body once or twice
instead of at every size.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import threading
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import typst
from babel.dates import format_date, format_interval
from PIL import Image, UnidentifiedImageError

from meetings.qr import qr_svg

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates" / "certificates"
CERTIFICATE_TEMPLATE = TEMPLATE_DIR / "certificate.typ"
ANNEX_TEMPLATE = TEMPLATE_DIR / "annex.typ"
INVENTORY_REPORT_TEMPLATE = TEMPLATE_DIR / "inventory_report.typ"
# AR PL UMing (Ming, for text) and UKai (Kai, for names and the claim): TrueType outlines, from Debian's
# fonts-arphic-uming and fonts-arphic-ukai. The Latin face, Libertinus Serif, ships inside Typst.
CJK_FONT_FILES = (Path("/usr/share/fonts/truetype/arphic/uming.ttc"),
                  Path("/usr/share/fonts/truetype/arphic/ukai.ttc"))
CJK_FONT_FAMILIES = ("AR PL UMing", "AR PL UKai")

TITLES = {
    "ZeroCarbonMeeting": ("零碳会议证书", "Zero-Carbon Meeting Certificate"),
    "PersonalCarbonNeutrality": ("个人碳中和证书", "Personal Carbon Neutrality Certificate"),
    "EnterpriseCarbonNeutrality": ("企业碳中和声明", "Enterprise Carbon Neutrality Statement"),
}
LOGO_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG"}
MAX_LOGO_BYTES = 2 * 1024 * 1024
KG_PER_TONNE = Decimal(1000)
# A fixed QR mask (ISO/IEC 18004 allows any of the eight): choosing the best one by its penalty score costs
# eight matrix builds. Over a sample of verify URLs, pattern 2 is the one most often best and the closest to
# the best when it is not.
QR_MASK_PATTERN = 2
# What differs between the certificates of one batch and leaves the body's shape alone, at most: the fitting
# hint is looked up by the rest of the sheet.
_PER_CERTIFICATE = ("number", "holder_name", "verify_url", "qr_svg", "logo_svg", "credential_id", "fingerprint",
                    "issued_on", "issued_zh", "issued_en", "issuer_name", "cryptosuite")
_FIT_HINTS_MAX = 256


class CertificateRenderError(ValueError):
    """The credential or logo cannot be typeset; `field` names the offending part."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field


_lock = threading.Lock()
_compilers: dict[Path, typst.Compiler] = {}
_fonts: typst.Fonts | None = None
_fit_hints: dict[str, dict] = {}


def _compiler(template: Path) -> typst.Compiler:
    """The one compiler of `template` in this process, all sharing one font set (call with `_lock` held)."""
    global _fonts
    if template not in _compilers:
        if _fonts is None:
            missing = [str(path) for path in CJK_FONT_FILES if not path.exists()]
            if missing:
                raise RuntimeError(f"certificate fonts missing: {', '.join(missing)}; install fonts-arphic-uming "
                                   "and fonts-arphic-ukai (`make system-deps`)")
            _fonts = typst.Fonts(include_system_fonts=False, include_embedded_fonts=True,
                                 font_paths=sorted({str(path.parent) for path in CJK_FONT_FILES}))
        _compilers[template] = typst.Compiler(str(template), root=str(TEMPLATE_DIR), font_paths=_fonts)
    return _compilers[template]


def _typeset(template: Path, sheet: dict, *, timestamp: dt.datetime | None, fit_key: str | None = None) -> bytes:
    inputs_sheet = dict(sheet, fit_hint=_fit_hints.get(fit_key)) if fit_key else sheet
    inputs = {"sheet": json.dumps(inputs_sheet, ensure_ascii=False)}
    with _lock:
        compiler = _compiler(template)
        pdf, warnings = compiler.compile_with_warnings(format="pdf", sys_inputs=inputs, timestamp=timestamp)
        if fit_key and not warnings:
            # The same document again: every layout is memoised, so the query costs a fraction of a millisecond.
            chosen = json.loads(compiler.query("<fit>", field="value", one=True))
            if chosen is not None:
                if len(_fit_hints) >= _FIT_HINTS_MAX and fit_key not in _fit_hints:
                    _fit_hints.pop(next(iter(_fit_hints)))
                _fit_hints[fit_key] = chosen
    if warnings:  # e.g. a character no certificate font has: fail loudly rather than print tofu
        raise CertificateRenderError("template", "; ".join(w.message for w in warnings))
    return pdf


def _fit_key(sheet: dict) -> str:
    """The body's content without what varies between the certificates of one batch (the hint's key)."""
    shape = {key: value for key, value in sheet.items() if key not in _PER_CERTIFICATE}
    return hashlib.sha256(json.dumps(shape, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def render_pdf(credential: Mapping[str, Any], *, verify_url: str, logo: bytes | None = None,
               logo_type: str | None = None) -> bytes:
    """One A4 portrait page: title, claim, subject, figures, credits, QR code of `verify_url`, seal, number."""
    sheet = certificate_sheet(credential)
    sheet["verify_url"] = verify_url
    sheet["qr_svg"] = qr_svg(verify_url, mask_pattern=QR_MASK_PATTERN).decode()
    sheet["logo_svg"] = logo_svg(logo, logo_type) if logo else None
    return _typeset(CERTIFICATE_TEMPLATE, sheet, timestamp=_timestamp(sheet), fit_key=_fit_key(sheet))


def render_annex_pdf(credential: Mapping[str, Any]) -> bytes:
    """The qualifying explanatory statement: boundary, method, data quality, reductions, credits (A4, pages as
    needed)."""
    sheet = certificate_sheet(credential)
    return _typeset(ANNEX_TEMPLATE, sheet, timestamp=_timestamp(sheet))


def render_report_pdf(sheet: Mapping[str, Any]) -> bytes:
    """An enterprise inventory's yearly report (inventory.report_pdf.report_sheet), A4, pages as needed."""
    return _typeset(INVENTORY_REPORT_TEMPLATE, dict(sheet), timestamp=None)


def proof_fingerprint(credential: Mapping[str, Any]) -> str:
    """A short, readable fingerprint of the signature: the first 64 bits of SHA-256(proofValue), in groups of
    four hex digits ("" when the credential is unsigned)."""
    proof = credential.get("proof")
    value = proof.get("proofValue") if isinstance(proof, Mapping) else None
    if not isinstance(value, str) or not value:
        return ""
    digest = hashlib.sha256(value.encode()).hexdigest()[:16]
    return " ".join(digest[i:i + 4] for i in range(0, 16, 4))


def logo_svg(logo: bytes, logo_type: str | None) -> str:
    """The logo wrapped in a small SVG document (a data: URI) sized to its pixels, so that it travels to Typst
    as text with the rest of the data."""
    if logo_type not in LOGO_TYPES:
        raise CertificateRenderError("logo_type", f"{logo_type!r} is not one of {', '.join(sorted(LOGO_TYPES))}")
    if len(logo) > MAX_LOGO_BYTES:
        raise CertificateRenderError("logo", f"{len(logo)} bytes is more than {MAX_LOGO_BYTES}")
    try:
        with Image.open(io.BytesIO(logo)) as image:
            image.verify()
            fmt, (width, height) = image.format, image.size
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise CertificateRenderError("logo", f"not a readable image ({error})") from None
    if fmt != LOGO_TYPES[logo_type]:
        raise CertificateRenderError("logo", f"the file is {fmt}, not {logo_type}")
    data = base64.b64encode(logo).decode()
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}"><image width="{width}" height="{height}" '
            f'href="data:{logo_type};base64,{data}"/></svg>')


def certificate_sheet(credential: Mapping[str, Any]) -> dict:
    """Everything the templates print, as display strings: bilingual labels stay in the templates, values are
    formatted here (dates in both languages, tonnes from kilograms)."""
    if not isinstance(credential, Mapping):
        raise CertificateRenderError("credential", "must be a JSON object")
    subject = credential.get("credentialSubject")
    if not isinstance(subject, Mapping):
        raise CertificateRenderError("credentialSubject", "missing or not an object")
    kind = subject.get("type")
    if kind not in TITLES:
        raise CertificateRenderError("credentialSubject.type", f"{kind!r} is not one of {', '.join(TITLES)}")
    number = subject.get("number")
    if not isinstance(number, str) or not number:
        raise CertificateRenderError("credentialSubject.number", "missing")
    title_zh, title_en = TITLES[kind]
    about = _object(subject, "subject")
    claim = _object(subject, "claim")
    method = _object(subject, "method")
    emissions = [dict(row, kg=_decimal(row.get("kgco2e"), f"credentialSubject.emissions[{i}].kgco2e"))
                 for i, row in enumerate(_list(subject, "emissions"))]
    in_tonnes = any(row["kg"] >= KG_PER_TONNE for row in emissions)
    credits = [_credit(row, i) for i, row in enumerate(_list(subject, "credits"))]
    issuer = credential.get("issuer")
    issuer_name = issuer.get("name") if isinstance(issuer, Mapping) else issuer
    issued_on = _date(subject.get("issued_on"), "credentialSubject.issued_on")
    interval = method.get("interval_tco2e") or []
    total = subject.get("total_tco2e")
    return {
        "kind": kind,
        "number": number,
        "title_zh": title_zh,
        "title_en": title_en,
        "claim": {"code": claim.get("code", ""), "zh": _text(claim.get("zh")), "en": _text(claim.get("en"))},
        "holder_name": _text(about.get("holder_name")),
        "footprint_of": _bilingual(about.get("footprint_of")),
        "name_zh": _text(about.get("name_zh")),
        "name_en": _text(about.get("name_en")),
        "organisation_zh": _text(about.get("organisation_zh")),
        "organisation_en": _text(about.get("organisation_en")),
        "dates": _date_range(about.get("starts_on"), about.get("ends_on")),
        "venue": " · ".join(_text(about.get(key)) for key in ("venue", "city") if about.get(key)),
        "standard": _bilingual(subject.get("standard")),
        "boundary": [{"zh": _text(row.get("zh")), "en": _text(row.get("en")), "missing": bool(row.get("missing"))}
                     for row in _list(subject, "boundary")],
        "emissions_unit": "t CO₂e" if in_tonnes else "kg CO₂e",
        "emissions": [{"zh": _text(row.get("zh")), "en": _text(row.get("en")),
                       "amount": _amount(row["kg"] / KG_PER_TONNE if in_tonnes else row["kg"])}
                      for row in emissions],
        "total_tco2e": _amount(_decimal(total, "credentialSubject.total_tco2e")) if total is not None else "",
        "credits_tonnes": str(sum(credit["tonnes_value"] for credit in credits)) if credits else "",
        "credits": credits,
        "method": {"factor_set": _text(method.get("factor_set")), "zh": _text(method.get("zh")),
                   "en": _text(method.get("en")),
                   "interval": (f"{_amount(_decimal(interval[0], 'method.interval_tco2e[0]'))}–"
                                f"{_amount(_decimal(interval[1], 'method.interval_tco2e[1]'))}"
                                if len(interval) == 2 else ""),
                   "data_quality": _bilingual({"zh": method.get("data_quality_zh"),
                                               "en": method.get("data_quality_en")}),
                   "reductions": _bilingual({"zh": method.get("reductions_zh"),
                                             "en": method.get("reductions_en")})},
        "parts": _parts(_object(subject, "parts")),
        "missing": [_bilingual(row) for row in _list(subject, "missing")],
        "checkpoint": _checkpoint(_object(subject, "ledger_checkpoint")),
        "issuer_name": _text(issuer_name),
        "issued_on": issued_on.isoformat() if issued_on else "",
        "issued_zh": format_date(issued_on, "long", locale="zh_CN") if issued_on else "",
        "issued_en": format_date(issued_on, "long", locale="en_GB") if issued_on else "",
        "credential_id": _text(credential.get("id")),
        "fingerprint": proof_fingerprint(credential),
        "cryptosuite": _text((credential.get("proof") or {}).get("cryptosuite")
                             if isinstance(credential.get("proof"), Mapping) else ""),
    }


def _credit(row: Mapping[str, Any], index: int) -> dict:
    field = f"credentialSubject.credits[{index}]"
    if not isinstance(row, Mapping):
        raise CertificateRenderError(field, "not an object")
    tonnes = row.get("tonnes", 0)
    if isinstance(tonnes, bool) or not isinstance(tonnes, int | str):
        raise CertificateRenderError(f"{field}.tonnes", f"{tonnes!r} is not a whole number of tonnes")
    try:
        tonnes_value = int(tonnes)
    except ValueError:
        raise CertificateRenderError(f"{field}.tonnes", f"{tonnes!r} is not a whole number of tonnes") from None
    serials = row.get("serials") or []
    if not isinstance(serials, list):
        raise CertificateRenderError(f"{field}.serials", "not a list of serial ranges")
    return {"project_zh": _text(row.get("project_zh")), "project_en": _text(row.get("project_en")),
            "type_zh": _text(row.get("type_zh")), "type_en": _text(row.get("type_en")),
            "registry": _text(row.get("registry")), "vintage": _text(row.get("vintage")),
            "serials": [_text(serial) for serial in serials], "tonnes": str(tonnes_value),
            "tonnes_value": tonnes_value, "retirement_url": _text(row.get("retirement_url")),
            "allocated_kg": _amount(_decimal(row["allocated_kg"], f"{field}.allocated_kg"))
            if row.get("allocated_kg") is not None else ""}


def _parts(parts: Mapping[str, Any]) -> dict:
    out = {}
    for key in ("attendees_kg", "allocated_kg"):
        if parts.get(key) is not None:
            out[key] = _amount(_decimal(parts[key], f"credentialSubject.parts.{key}"))
    for key in ("attendees_count", "organiser_tonnes", "allocations_root"):
        if parts.get(key) is not None:
            out[key] = _text(parts[key])
    return out


def _checkpoint(checkpoint: Mapping[str, Any]) -> dict | None:
    if not checkpoint:
        return None
    return {"origin": _text(checkpoint.get("origin")), "size": _text(checkpoint.get("size")),
            "root": _text(checkpoint.get("root"))}


def _object(parent: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = parent.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise CertificateRenderError(f"credentialSubject.{key}", "not an object")
    return value


def _list(parent: Mapping[str, Any], key: str) -> list:
    value = parent.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(row, Mapping) for row in value):
        raise CertificateRenderError(f"credentialSubject.{key}", "not a list of objects")
    return value


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _bilingual(value: Any) -> dict:
    """{"zh", "en"} from an object with those keys, or from one string shown as it is."""
    if isinstance(value, Mapping):
        return {"zh": _text(value.get("zh")), "en": _text(value.get("en"))}
    return {"zh": _text(value), "en": ""}


def _decimal(value: Any, field: str) -> Decimal:
    if isinstance(value, float | bool):  # signed JSON carries amounts as strings: a float is a producer's bug
        raise CertificateRenderError(field, f"{value!r} must be a decimal string")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise CertificateRenderError(field, f"{value!r} is not a decimal number") from None
    if not number.is_finite():
        raise CertificateRenderError(field, f"{value!r} is not a finite number")
    return number


def _amount(value: Decimal) -> str:
    """Two decimals with thin grouping (12,345.60): what the certificate prints for tonnes and kilograms."""
    return f"{value.quantize(Decimal('0.01')):,}"


def _date(value: Any, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise CertificateRenderError(field, f"{value!r} is not a date (YYYY-MM-DD)") from None


def _date_range(starts_on: Any, ends_on: Any) -> dict:
    start = _date(starts_on, "credentialSubject.subject.starts_on")
    end = _date(ends_on, "credentialSubject.subject.ends_on") or start
    if start is None:
        return {"zh": "", "en": ""}
    return {"zh": format_interval(start, end, "yMMMd", locale="zh_CN"), "en": _english_range(start, end)}


def _english_range(start: dt.date, end: dt.date) -> str:
    """"20–22 November 2026", "30 November – 2 December 2026": Babel abbreviates the month in ranges."""
    last = format_date(end, "long", locale="en_GB")
    if start == end:
        return last
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{last}"
    first = format_date(start, "d MMMM" if start.year == end.year else "long", locale="en_GB")
    return f"{first} – {last}"


def _timestamp(sheet: dict) -> dt.datetime | None:
    """The PDF's creation date is the issue date, so one credential always gives the same file."""
    if not sheet["issued_on"]:
        return None
    return dt.datetime.combine(dt.date.fromisoformat(sheet["issued_on"]), dt.time(), tzinfo=dt.UTC)
