"""API-key authentication: `Authorization: Bearer tzk_...` names the organisation of a request."""

from __future__ import annotations

from functools import wraps

from flask import g, request

from accounts import service as accounts
from db import get_session
from errors import AuthenticationFailed

SECURITY = [{"ApiKeyAuth": []}]
SECURITY_SCHEME = {"type": "http", "scheme": "bearer", "description": "An organisation API key (tzk_...)"}


# Reading needs any key; every other method changes something and needs an organiser key.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _authenticate(header: str):
    """The key and organisation of an `Authorization: Bearer tzk_...` header, or AuthenticationFailed."""
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret:
        raise AuthenticationFailed("send an organisation API key as 'Authorization: Bearer tzk_...'")
    right = "read" if request.method in READ_METHODS else "organise"
    return accounts.authenticate_api_key(session=get_session(), secret=secret, right=right)


def api_key_required(view):
    """Resolve the presented key to its organisation and put it on `g.api_organisation`."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.api_key, g.api_organisation = _authenticate(request.headers.get("Authorization", ""))
        return view(*args, **kwargs)

    return wrapper


def api_key_optional(view):
    """Where anyone may call and a key may open more (a personal certificate for its organisation): a key
    presented names its organisation on `g.api_organisation` and is checked all the same, so a bad one is refused
    (401) whatever is asked; without one `g.api_organisation` is None."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        g.api_key, g.api_organisation = _authenticate(header) if header else (None, None)
        return view(*args, **kwargs)

    return wrapper
