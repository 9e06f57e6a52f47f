"""The wording of certificates' coded facts (why a stronger claim was withheld), in the reader's language."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from core import messages
from meetings.forms import BOUNDARY_LABELS

CLAIM_MESSAGES = {
    "claim.tonnes_missing": _l("%(missing)s t of the %(required)s t needed are not covered by retired credits."),
    "claim.input_missing": _l("“%(item)s” was counted without the organiser’s data."),
    "claim.outside_boundary": _l("“%(item)s” is outside the boundary, which %(standard)s requires."),
    "claim.too_few_answers": _l("Only %(share)s%% of attendees answered; the stated threshold is %(threshold)s%%."),
    "claim.no_reduction_statement": _l("%(standard)s asks for a statement of the reductions made before "
                                       "offsetting."),
}
LOGO_MESSAGES = {
    "logo.empty": _l("Choose a file: the one sent was empty."),
    "logo.too_large": _l("The file is larger than 1 MB."),
    "logo.not_png_or_jpeg": _l("Only PNG and JPEG images are accepted."),
    "logo.unreadable": _l("The image cannot be read: save it again as PNG or JPEG."),
    "logo.too_many_pixels": _l("The image is larger than 4096 pixels on a side."),
}
messages.register(CLAIM_MESSAGES)
messages.register(LOGO_MESSAGES)


def _sentence(code: str, params: dict) -> str:
    params = dict(params)
    if "item" in params and params["item"] in BOUNDARY_LABELS:
        params["item"] = str(BOUNDARY_LABELS[params["item"]])
    return messages.render(code, params, fallback=code)


def reason_entry(code: str, params: dict) -> dict:
    """One withheld-claim reason as the signed credential keeps it: its code and parameters, and both sentences."""
    params = {k: str(v) for k, v in params.items()}
    with force_locale("zh_CN"):
        zh = _sentence(code, params)
    with force_locale("en"):
        en = _sentence(code, params)
    return {"code": code, **params, "zh": zh, "en": en}


def claim_reasons(document: dict) -> list[str]:
    """The certificate's `missing` reasons as sentences in the current locale."""
    subject = document.get("credentialSubject") or {}
    out = []
    for reason in subject.get("missing") or []:
        if not isinstance(reason, dict):
            continue
        params = {k: v for k, v in reason.items() if k not in {"code", "zh", "en"}}
        out.append(_sentence(str(reason.get("code", "")), params))
    return out
