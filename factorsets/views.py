"""The factor browser: every published emission factor, searchable, with its source on each row."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from db import get_session
from errors import ValidationError
from factors import DEFAULT_VERSION
from factors.display import printed_value
from factorsets import service

bp = Blueprint("factorsets", __name__)
PAGE_SIZE = 50


@bp.app_template_filter("factor_value")
def factor_value_filter(value) -> str:
    """A factor value as its source printed it (never a binary-float artefact)."""
    return printed_value(value)


@bp.get("/factors")
def browse():
    db_session = get_session()
    args = request.args
    q = args.get("q", "").strip()[:100]
    category = args.get("category", "").strip()[:32]
    raw_page = args.get("page", "1")
    if not raw_page.isdigit() or not 1 <= int(raw_page) <= 10_000:
        raise ValidationError(f"page '{raw_page[:20]}' is not a page number", fields={"page": ["1 or more"]})
    page = int(raw_page)
    version = service.resolve_version(session=db_session, version=args.get("version") or None,
                                      default=DEFAULT_VERSION)
    result = service.search_factors(session=db_session, version=version, category=category or None, q=q or None,
                                    limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return render_template(
        "factorsets/browse.html", result=result, q=q, category=category, page=page, page_size=PAGE_SIZE,
        categories=service.categories(session=db_session, version=version),
        versions=service.published_versions(session=db_session),
    )
