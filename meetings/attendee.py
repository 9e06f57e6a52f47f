"""The attendee's phone pages: answer by the event's link (/m/<token>) or a badge (/m/b/<code>), see the result.

No login and no personal data: a random token in an HttpOnly cookie names the device, and its answer is edited
in place. The form needs no session: its CSRF token is signed for the link or badge it answers and checked with
the Origin/Referer headers, so a phone whose cookies were cleared between opening and sending the form (WeChat's
browser, private tabs) still answers; a refused post shows the filled form again, never an error page.

Submissions are rate-limited per IP (30 a minute: one person never needs more, a script does) and per event
(3,000 a minute: a keynote rush of a few thousand phones within a minute or two). Venues whose Wi-Fi puts every
phone behind one address should raise the per-IP limit (config ATTENDEE_IP_RATE_LIMIT).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, current_app, g, jsonify, redirect, render_template, request, url_for
from flask_babel import format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

from calculators.footprint import div
from calculators.places import suggest_places
from core import messages
from core.urls import same_origin
from db import get_session
from errors import Conflict, NotFound, ValidationError
from extensions import csrf
from factors import default_factor_set
from meetings import badges, links, responses
from meetings.attendee_form import (
    ATTENDEE_MEAL_LABELS,
    CABIN_LABELS,
    CAR_FUEL_LABELS,
    MEALS_BOUGHT_LABELS,
    TRAVEL_MODE_LABELS,
    TRIP_LABELS,
    AttendeeForm,
)
from meetings.models import BadgeCode, Event, TokenState
from meetings.responses import (
    AnswerError,
    AnswersClosed,
    AnswerTargetGone,
    BadgesRequired,
    BadgeUsed,
    LinkReplaced,
)
from meetings.schemas import MAX_NAME

bp = Blueprint("attendee", __name__)
DEVICE_COOKIE = "tz_device"
DEVICE_COOKIE_DAYS = 400  # the longest a browser keeps a cookie; long enough to edit after the meeting
IP_RATE_LIMIT = "30 per minute"
EVENT_RATE_LIMIT = "3000 per minute"
COMPARISON_FACTOR = "land.car.average.petrol.vkm"  # "the same as N km alone in an average petrol car"
MIN_SHOWN_TOGETHER = 3  # others' answers are summed for an attendee only when no single one can be read off
# What each refusal says, and its HTTP status.
REFUSALS = {
    TokenState.unknown: 404, TokenState.rotated: 410, TokenState.closed: 403, TokenState.used: 409,
    "badges_required": 403,
}
# A form page left open this long still submits; an older one is shown again, filled, with a new token.
FORM_TOKEN_MAX_AGE = 24 * 3600
FORM_TOKEN_SALT = "attendee-form"  # noqa: S105 (a namespace for the signature, not a secret)
# Why a post was not stored although the link takes answers: (message, HTTP status); the form is shown again.
NOTICES = {
    "expired": (_l("This page had been open too long. Your answers are kept below: please submit again."), 400),
    "invalid": (_l("This page could not be checked. Your answers are kept below: please submit again."), 400),
    "foreign": (_l("This answer was sent from another website. Check your answers below and submit them here."),
                403),
    "conflict": (_l("Your answer could not be saved just now. Your answers are kept below: please submit again."),
                 409),
}


# ---- rate limits (registered by app.py) -------------------------------------------------------------------------


def _ip_limit() -> str:
    return current_app.config.get("ATTENDEE_IP_RATE_LIMIT", IP_RATE_LIMIT)


def _event_limit() -> str:
    return current_app.config.get("ATTENDEE_EVENT_RATE_LIMIT", EVENT_RATE_LIMIT)


def _event_key() -> str:
    """The event a submission is for: its link token, or for a badge the event the code belongs to."""
    args = request.view_args or {}
    if "token" in args:
        return f"event-link:{str(args['token'])[:64]}"
    event, _badge, _state = badges.resolve_badge_code(session=get_session(), code=str(args.get("code", ""))[:64])
    return f"event:{event.id}" if event else "event:none"


def rate_limits() -> list[tuple[str, Callable[[], str], Callable[[], str] | None]]:
    """(endpoint, limit, key function or None for the client's IP) of every limit on a submission."""
    return [(endpoint, limit, key) for endpoint in ("attendee.answer", "attendee.badge_answer")
            for limit, key in ((_ip_limit, None), (_event_limit, _event_key))]


# ---- the device cookie -------------------------------------------------------------------------------------------


def _device_token() -> str:
    """The device's token from its cookie, or a new one that the response will set."""
    if "device_token" not in g:
        token = request.cookies.get(DEVICE_COOKIE)
        if not responses.is_device_token(token):
            token = responses.new_device_token()
            g.device_token_is_new = True
        g.device_token = token
    return g.device_token


@bp.after_request
def _set_device_cookie(response):
    if g.get("device_token_is_new"):
        # Set on the first page, so that even a double tap on the first submission carries one token.
        response.set_cookie(DEVICE_COOKIE, g.device_token, max_age=DEVICE_COOKIE_DAYS * 24 * 3600, path="/m/",
                            httponly=True, samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"])
    # Answers are personal to the device: never cached by a proxy.
    response.headers.setdefault("Cache-Control", "private, no-store")
    return response


# ---- the form token (CSRF without a session) ----------------------------------------------------------------------


def _signer() -> URLSafeTimedSerializer:
    signer = current_app.extensions.get("attendee_form_signer")
    if signer is None:  # built once per app: the key derivation is the costly part
        signer = current_app.extensions["attendee_form_signer"] = URLSafeTimedSerializer(
            current_app.secret_key, salt=FORM_TOKEN_SALT)
    return signer


def form_token(target: str) -> str:
    """A token for a form that answers `target` ("link:<token>" or "badge:<code>"), valid FORM_TOKEN_MAX_AGE."""
    return _signer().dumps(target)


def _post_problem(target: str) -> str | None:
    """Why this post must not be stored (a NOTICES key), or None."""
    if not same_origin():
        return "foreign"
    try:
        signed = _signer().loads(request.form.get("csrf_token", ""), max_age=FORM_TOKEN_MAX_AGE)
    except SignatureExpired:
        return "expired"
    except BadData:
        return "invalid"
    return None if signed == target else "invalid"


# ---- formatting ----------------------------------------------------------------------------------------------------


def _zh() -> bool:
    locale = get_locale()
    return locale is not None and locale.language == "zh"


def _close_text(event: Event) -> str:
    return format_datetime(event.closes_at, "yyyy-MM-dd HH:mm")


# ---- pages ---------------------------------------------------------------------------------------------------------


def _refused(reason, event: Event | None, *, answered_url: str | None = None):
    status = REFUSALS[reason]
    reason_name = reason.value if isinstance(reason, TokenState) else reason
    return render_template("meetings/attendee/refused.html", reason=reason_name, event=event,
                           closes_at=_close_text(event) if event else "", answered_url=answered_url), status


def _refusal_of(error: Exception):
    if isinstance(error, LinkReplaced):
        return TokenState.rotated
    if isinstance(error, AnswersClosed):
        return TokenState.closed
    if isinstance(error, BadgeUsed):
        return TokenState.used
    if isinstance(error, BadgesRequired):
        return "badges_required"
    return TokenState.unknown


@dataclass(frozen=True)
class Posted:
    """A post that was not stored, as the form shows it again."""

    form: AttendeeForm
    suggestions: tuple[str, ...] = ()
    notice: str | None = None  # a NOTICES key: the post was refused as a whole, not for one answer
    status: int = 422


def _show_form(event: Event, form: AttendeeForm, *, target: str, action: str, result_url: str | None,
               posted: Posted | None = None, badge: str | None = None):
    notice = NOTICES[posted.notice][0] if posted and posted.notice else None
    return render_template(
        "meetings/attendee/form.html", event=event, form=form, form_token=form_token(target), action=action,
        result_url=result_url, suggestions=posted.suggestions if posted else (), notice=notice,
        first_error=form.first_error() if posted else None, badge=badge, mode_labels=TRAVEL_MODE_LABELS,
        cabin_labels=CABIN_LABELS, trip_labels=TRIP_LABELS, fuel_labels=CAR_FUEL_LABELS,
        meal_labels=ATTENDEE_MEAL_LABELS, meals_bought_labels=MEALS_BOUGHT_LABELS, closes_at=_close_text(event),
    ), posted.status if posted else 200


def _number(value: str):
    """A posted number as the answers schema takes it: ASCII digits become an int, anything else stays text (and
    the schema refuses it), a blank is left out."""
    value = value.strip()
    if not value:
        return None
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else value


def answers_from(form) -> dict:
    """The posted form as meetings.schemas.AttendeeAnswersSchema takes it; the schema does the validating."""
    answers = {"origin": (form.get("origin_choice") or form.get("origin") or "").strip()}
    for name in ("travel_mode", "cabin", "car_fuel"):
        if form.get(name):
            answers[name] = form[name]
    trip = form.get("trip", "")
    if trip:
        answers["round_trip"] = {"return": True, "one_way": False}.get(trip, trip)
    if form.get("distance_km", "").strip():
        answers["distance_km"] = form["distance_km"].strip()
    for name in ("car_occupancy", "hotel_nights"):
        number = _number(form.get(name, ""))
        if number is not None:
            answers[name] = number
    if form.get("meals_bought") == "no":
        answers["meals"] = {}  # counts typed before choosing "no" are hidden on the page, and not meant
    else:
        meals = {meal: _number(form.get(f"meals_{meal}", "")) for meal in ATTENDEE_MEAL_LABELS}
        answers["meals"] = {meal: count for meal, count in meals.items() if count is not None}
    return answers


def _submitted(target: str, submit) -> Posted | None:
    """Store the posted answer through `submit(answers, name)`; None when stored, else the form to show again.

    A complete, valid answer goes straight to the service, whose schema validates it: no WTForms form is built on
    the path every attendee takes. Only a refused post builds the form, whose own validators say most problems in
    the reader's language; the service's reasons fill the rest. Refusals of the link itself are left to the
    caller, which resolves the link again to say why.
    """
    problem = _post_problem(target)
    if problem is not None:
        return Posted(AttendeeForm(), notice=problem, status=NOTICES[problem][1])
    error = None
    name = request.form.get("name", "").strip()
    missing = AttendeeForm.unanswered(request.form)
    try:
        if not missing:
            if len(name) > MAX_NAME:
                raise ValidationError("name too long", fields={"name": ["too long"]})
            submit(answers_from(request.form), name or None)
            return None
    except (LinkReplaced, AnswersClosed, BadgeUsed, BadgesRequired, NotFound, AnswerTargetGone):
        pass
    except Conflict:
        return Posted(AttendeeForm(), notice="conflict", status=409)
    except ValidationError as refused:
        if refused.code == "answer_kg_negative":  # not the attendee's doing: a factor set gone wrong
            return Posted(AttendeeForm(), notice="conflict", status=422)
        error = refused
    form = AttendeeForm()
    form.validate()
    for field_name in missing:  # the form's validators say it in the reader's language; this only makes sure
        if not form[field_name].errors:
            form[field_name].errors = [*form[field_name].errors, str(_l("Please answer this question."))]
    suggestions: tuple[str, ...] = ()
    if isinstance(error, AnswerError):
        shown = form.field_for(error.field) or form.origin
        shown.errors = [*shown.errors, messages.render(error.answer_code, error.params, error.message)]
        suggestions = error.suggestions
        if error.field == "origin" and form.origin_choice.data:
            form.origin.data = form.origin_choice.data
    elif error is not None:
        for field_name, reasons in (error.fields or {"_schema": [error.message]}).items():
            shown = form.field_for(field_name) or form.origin
            if not shown.errors:  # the form's own message, in the reader's language, says it already
                shown.errors = [*shown.errors, *reasons]
    return Posted(form, tuple(suggestions))


def _form_page(event: Event, *, posted: Posted | None, target: str, action: str, result_url: str,
               badge: BadgeCode | None, existing):
    """The form: a new or stored answer (GET), or the posted one with its errors or notice (`posted`)."""
    badge_text = badges.format_badge_code(badge.code) if badge else None
    if posted is None:
        if existing is not None and "edit" not in request.args:
            return redirect(result_url, 303)
        data = AttendeeForm.data_from(existing.answers, existing.display_name) if existing else None
        form = AttendeeForm(formdata=None, data=data)
    else:
        form = posted.form
    return _show_form(event, form, target=target, action=action, result_url=result_url if existing else None,
                      posted=posted, badge=badge_text)


def _result(event: Event, response, *, editable: bool, edit_url: str):
    footprint = responses.footprint_of(response, event)
    factor = default_factor_set().get(COMPARISON_FACTOR)
    car_km = div(footprint.total_kgco2e, factor.kgco2e_per_unit)
    so_far = responses.meeting_so_far(session=get_session(), event_id=event.id)
    sources = default_factor_set().sources
    return render_template(
        "meetings/attendee/result.html", event=event, response=response, footprint=footprint, factor=factor,
        car_km=car_km, so_far=so_far if so_far.respondents >= MIN_SHOWN_TOGETHER else None, editable=editable,
        edit_url=edit_url, closes_at=_close_text(event), zh=_zh(), sources=sources,
        mode_labels=TRAVEL_MODE_LABELS,
    )


@bp.route("/m/<token>", methods=["GET", "POST"])
@csrf.exempt  # checked by the signed form token instead (see the module's docstring)
def answer(token: str):
    db = get_session()
    device = _device_token()
    posted = None
    target = f"link:{token}"
    if request.method == "POST":
        posted = _submitted(target, lambda answers, name: responses.submit_by_link(
            session=db, token=token, device_token=device, answers=answers, display_name=name))
        if posted is None:
            return redirect(url_for(".mine", token=token), 303)
    event, state = links.resolve_public_token(session=db, token=token)
    if state != TokenState.active:
        answered = state == TokenState.closed and responses.response_of_device(
            session=db, event_id=event.id, device_token=device) is not None
        return _refused(state, event, answered_url=url_for(".mine", token=token) if answered else None)
    if event.require_badge_codes:
        return _refused("badges_required", event)
    existing = responses.response_of_device(session=db, event_id=event.id, device_token=device)
    return _form_page(event, posted=posted, target=target, action=url_for(".answer", token=token),
                      result_url=url_for(".mine", token=token), badge=None, existing=existing)


@bp.get("/m/<token>/mine")
def mine(token: str):
    db = get_session()
    event, state = links.resolve_public_token(session=db, token=token)
    if state in (TokenState.unknown, TokenState.rotated):
        return _refused(state, event)
    response = responses.response_of_device(session=db, event_id=event.id, device_token=_device_token())
    if response is None:
        if state == TokenState.closed:
            return _refused(state, event)
        return redirect(url_for(".answer", token=token), 303)
    return _result(event, response, editable=state == TokenState.active,
                   edit_url=url_for(".answer", token=token, edit=1))


def _badge(code: str):
    db = get_session()
    event, badge, state = badges.resolve_badge_code(session=db, code=code)
    response = None
    if badge is not None:
        response = responses.response_of_device(session=db, event_id=event.id, device_token=_device_token(),
                                                badge_code=badge.code)
    if state == TokenState.used and response is not None:
        state = TokenState.active  # the device that answered with this badge may see and edit its answer
    return db, event, badge, state, response


@bp.route("/m/b/<code>", methods=["GET", "POST"])
@csrf.exempt  # checked by the signed form token instead (see the module's docstring)
def badge_answer(code: str):
    posted = None
    target = f"badge:{badges.normalise_badge_code(code)}"
    if request.method == "POST":
        device = _device_token()
        posted = _submitted(target, lambda answers, name: responses.submit_by_badge(
            session=get_session(), code=code, device_token=device, answers=answers, display_name=name))
        if posted is None:
            return redirect(url_for(".badge_mine", code=badges.normalise_badge_code(code)), 303)
    db, event, badge, state, existing = _badge(code)
    if state != TokenState.active:
        answered = state == TokenState.closed and existing is not None
        return _refused(state, event, answered_url=url_for(".badge_mine", code=badge.code) if answered else None)
    return _form_page(event, posted=posted, target=target, action=url_for(".badge_answer", code=badge.code),
                      result_url=url_for(".badge_mine", code=badge.code), badge=badge, existing=existing)


@bp.get("/m/b/<code>/mine")
def badge_mine(code: str):
    _db, event, badge, state, response = _badge(code)
    if state in (TokenState.unknown, TokenState.used):
        return _refused(state, event)
    if response is None:
        if state == TokenState.closed:
            return _refused(state, event)
        return redirect(url_for(".badge_answer", code=badge.code), 303)
    return _result(event, response, editable=state == TokenState.active,
                   edit_url=url_for(".badge_answer", code=badge.code, edit=1))


@bp.get("/m/places")
def places():
    """Place names starting with what the attendee typed, for the form's optional suggestion script."""
    query = request.args.get("q", "")
    return jsonify(places=suggest_places(query[:40]))
