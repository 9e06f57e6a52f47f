"""Organisation logos for certificates: PNG or JPEG, at most 1 MB, checked by their magic bytes and by Pillow."""

from __future__ import annotations

import io

from PIL import Image, UnidentifiedImageError
from sqlmodel import Session

from certificates.models import OrganisationLogo
from db import transaction, utcnow
from errors import ValidationError

MAX_LOGO_BYTES = 1024 * 1024
MAX_LOGO_PIXELS = 4096  # on either side; a certificate prints the logo a few centimetres wide
MAGIC = {b"\x89PNG\r\n\x1a\n": ("image/png", "PNG"), b"\xff\xd8\xff": ("image/jpeg", "JPEG")}


def _refuse(code: str, reason: str) -> ValidationError:
    """A refusal whose code (certificates.messages) the page words in the reader's language."""
    return ValidationError(f"logo: {reason}", fields={"logo": [reason]}, code=code)


def checked_logo(data: bytes) -> str:
    """The content type of `data` when it is a readable PNG or JPEG of at most 1 MB; else ValidationError."""
    if not data:
        raise _refuse("logo.empty", "the file is empty")
    if len(data) > MAX_LOGO_BYTES:
        raise _refuse("logo.too_large", f"{len(data)} bytes is more than {MAX_LOGO_BYTES} (1 MB)")
    found = next((kind for magic, kind in MAGIC.items() if data.startswith(magic)), None)
    if found is None:
        raise _refuse("logo.not_png_or_jpeg", "only PNG and JPEG images are accepted")
    content_type, pillow_format = found
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            actual, (width, height) = image.format, image.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _refuse("logo.unreadable", "the image cannot be read") from None
    if actual != pillow_format:
        raise _refuse("logo.unreadable", f"the file starts like {pillow_format} but is {actual}")
    if max(width, height) > MAX_LOGO_PIXELS:
        raise _refuse("logo.too_many_pixels", f"{width}×{height} pixels is larger than {MAX_LOGO_PIXELS} on a side")
    return content_type


def save_logo(*, session: Session, organisation_id: int, data: bytes) -> OrganisationLogo:
    content_type = checked_logo(data)
    with transaction(session):
        logo = session.get(OrganisationLogo, organisation_id) or OrganisationLogo(organisation_id=organisation_id,
                                                                                  content_type=content_type,
                                                                                  size_bytes=len(data), data=data)
        logo.content_type, logo.size_bytes, logo.data, logo.updated_at = content_type, len(data), data, utcnow()
        session.add(logo)
    return logo


def logo_of(session: Session, organisation_id: int | None) -> OrganisationLogo | None:
    return session.get(OrganisationLogo, organisation_id) if organisation_id else None
