"""The 碳普惠 points' coded messages, worded for pages in every language (see core.messages)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.messages import register

MESSAGES = {
    "points.impossible_day": _l("%(value)s is not a possible day (0 to %(max)s)"),
    "points.bad_csv_line": _l("line %(line)s: expected a date (2025-03-01) and a whole number of steps"),
    "points.impossible_steps": _l("line %(line)s: %(value)s steps is not a possible day (0 to %(max)s)"),
    "points.csv.too_large": _l("the file is larger than %(max)s kB"),
    "points.csv.too_many_rows": _l("more than %(max)s rows"),
    "points.csv.not_a_date": _l("not a date (2025-03-01)"),
    "points.csv.not_a_count": _l("not a whole number of steps"),
    "points.csv.impossible_steps": _l("more than %(max)s steps is not a possible day"),
    "points.csv.empty": _l("no rows of date and steps"),
    "points.input.date": _l("not a date (2025-03-01)"),
    "points.csv.not_utf8": _l("not a UTF-8 text file"),
}
register(MESSAGES)
