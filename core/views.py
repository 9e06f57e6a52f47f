"""Home page, the language switch, /healthz, and the helpers the error pages are rendered with."""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from sqlalchemy import text

import core.schema_messages  # noqa: F401  (registers marshmallow's messages, so every page can render them)
from core.display import kg_filter
from core.error_pages import error_links, error_page
from core.units import factor_unit_label, unit_label
from core.urls import local_path
from db import get_session

bp = Blueprint("core", __name__)
# templates/errors/error.html asks these what to say and where to lead.
bp.add_app_template_global(error_page)
bp.add_app_template_global(error_links)
bp.add_app_template_filter(kg_filter, "kg")
bp.add_app_template_filter(unit_label, "unit")
bp.add_app_template_filter(factor_unit_label, "factor_unit")
LANGUAGES = {"zh_CN": "中文", "en": "English"}
LANG_COOKIE = "lang"
log = logging.getLogger(__name__)


@bp.get("/")
def index():
    return render_template("core/index.html")


@bp.get("/lang/<code>")
def set_language(code: str):
    response = redirect(local_path(request.args.get("next")) or url_for("core.index"))
    if code in LANGUAGES:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


@bp.get("/healthz")
def healthz():
    try:
        get_session().exec(text("SELECT 1")).one()
    except Exception:  # any failure to reach the database means "not ready"
        log.exception("health check: database unreachable")
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
