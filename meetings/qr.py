"""QR codes of an event's public link and of its badge codes, as PNG bytes and as compact SVG."""

from __future__ import annotations

import io
from xml.sax.saxutils import quoteattr

import qrcode
from qrcode.constants import ERROR_CORRECT_M

# Medium error correction survives a smudged or partly covered poster and keeps the code coarse enough
# to scan from a few metres.
ERROR_CORRECTION = ERROR_CORRECT_M
QUIET_ZONE = 4  # modules of white around the code, as ISO/IEC 18004 asks


def event_link(base_url: str, token: str) -> str:
    """The absolute public link that an event's QR code carries: <base>/m/<token>."""
    return f"{base_url.rstrip('/')}/m/{token}"


def badge_link(base_url: str, code: str) -> str:
    """The absolute link of one badge: <base>/m/b/<code>; it names its event, so rotating a link spares it."""
    return f"{base_url.rstrip('/')}/m/b/{code}"


def _matrix(data: str, mask_pattern: int | None = None) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=ERROR_CORRECTION, border=QUIET_ZONE, mask_pattern=mask_pattern)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix()


def qr_png(data: str, *, box_size: int = 10) -> bytes:
    """A PNG of the QR code, `box_size` pixels per module (10 gives about 410 px for an event link)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECTION, border=QUIET_ZONE, box_size=box_size)
    code.add_data(data)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()


def svg_path(data: str, *, mask_pattern: int | None = None) -> tuple[int, str]:
    """The size in modules and one path drawing every dark run of each row (several times smaller than a
    rectangle per module, which matters on a sheet of hundreds of badges). `mask_pattern` (0-7) fixes the
    mask instead of scoring all eight, which is most of the time spent."""
    matrix = _matrix(data, mask_pattern)
    parts: list[str] = []
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                parts.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return len(matrix), "".join(parts)


def qr_svg_element(data: str, *, title: str = "", css_class: str = "qr") -> str:
    """An inline <svg> element that scales to its box (no fixed size), for pages and print sheets."""
    size, path = svg_path(data)
    label = f"<title>{_escape(title)}</title>" if title else ""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" class={quoteattr(css_class)} '
            f'role="img" shape-rendering="crispEdges">{label}'
            f'<rect width="{size}" height="{size}" fill="#fff"/><path d="{path}" fill="#000"/></svg>')


def qr_svg(data: str, *, module_mm: float = 1.0, mask_pattern: int | None = None) -> bytes:
    """A standalone SVG document, `module_mm` millimetres per module, for print shops and design tools."""
    size, path = svg_path(data, mask_pattern=mask_pattern)
    side = f"{size * module_mm:g}mm"
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{side}" height="{side}" '
            f'viewBox="0 0 {size} {size}" shape-rendering="crispEdges">'
            f'<rect width="{size}" height="{size}" fill="#fff"/><path d="{path}" fill="#000"/></svg>\n').encode()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
