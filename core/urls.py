"""Where a `next` parameter may send a browser: only a path on this site."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Control characters (CR/LF would split the Location header) and backslashes (browsers read "/\host" as
# "//host") have no place in a path of ours.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\\]")


def local_path(target: str | None) -> str | None:
    """`target` when it is a path on this site, else None: an open redirect would let a phishing link borrow
    our pages."""
    if not target or not target.startswith("/") or target.startswith("//") or _UNSAFE.search(target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None
