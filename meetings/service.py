"""Where the meetings use cases used to be, kept only while the attendee pages, responses and footprint modules
move to the aggregate modules (meetings.events, .links, .badges, .registration_lists); import from those."""

from __future__ import annotations

from meetings.badges import (  # noqa: F401
    BADGE_ALPHABET,
    format_badge_code,
    generate_badge_codes,
    normalise_badge_code,
    resolve_badge_code,
)
from meetings.events import EVENT_TIMEZONE, get_event  # noqa: F401
from meetings.links import AnswerTarget, active_link, answer_target, resolve_public_token, rotate_link  # noqa: F401
