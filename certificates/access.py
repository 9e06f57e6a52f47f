"""Who may read a certificate by its number: meeting and enterprise certificates are public claims, a personal one
names a person and needs its access key.

Numbers are sequential, so anyone could walk through them. A personal certificate gets an unguessable key when it
is issued; its verify URL (signed into the credential, so printed in its QR code) carries the key as `?k=`, and its
public pages answer a missing or wrong key exactly as they answer a number never issued (`status.find_public`).
Certificates without a key (meetings, enterprises, personal ones issued before keys existed) stay public by
number. Light on imports: the batch's rendering processes load it.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

ACCESS_KEY_PARAMETER = "k"  # the query parameter that carries the key
ACCESS_KEY_BYTES = 32  # 43 URL-safe characters, 256 bits
ACCESS_KEY_LENGTH = 43


def new_access_key() -> str:
    """A fresh, unguessable key for a personal certificate."""
    return secrets.token_urlsafe(ACCESS_KEY_BYTES)


def verify_url(base_url: str, number: str, access_key: str | None = None) -> str:
    """The public verification page of a certificate: `<base>/verify/<number>`, with `?k=<key>` when it has one."""
    url = f"{base_url.rstrip('/')}/verify/{number}"
    return f"{url}?{urlencode({ACCESS_KEY_PARAMETER: access_key})}" if access_key else url


def url_kwargs(number: str, access_key: str | None) -> dict[str, str]:
    """The arguments of `url_for` for a certificate's public pages: its number, and its key if it has one."""
    return {"number": number, ACCESS_KEY_PARAMETER: access_key} if access_key else {"number": number}


def qr_url(credential: Mapping[str, Any], base_url: str, *, number: str = "") -> str:
    """Where a certificate's QR code leads: the verify URL signed into its credential (with its key, if any), else
    the public address of its number (the credential's, or `number` for one that states none)."""
    subject = credential.get("credentialSubject") if isinstance(credential, Mapping) else None
    subject = subject if isinstance(subject, Mapping) else {}
    signed = subject.get("verify_url")
    if isinstance(signed, str) and signed:
        return signed
    return verify_url(base_url, str(subject.get("number") or number))


def may_read(access_key: str | None, given_key: str | None) -> bool:
    """Whether the key given (a query parameter, perhaps missing) opens a certificate whose key is `access_key`
    (None: public by number). Compared in constant time."""
    if access_key is None:
        return True
    if not given_key:
        return False
    return hmac.compare_digest(given_key.encode(), access_key.encode())
