"""Coded messages: pure code says what happened as a code plus parameters; pages and the API render it here.

Each feature keeps its own table of `code → lazy_gettext(template)` and registers it once at import time
(`register({...})`), so one code has one wording in every language. A template uses `%(name)s` placeholders;
`Decimal` parameters are written with the page's locale.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from flask_babel import format_decimal, get_locale

_MESSAGES: dict[str, object] = {}


class DuplicateMessage(RuntimeError):
    """Two features registered the same code with different wordings."""


def register(messages: Mapping[str, object]) -> None:
    """Add a feature's coded messages; a code may be registered twice only with the same template."""
    for code, template in messages.items():
        known = _MESSAGES.get(code)
        if known is not None and known is not template and str(known) != str(template):
            raise DuplicateMessage(f"message code {code!r} is registered twice with different wordings")
        _MESSAGES[code] = template


def is_known(code: str) -> bool:
    return code in _MESSAGES


def registered() -> list[str]:
    """Every registered code, for the test that renders each in every language."""
    return sorted(_MESSAGES)


def template(code: str) -> object:
    """The (lazy) template of `code`; KeyError if no feature registered it."""
    return _MESSAGES[code]


def _param(value: object) -> object:
    if isinstance(value, Decimal):
        return format_decimal(value, format="#,##0.###")
    chinese = str(get_locale() or "").startswith("zh")
    if isinstance(value, list | tuple):
        return ("、" if chinese else ", ").join(str(_param(item)) for item in value)
    if isinstance(value, str) and hasattr(value, "code"):  # a coded message inside a message (a cabin's name)
        return render_text(value)
    if isinstance(value, str) and hasattr(value, "zh"):  # a name that knows its Chinese form (calculators.Name)
        return value.zh if chinese else str(value)
    return value


def render_text(text: object) -> str:
    """A message that may carry a code and params (calculators.footprint.Message) in the current locale.

    Plain text, such as a stored snapshot's note written before it had a code, is returned as it is.
    """
    code = getattr(text, "code", None)
    if code is None:
        return str(text)
    return render(code, getattr(text, "params", None), fallback=str(text))


def render(code: str, params: Mapping | None = None, fallback: str | None = None) -> str:
    """The message of `code` in the current locale; `fallback` (or the code) when no table has it."""
    template = _MESSAGES.get(code)
    if template is None:
        return fallback if fallback is not None else code
    values = {key: _param(value) for key, value in (params or {}).items()}
    try:
        return str(template) % values
    except (KeyError, TypeError, ValueError):
        # A template that names a parameter the caller did not pass is a programming error; say the code.
        return fallback if fallback is not None else code
