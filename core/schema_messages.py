"""marshmallow's built-in messages ("Not a valid number.") as coded messages, for pages that show schema errors.

marshmallow writes its errors in English, already formatted. The API sends them as they are; a page passes them
through `translate` (or a whole error dict through `translate_errors`), which recognises each built-in message,
pulls out its parameters and renders it through core.messages. A message it does not recognise (a schema's own
wording) comes back unchanged: a schema that wants its message translated raises it as a coded message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from flask_babel import lazy_gettext as _l

from core import messages

# code -> (marshmallow's English text, with {param} where it writes a value; the reader's template)
SCHEMA_MESSAGES: dict[str, tuple[str, object]] = {
    "schema.required": ("Missing data for required field.", _l("This field is required.")),
    "schema.null": ("Field may not be null.", _l("This field may not be empty.")),
    "schema.invalid_value": ("Invalid value.", _l("Invalid value.")),
    "schema.invalid_input": ("Invalid input.", _l("Invalid value.")),
    "schema.invalid_type": ("Invalid type.", _l("Invalid type of value.")),
    "schema.invalid_input_type": ("Invalid input type.", _l("Invalid type of value.")),
    "schema.unknown_field": ("Unknown field.", _l("Unknown field.")),
    "schema.number": ("Not a valid number.", _l("Not a valid number.")),
    "schema.integer": ("Not a valid integer.", _l("Not a valid whole number.")),
    "schema.special_number": ("Special numeric values (nan or infinity) are not permitted.",
                              _l("Enter a finite number (not NaN or infinity).")),
    "schema.number_too_large": ("Number too large.", _l("The number is too large.")),
    "schema.string": ("Not a valid string.", _l("Not valid text.")),
    "schema.utf8": ("Not a valid utf-8 string.", _l("Not valid UTF-8 text.")),
    "schema.boolean": ("Not a valid boolean.", _l("Not a valid yes/no value.")),
    "schema.date": ("Not a valid date.", _l("Not a valid date.")),
    "schema.datetime": ("Not a valid datetime.", _l("Not a valid date and time.")),
    "schema.time": ("Not a valid time.", _l("Not a valid time.")),
    "schema.list": ("Not a valid list.", _l("Not a valid list.")),
    "schema.mapping": ("Not a valid mapping type.", _l("Not a valid set of named values.")),
    "schema.email": ("Not a valid email address.", _l("Not a valid e-mail address.")),
    "schema.url": ("Not a valid URL.", _l("Not a valid web address.")),
    "schema.uuid": ("Not a valid UUID.", _l("Not a valid UUID.")),
    "schema.pattern": ("String does not match expected pattern.", _l("Not in the expected format.")),
    "schema.one_of": ("Must be one of: {choices}.", _l("Must be one of: %(choices)s.")),
    "schema.equal": ("Must be equal to {other}.", _l("Must be %(other)s.")),
    "schema.length_min": ("Shorter than minimum length {min}.", _l("At least %(min)s characters.")),
    "schema.length_max": ("Longer than maximum length {max}.", _l("At most %(max)s characters.")),
    "schema.length_between": ("Length must be between {min} and {max}.", _l("From %(min)s to %(max)s characters.")),
    "schema.length_equal": ("Length must be {equal}.", _l("Exactly %(equal)s characters.")),
    "schema.at_least": ("Must be greater than or equal to {min}.", _l("At least %(min)s.")),
    "schema.more_than": ("Must be greater than {min}.", _l("More than %(min)s.")),
    "schema.at_most": ("Must be less than or equal to {max}.", _l("At most %(max)s.")),
    "schema.less_than": ("Must be less than {max}.", _l("Less than %(max)s.")),
    "schema.between": ("Must be greater than or equal to {min} and less than or equal to {max}.",
                       _l("From %(min)s to %(max)s.")),
    "schema.between_exclusive": ("Must be greater than {min} and less than {max}.",
                                 _l("More than %(min)s and less than %(max)s.")),
    "schema.between_min_exclusive": ("Must be greater than {min} and less than or equal to {max}.",
                                     _l("More than %(min)s and at most %(max)s.")),
    "schema.between_max_exclusive": ("Must be greater than or equal to {min} and less than {max}.",
                                     _l("At least %(min)s and less than %(max)s.")),
}
messages.register({code: template for code, (_text, template) in SCHEMA_MESSAGES.items()})


def _pattern(text: str) -> re.Pattern:
    parts = re.split(r"\{(\w+)\}", text)
    # Even parts are literal text, odd parts are parameter names.
    return re.compile("".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts))
                      + r"\Z", re.DOTALL)


# Longest first: "Must be greater than or equal to {min}." would also match the text of a range with a maximum.
_PATTERNS = [(code, _pattern(text)) for code, (text, _template)
             in sorted(SCHEMA_MESSAGES.items(), key=lambda item: -len(item[1][0]))]


def code_of(message: str) -> tuple[str, dict] | None:
    """The code and parameters of one of marshmallow's built-in messages, or None for any other message."""
    for code, pattern in _PATTERNS:
        match = pattern.match(message)
        if match:
            return code, match.groupdict()
    return None


def translate(message: str) -> str:
    """`message` in the reader's language if it is one of marshmallow's own; otherwise unchanged."""
    coded = code_of(message)
    return messages.render(*coded) if coded else message


def translate_errors(errors: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """A flat `{field: [message, ...]}` (errors.json_paths) with every built-in message translated."""
    return {field: [translate(str(message)) for message in reasons] for field, reasons in errors.items()}
