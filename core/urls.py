"""The service's own addresses: its public base URL, and where a `next` parameter may send a browser."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import current_app, request

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


def public_base_url() -> str:
    """The address printed in QR codes, posters and API links, ending in "/".

    It is PUBLIC_BASE_URL (required in production), never the request's Host header, which any client sets:
    only a development server without the setting falls back to the address it was reached at.
    """
    configured = current_app.config.get("PUBLIC_BASE_URL")
    return f"{configured.rstrip('/')}/" if configured else request.host_url


def same_origin() -> bool:
    """False only when the browser names another site as a post's source. Privacy settings and some in-app
    browsers send neither Origin nor Referer (or "null"): a form signed for its target is the check then."""
    source = request.headers.get("Origin")
    if not source or source == "null":
        source = request.headers.get("Referer")
    if not source or source == "null":
        return True
    return urlsplit(source).netloc.lower() == request.host.lower()
