"""The wording of an event footprint's coded method, assumptions and warnings, registered with core.messages."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from calculators.footprint import Note
from core import messages
from meetings.forms import FOOTPRINT_WARNINGS, MEETING_TYPE_LABELS, STRATUM_LABELS

EVENT_NOTES = {
    # How the attendees who did not answer are estimated (calculators.event.extrapolate).
    "event_default_only": _l("No answers yet: the meeting type’s default attendee, built from factor rows and "
                             "stated assumptions, with the spread of those assumptions"),
    "event_answers_and_default": _l("The mean of %(respondents)s answers combined with the meeting type’s default "
                                    "attendee; the default weighs as much as %(prior_weight)s answers"),
    "event_stratified": _l("By origin (registration list): in each group the answers’ mean is combined with the "
                           "meeting type’s default for that group; the default weighs as much as %(prior_weight)s "
                           "answers"),
    "event_interval_normal": _l("A normal prior on each group’s mean kg per attendee (the default, weighing as much "
                                "as %(prior_weight)s answers), updated by the answers. The variance of the estimated "
                                "part adds the uncertainty of that mean, M²·s²/(n0 + n), and the differences between "
                                "attendees, M·s² (M attendees did not answer, n did, n0 = %(prior_weight)s; s is one "
                                "attendee’s spread, the assumptions’ pooled with the answers’). The interval is the "
                                "estimate ± %(z)s standard deviations; its upper end is the 95th percentile."),
    "event_interval_all_answered": _l("None: every attendee answered"),
    # The stated assumptions behind the default attendee.
    "event_assumed_shares": _l("Assumed origins of the attendees of a %(meeting_type)s (no published figure exists; "
                               "these are this service’s stated assumptions): same city %(same_city)s%%, same "
                               "province %(same_province)s%%, other provinces %(other_province)s%%, Hong Kong, Macau "
                               "and Taiwan %(hk_mo_tw)s%%, outside China %(international)s%%"),
    "event_travel_same_city": _l("Same-city attendees: metro, %(km)s km each way, round trip"),
    "event_travel_same_province": _l("Same-province attendees: high-speed rail, %(km)s km each way, round trip"),
    "event_travel_other_province": _l("Attendees from other provinces: half by high-speed rail (%(rail_km)s km each "
                                      "way), half by economy flight (%(flight_km)s km each way), round trip"),
    "event_travel_hk_mo_tw": _l("Attendees from Hong Kong, Macau and Taiwan: economy flight, %(km)s km each way, "
                                "round trip"),
    "event_travel_international": _l("Attendees from outside China: economy flight, %(km)s km each way, round trip"),
    "event_assumed_stay": _l("Attendees from outside the city: %(nights)s hotel night(s) in the venue’s country and "
                             "%(meals)s meal(s) outside the organiser’s catering (a pork meal); local attendees "
                             "neither"),
    "event_assumed_spread": _l("One attendee’s kg within an assumed way of travel is taken as evenly spread between 0 "
                               "and twice the assumed figure (distance, nights and meals are not known); the prior on "
                               "the mean weighs as much as %(prior_weight)s answers"),
    "event_profile_banquet": _l("The banquet itself is the organiser’s catering"),
    "event_profile_hybrid": _l("In-person attendance only; online participants are outside the boundary"),
    "event_boundary_parts": _l("Only the parts within the meeting’s boundary are counted for them: %(parts)s"),
    # What the dashboard says about the numbers behind it (meetings.footprint warning codes).
    **FOOTPRINT_WARNINGS,
    "registrations_replace_attendance": _l("The registration list’s %(registered)s rows replace the %(basis)s of "
                                           "%(attendance)s as the number of attendees."),
}
messages.register(EVENT_NOTES)

_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
PART_LABELS = {"travel": _l("attendee travel"), "lodging": _l("hotel nights"), "meals": _l("own meals")}
BASIS_LABELS = {"actual": _l("actual attendance"), "expected": _l("expected attendance"),
                "registrations": _l("registration list")}


def _localised(params: Mapping) -> dict:
    """Vocabulary parameters (meeting type, stratum, parts, basis) in the reader's language."""
    values = dict(params)
    if "meeting_type" in values:
        # Mid-sentence: "a conference" (a no-op in Chinese).
        values["meeting_type"] = str(MEETING_TYPE_LABELS.get(values["meeting_type"], values["meeting_type"])).lower()
    if "stratum" in values:
        values["stratum"] = str(STRATUM_LABELS.get(values["stratum"], values["stratum"]))
    if "basis" in values:
        values["basis"] = str(BASIS_LABELS.get(values["basis"], values["basis"]))
    if "parts" in values:
        locale = get_locale()
        separator = "、" if locale is not None and locale.language == "zh" else ", "
        values["parts"] = separator.join(str(PART_LABELS.get(part, part)) for part in values["parts"])
    return values


def render_note(note: Note | Mapping | None, fallback: str = "") -> str:
    """A note of the calculators (a Note, or its stored dict) in the page's language; its English text if unknown."""
    if note is None:
        return fallback
    if isinstance(note, Note):
        code, params, text = note.code, note.params, note.text
    else:  # a stored document writes numbers as plain strings: read them back as numbers, shown in the locale
        code, text = note.get("code"), note.get("text", fallback)
        params = {key: Decimal(value) if isinstance(value, str) and _NUMBER.match(value) else value
                  for key, value in (note.get("params") or {}).items()}
    if not code:
        return text or fallback
    return messages.render(code, _localised(params), fallback=text or fallback)


def render_warning(code: str, params: Mapping) -> str:
    return messages.render(code, _localised(params), fallback=code)
