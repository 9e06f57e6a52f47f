"""Home page, the language switch and /healthz."""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from sqlalchemy import text

from core.urls import local_path
from db import get_session

bp = Blueprint("core", __name__)
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
