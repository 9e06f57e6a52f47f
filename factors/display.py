"""How a factor value is shown: as its source printed it, never as a binary-float artefact."""

from __future__ import annotations

from decimal import Decimal

# No publication prints 16 significant digits; a value that has them is a binary float written out in full
# (59.599999999999994 for 59.6), the artefact of a compiler that summed floats.
FLOAT_ARTEFACT_DIGITS = 16
_SHOWN_DIGITS = 15  # what a binary float holds reliably


def is_float_artefact(value: Decimal) -> bool:
    return len(value.as_tuple().digits) >= FLOAT_ARTEFACT_DIGITS


def printed_value(value: Decimal) -> str:
    """The value as printed: unchanged, or a float artefact at the precision its digits really carry.

    Only the shown text changes; the stored value stays exact and traceable in the published CSV.
    """
    if not is_float_artefact(value):
        return str(value)
    shown = Decimal(f"{value:.{_SHOWN_DIGITS}g}")
    text = format(shown.normalize(), "f")
    # One decimal kept where the stored value had a fraction, as the source's one-decimal charts print it (6.0).
    return text if "." in text or value == value.to_integral_value() else f"{text}.0"
