"""Certificate pages: the organiser's neutralisation, the certificate and its PDFs, people neutralising their own
footprint, and the public verification page with the issuer's key.

The verification page, the PDFs and the credential of a meeting's or an enterprise's certificate are public by
number: numbers are not secrets, the page is the public proof. A personal certificate names a person: its public
pages need its access key (`?k=`, certificates.access) and without it answer as an unknown number does; every
link this service shows to one carries the key (`Certificate.url_kwargs`). The organiser's pages need a member of
the certificate's organisation who may organise; another organisation's event or certificate is as missing as one
that never was. Attendees and citizens have no session: their forms carry a token signed for what they neutralise
and are checked with the Origin/Referer headers (as the attendee's answer form is), so a phone without cookies
still gets its certificate, once.
"""

from __future__ import annotations

import base64
import json
import re
from decimal import Decimal

import marshmallow as ma
from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadData, URLSafeTimedSerializer

from accounts.access import is_platform_admin, organisation_required, platform_admin_required
from accounts.service import is_citizen
from certificates import access, citizens, issuing, logos, offers, shares, status
from certificates.access import ACCESS_KEY_PARAMETER
from certificates.claims import DEFAULT_RESPONSE_THRESHOLD, STANDARDS
from certificates.keys import issuer_for
from certificates.messages import claim_reasons
from certificates.models import Certificate, NeutralisationOffer
from certificates.payments import PROVIDERS
from certificates.render import CertificateRenderError, certificate_sheet, render_annex_pdf, render_pdf
from certificates.schemas import (
    NUMBER_PATTERN,
    NeutralisationOfferSchema,
    PersonalNeutralisationSchema,
    RevocationSchema,
)
from certificates.verification import verify_certificate
from core import messages
from core.schema_messages import translate_errors
from core.urls import public_base_url, same_origin
from db import get_session
from errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationError, json_paths
from extensions import csrf
from factors import default_factor_set
from footprints import service as footprint_service
from footprints.calculator_form import calculator_request
from footprints.schemas import PersonalFootprintRequestSchema
from ledger.checkpoint import signer_for
from ledger.retirement import InsufficientCredits
from meetings.events import get_event
from meetings.models import AttendeeResponse, Event
from meetings.qr import qr_svg

bp = Blueprint("certificates", __name__)
FORM_SALT = "certificate-form"  # noqa: S105 (a namespace for the signature, not a secret)
FORM_MAX_AGE = 24 * 3600  # a result page left open a day still neutralises
_NUMBER = re.compile(rf"\A{NUMBER_PATTERN}\Z")


# ---- shared helpers --------------------------------------------------------------------------------------------


def _settings():
    return current_app.extensions["settings"]


def _signers() -> issuing.Signers:
    return issuing.signers_for(_settings(), public_base_url())


def _zh() -> bool:
    from flask_babel import get_locale

    locale = get_locale()
    return locale is not None and locale.language == "zh"


def _form_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=FORM_SALT)


def _form_token(target: str) -> str:
    return _form_signer().dumps(target)


def _checked_post(target: str) -> None:
    """Refuse a post without a session that another site sent, or whose token was signed for something else."""
    if not same_origin():
        raise PermissionDenied("this form was sent from another website")
    try:
        signed = _form_signer().loads(request.form.get("form_token", ""), max_age=FORM_MAX_AGE)
    except BadData:
        raise ValidationError("this page could not be checked or was open too long: open it again",
                              fields={"form_token": ["invalid or expired"]}, code="form_expired") from None
    if signed != target:
        raise ValidationError("this form was signed for another footprint", fields={"form_token": ["invalid"]},
                              code="form_expired")


def _schema_errors(error: ma.ValidationError) -> dict[str, list[str]]:
    return translate_errors(json_paths(error.messages))


def _personal_errors(error: DomainError) -> dict[str, list[str]]:
    """A service's refusal of a personal neutralisation, by field, in the reader's language."""
    worded = {"holder_name": _("Give the name to print: 1 to 100 characters."),
              "payment_reference": _("Give the receipt’s number for a payment on site."),
              "payment_method": _("Choose how it was paid."),
              "kgco2e": _("There is nothing to neutralise: the footprint is 0 kg.")}
    fields = error.fields or {"_schema": [error.message]}
    return {name: [worded.get(name, _("This could not be accepted; please check it."))] for name in fields}


def _find(number: str) -> Certificate:
    """The certificate of this number, or the certificates' own 404 page in the reader's language."""
    if not _NUMBER.match(number or ""):
        raise NotFound(f"no certificate {number[:40]}")
    return status.find(get_session(), number)


def _find_public(number: str) -> Certificate:
    """The certificate as a stranger may read it: a personal one needs its key in the query (`?k=`), else it is the
    same 404 page as a number never issued."""
    if not _NUMBER.match(number or ""):
        raise NotFound(f"no certificate {number[:40]}")
    return status.find_public(get_session(), number, request.args.get(ACCESS_KEY_PARAMETER))


def _credential(certificate: Certificate) -> dict:
    try:
        return json.loads(certificate.credential)
    except ValueError:
        return {}


def _shown(document: dict) -> dict:
    """What the PDF prints, for the HTML layout (`sheet` None when the stored credential cannot be read), with the
    QR code of the verification page and the reasons a stronger claim was withheld."""
    try:
        sheet = certificate_sheet(document)
    except CertificateRenderError:
        return {"sheet": None, "qr": "", "reasons": []}
    subject = document.get("credentialSubject") or {}
    verify_url = access.qr_url(document, public_base_url())
    qr = "data:image/svg+xml;base64," + base64.b64encode(qr_svg(verify_url)).decode()
    return {"sheet": sheet, "qr": qr, "verify_url": verify_url, "reasons": claim_reasons(document),
            "holder_kg": subject.get("footprint_kgco2e"), "payment": subject.get("payment") or {}}


@bp.errorhandler(NotFound)
def _not_found(error: NotFound):
    """An unknown certificate number gets a page that says so (and what to check); the rest, the usual one."""
    if request.endpoint in ("certificates.verify", "certificates.pdf",
                                                                     "certificates.annex_pdf",
                                                                     "certificates.credential_json"):
        get_session().rollback()
        number = (request.view_args or {}).get("number", "")
        return render_template("certificates/not_found.html", number=str(number)[:40]), 404
    from app import error_response

    get_session().rollback()
    return error_response(error.status, error.code, error.message, error.fields)


# ---- the organiser: neutralise a meeting ----------------------------------------------------------------------------


def _offer_form(offer: NeutralisationOffer | None) -> dict:
    if offer is None:
        return {"attendees_may_neutralise": "yes", "price_per_tonne_cny": "", "standard": "MEE-2019",
                "response_threshold_pct": str(int(DEFAULT_RESPONSE_THRESHOLD * 100)), "reduction_statement": ""}
    return {"attendees_may_neutralise": "yes" if offer.attendees_may_neutralise else "no",
            "price_per_tonne_cny": f"{offer.price_per_tonne_cny:.2f}", "standard": offer.standard,
            "response_threshold_pct": f"{(offer.response_threshold * 100).normalize():f}",
            "reduction_statement": offer.reduction_statement}


def _meeting_page(event_id: int, *, form: dict | None = None, errors: dict | None = None,
                  refusal: dict | None = None, logo_errors: list[str] | None = None, status_code: int = 200):
    session = get_session()
    event = get_event(session=session, organisation_id=g.organisation.id, event_id=event_id)
    offer = issuing.offer_of(session, event.id)
    coverage = offers.meeting_coverage(session=session, organisation_id=g.organisation.id, event_id=event.id)
    issued = offers.event_certificates(session=session, organisation_id=g.organisation.id, event_id=event.id)
    logo = logos.logo_of(session, g.organisation.id)
    job = None
    if request.args.get("job"):
        import tasks

        try:
            job = tasks.job_progress(request.args["job"][:64], organisation_id=g.organisation.id, session=session)
        except NotFound:
            job = None
    return render_template(
        "certificates/meeting.html", event=event, offer=offer, form=form or _offer_form(offer), errors=errors or {},
        coverage=coverage, issued=issued, refusal=refusal, standards=list(STANDARDS), logo=logo,
        logo_errors=logo_errors or [], job=job,
    ), status_code


@bp.get("/events/<int:event_id>/neutralise")
@organisation_required("organise")
def meeting(event_id: int):
    return _meeting_page(event_id)


@bp.post("/events/<int:event_id>/neutralise/offer")
@organisation_required("organise")
def save_offer(event_id: int):
    form = {k: v for k, v in request.form.items() if k != "csrf_token"}
    try:
        values = NeutralisationOfferSchema().load(form, unknown=ma.EXCLUDE)
    except ma.ValidationError as error:
        return _meeting_page(event_id, form=form, errors=_schema_errors(error), status_code=422)
    offers.save_offer(session=get_session(), organisation_id=g.organisation.id, event_id=event_id, values=values)
    flash(_("The neutralisation offer was saved."), "info")
    return redirect(url_for(".meeting", event_id=event_id) + "#offer", 303)


@bp.post("/events/<int:event_id>/neutralise/issue")
@organisation_required("organise")
def issue(event_id: int):
    session = get_session()
    get_event(session=session, organisation_id=g.organisation.id, event_id=event_id)
    try:
        certificate = issuing.neutralise_meeting(session, signers=_signers(), organisation_id=g.organisation.id,
                                                 event_id=event_id, issued_by_id=current_user.id)
    except InsufficientCredits as refused:
        session.rollback()
        return _meeting_page(event_id, refusal={"code": "insufficient_credits", "missing":
                                                refused.requested - refused.held, "requested": refused.requested,
                                                "held": refused.held}, status_code=409)
    except Conflict as refused:
        session.rollback()
        return _meeting_page(event_id, refusal={"code": refused.code}, status_code=409)
    return redirect(url_for(".certificate", number=certificate.number), 303)


@bp.post("/events/<int:event_id>/neutralise/logo")
@organisation_required("organise")
def upload_logo(event_id: int):
    session = get_session()
    get_event(session=session, organisation_id=g.organisation.id, event_id=event_id)
    upload = request.files.get("logo")
    data = upload.read(logos.MAX_LOGO_BYTES + 1) if upload else b""
    try:
        logos.save_logo(session=session, organisation_id=g.organisation.id, data=data)
    except ValidationError as refused:
        return _meeting_page(event_id, logo_errors=[messages.render(refused.code, fallback=refused.message)],
                             status_code=422)
    flash(_("The logo was saved; certificates print it from now on."), "info")
    return redirect(url_for(".meeting", event_id=event_id) + "#logo", 303)


@bp.post("/events/<int:event_id>/neutralise/batch")
@organisation_required("organise")
def start_batch(event_id: int):
    """All personal certificates of the meeting as one ZIP, built by a background job; the page shows its
    progress."""
    import tasks

    session = get_session()
    credentials = offers.personal_credentials(session=session, organisation_id=g.organisation.id,
                                              event_id=event_id)
    if not credentials:
        flash(_("This meeting has no personal certificates yet."), "info")
        return redirect(url_for(".meeting", event_id=event_id) + "#certificates", 303)
    logo = logos.logo_of(session, g.organisation.id)  # printed on every PDF, as on the single certificate
    job = tasks.enqueue("certificates_zip", g.organisation.id, session=session, credentials=credentials,
                        verify_base_url=public_base_url(),
                        logo_base64=base64.b64encode(logo.data).decode() if logo else None,
                        logo_type=logo.content_type if logo else None)
    return redirect(url_for(".meeting", event_id=event_id, job=job.id) + "#certificates", 303)


# ---- the certificate page (its organisation) and the public files ------------------------------------------------


@bp.get("/certificates/<certificate_number:number>")
@organisation_required("organise")
def certificate(number: str):
    session = get_session()
    found = status.find(session, number)
    if found.organisation_id != g.organisation.id:
        raise NotFound(f"no certificate {number} in this organisation")
    document = _credential(found)
    standing = status.standing(session, found, issuer_key=issuer_for(_settings()).public_key)
    event = session.get(Event, found.event_id) if found.event_id else None
    return render_template("certificates/certificate.html", certificate=found, document=document,
                           shown=_shown(document), standing=standing, event=event)


def _pdf_response(body: bytes, name: str, found: Certificate) -> Response:
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    # A personal certificate's PDF is its holder's: no shared cache keeps it.
    response.headers["Cache-Control"] = f"{'private' if found.access_key else 'public'}, max-age=300"
    return response


def render_certificate_pdf(session, found: Certificate) -> bytes:
    """The certificate's PDF with its organisation's logo and the QR code of its verification page."""
    document = _credential(found)
    logo = logos.logo_of(session, found.organisation_id)
    verify_url = access.qr_url(document, public_base_url(), number=found.number)
    return render_pdf(document, verify_url=verify_url, logo=logo.data if logo else None,
                      logo_type=logo.content_type if logo else None)


@bp.get("/certificates/<certificate_number:number>.pdf")
def pdf(number: str):
    found = _find_public(number)
    return _pdf_response(render_certificate_pdf(get_session(), found), f"{found.number}.pdf", found)


@bp.get("/certificates/<certificate_number:number>/annex.pdf")
def annex_pdf(number: str):
    found = _find_public(number)
    return _pdf_response(render_annex_pdf(_credential(found)), f"{found.number}-annex.pdf", found)


@bp.get("/certificates/<certificate_number:number>.json")
def credential_json(number: str):
    """The signed credential exactly as stored (and as signed): what `flask certificates verify FILE` checks."""
    found = _find_public(number)
    response = Response(found.credential, mimetype="application/json")
    response.headers["Content-Disposition"] = f'inline; filename="{found.number}.json"'
    return response


# ---- public verification ------------------------------------------------------------------------------------------


@bp.get("/verify/<number>")
def verify(number: str):
    session = get_session()
    found = _find_public(number)
    result = verify_certificate(session, found, issuer_key=issuer_for(_settings()).public_key,
                                log_signer=signer_for(_settings()))
    return render_template("certificates/verify.html", v=result, certificate=found, shown=_shown(result.credential),
                           document=result.credential, may_revoke=is_platform_admin(), errors={})


@bp.post("/verify/<certificate_number:number>/revoke")
@platform_admin_required("revoke certificates")
def revoke(number: str):
    session = get_session()
    found = _find(number)
    try:
        values = RevocationSchema().load({"reason": request.form.get("reason", "")})
        status.revoke(session, number=found.number, reason=values["reason"])
    except ma.ValidationError as error:
        result = verify_certificate(session, found, issuer_key=issuer_for(_settings()).public_key,
                                    log_signer=signer_for(_settings()))
        return render_template("certificates/verify.html", v=result, certificate=found,
                               shown=_shown(result.credential), document=result.credential, may_revoke=True,
                               errors=_schema_errors(error)), 422
    flash(_("Certificate %(number)s was revoked.", number=found.number), "info")
    return redirect(url_for(".verify", **found.url_kwargs), 303)


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json", "application/did+json"])
    return best in ("application/json", "application/did+json")


@bp.get("/verify/key")
def key():
    issuer = issuer_for(_settings())
    if _wants_json():
        return key_json()
    return render_template("certificates/key.html", issuer=issuer, document=issuer.did_document(),
                           document_text=json.dumps(issuer.did_document(), ensure_ascii=False, indent=2))


@bp.get("/verify/key.json")
def key_json():
    document = issuer_for(_settings()).did_document()
    return Response(json.dumps(document, ensure_ascii=False, indent=2), mimetype="application/did+json"
                    if "application/did+json" in request.headers.get("Accept", "") else "application/json")


# ---- attendees: neutralise my footprint -----------------------------------------------------------------------------


def _attendee_offer(event: Event, response: AttendeeResponse) -> dict | None:
    """What the attendee's result page offers: their kg, grams, price and a form signed for their answer."""
    session = get_session()
    offer = issuing.offer_of(session, event.id)
    if offer is None or not offer.attendees_may_neutralise or response.total_kgco2e <= 0:
        return None
    done = citizens.neutralisation_of(session, "attendee_response", response.id)
    certificate = session.get(Certificate, done.certificate_id) if done and done.certificate_id else None
    grams = shares.grams_of(response.total_kgco2e)
    return {"offer": offer, "kg": response.total_kgco2e, "grams": grams,
            "amount": shares.amount_cny(offer.price_per_tonne_cny, grams), "free": offer.price_per_tonne_cny == 0,
            "certificate": certificate, "holder_name": response.display_name or "",
            "form_token": _form_token(f"attendee:{response.id}"), "response_id": response.id}


@bp.app_context_processor
def _neutralisation_offers():
    """Offers the meetings' and the calculator's pages show, without those packages knowing of certificates."""
    return {"attendee_neutralisation": _attendee_offer, "citizen_neutralisation_token":
            lambda: _form_token("citizen:keep")}


def _attendee_page(response: AttendeeResponse, form: dict, errors: dict, status_code: int):
    session = get_session()
    event = session.get(Event, response.event_id)
    offer = _attendee_offer(event, response)
    if offer is None:
        raise Conflict("the organiser has not offered neutralisation for this meeting", code="no_offer")
    return render_template("certificates/attendee.html", event=event, n=offer, form=form, errors=errors,
                           providers=list(PROVIDERS)), status_code


def _neutralise_personal(neutralise, page, *, no_credits: str):
    """A person's neutralisation form posted: `neutralise(values)`, then its certificate's page; else `page` again
    with the errors (422), or with `no_credits` when the credits ran out (409)."""
    session = get_session()
    form = {k: v for k, v in request.form.items() if k != "form_token"}
    try:
        done = neutralise(PersonalNeutralisationSchema().load(form, unknown=ma.EXCLUDE))
    except ma.ValidationError as error:
        return page(form, _schema_errors(error), 422)
    except ValidationError as refused:
        session.rollback()
        return page(form, _personal_errors(refused), 422)
    except InsufficientCredits:
        session.rollback()
        return page(form, {"_schema": [no_credits]}, 409)
    return redirect(url_for(".verify", **session.get(Certificate, done.certificate_id).url_kwargs), 303)


@bp.post("/m/neutralise/<int:response_id>")
@csrf.exempt  # checked by the signed form token and the Origin header (see the module's docstring)
def attendee_neutralise(response_id: int):
    session = get_session()
    response = session.get(AttendeeResponse, response_id)
    if response is None:
        raise NotFound(f"no answer {response_id}")
    _checked_post(f"attendee:{response.id}")
    return _neutralise_personal(
        lambda values: issuing.neutralise_attendee(session, signers=_signers(), response_id=response.id, **values),
        lambda form, errors, status_code: _attendee_page(response, form, errors, status_code),
        no_credits=_("The organiser has no credits left to share just now. Please ask at the registration desk."))


# ---- citizens: neutralise this footprint -----------------------------------------------------------------------


def _citizen_price() -> Decimal:
    return Decimal(_settings().citizen_price_per_tonne_cny)


@bp.post("/calculator/neutralise")
@csrf.exempt  # checked by the signed form token and the Origin header
def citizen_keep():
    """Keep the calculator's footprint, recomputed here from the posted inputs, and offer to neutralise it."""
    _checked_post("citizen:keep")
    data, _names = calculator_request(request.form)
    try:
        footprint = footprint_service.compute_footprint("personal", PersonalFootprintRequestSchema().load(data))
    except ma.ValidationError as error:
        raise ValidationError("the calculator's inputs are not valid: calculate again",
                              fields=json_paths(error.messages)) from None
    owner = current_user.id if current_user.is_authenticated and is_citizen(
        session=get_session(), user_id=current_user.id) else None
    kept = citizens.keep_footprint(session=get_session(), footprint=footprint, request_data=data, owner_user_id=owner)
    return redirect(url_for(".citizen", token=kept.public_token), 303)


def _citizen_page(kept, form: dict, errors: dict, status_code: int = 200):
    price = _citizen_price()
    grams = shares.grams_of(kept.total_kgco2e)
    sources = default_factor_set().sources
    return render_template("certificates/citizen.html", kept=kept, items=kept.footprint.get("items", []),
                           grams=grams, price=price, amount=shares.amount_cny(price, grams), free=price == 0,
                           form=form, errors=errors, form_token=_form_token(f"citizen:{kept.public_token}"),
                           sources=sources, zh=_zh()), status_code


@bp.route("/calculator/neutralise/<token>", methods=["GET", "POST"])
@csrf.exempt  # checked by the signed form token and the Origin header
def citizen(token: str):
    session = get_session()
    kept = citizens.kept_footprint(session, token)
    done = citizens.neutralisation_of(session, "personal_footprint", kept.id)
    if done is not None and done.certificate_id:
        return redirect(url_for(".verify", **session.get(Certificate, done.certificate_id).url_kwargs), 303)
    if request.method == "GET":
        return _citizen_page(kept, {}, {})
    _checked_post(f"citizen:{kept.public_token}")
    price = _citizen_price()

    def neutralise(values: dict):
        if price == 0:
            values["payment_method"] = "free"
        return issuing.neutralise_citizen(session, signers=_signers(), footprint_token=kept.public_token,
                                          price_per_tonne_cny=price, **values)

    return _neutralise_personal(
        neutralise, lambda form, errors, status_code: _citizen_page(kept, form, errors, status_code),
        no_credits=_("The platform has no credits left to share just now. Please try again later."))

