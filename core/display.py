"""Numbers as pages show them, shared by every blueprint (a blueprint never imports another one's helpers)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_decimal
from flask_babel import get_locale


def kg_text(value: Decimal, places: int = 1) -> str:
    """kg rounded for reading (half up), grouped by the reader's locale."""
    step = Decimal(1).scaleb(-places)
    rounded = value.quantize(step, rounding=ROUND_HALF_UP)
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(rounded, format=pattern, locale=str(get_locale() or "zh_CN"))


def kg_filter(value, places: int = 1) -> str:
    """The `kg` filter of every template: kg_text of any number a template holds (Decimal, str or int)."""
    return kg_text(Decimal(value), places)
