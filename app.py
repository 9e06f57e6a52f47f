"""The application factory: settings, extensions, blueprints, API, error handlers and CLI, in that order."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

from flask import Flask, g, jsonify, render_template, request, session
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from db import Database, make_engine
from errors import DomainError, json_paths
from extensions import SessionInterface, babel, csrf, login_manager
from json_provider import OrjsonProvider
from settings import Settings

# Domain errors carry their own status; these name the HTTP statuses of everything else.
ERROR_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
               422: "validation_error", 429: "rate_limited", 500: "internal_error", 503: "unavailable"}


MAX_ROW_ID = 2**31 - 1  # PostgreSQL's INTEGER


def create_app(settings: Settings | Mapping | None = None, *, database: Database | None = None) -> Flask:
    if settings is None:
        settings = Settings.from_env()
    elif isinstance(settings, Mapping):
        settings = Settings.from_env(**settings)
    app = Flask(__name__, instance_path=str(settings.instance_dir))
    app.json = OrjsonProvider(app)
    app.config.from_mapping(settings.flask_config())
    app.extensions["settings"] = settings
    register_proxy(app, settings)
    register_logging(app, settings)
    register_database(app, settings, database)
    register_tasks(app, settings)
    register_extensions(app, settings)
    register_url_converters(app)
    register_blueprints(app)
    api = register_api(app)
    register_rate_limits(app, settings)
    register_input_guards(app)
    register_error_handlers(app)
    register_cli(app)
    register_shell_context(app)
    app.extensions["api"] = api
    return app


def register_proxy(app: Flask, settings: Settings) -> None:
    """Believe X-Forwarded-For/-Proto/-Host/-Port from exactly the configured number of proxies, and no more.

    Each trusted proxy appends one address; trusting more hops than there are proxies would let a client name
    its own address (and escape its rate limit) or claim https.
    """
    hops = settings.trusted_proxy_hops
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)


def register_logging(app: Flask, settings: Settings) -> None:
    from request_log import init_request_log

    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(message)s")
    init_request_log(app, enabled=settings.log_requests)


def register_database(app: Flask, settings: Settings, database: Database | None) -> None:
    (database or Database(make_engine(settings.database_url))).init_app(app)


def select_locale() -> str:
    from core.views import LANG_COOKIE, LANGUAGES

    chosen = request.cookies.get(LANG_COOKIE)
    return chosen if chosen in LANGUAGES else "zh_CN"


def register_extensions(app: Flask, settings: Settings) -> None:
    app.session_interface = SessionInterface()
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: settings.default_timezone)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    import accounts.access  # noqa: F401  (registers the user loader)

    @app.context_processor
    def _template_globals():
        from core.views import LANGUAGES

        # The UI speaks of "zh_CN"; Babel's canonical name for it (and the catalog folder) is zh_Hans_CN.
        return {"current_locale": select_locale(), "languages": LANGUAGES}

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'",
        )
        return response

    @app.after_request
    def _no_store_for_members(response):
        # What a signed-in member or an API key sees (dashboards, a new key's secret, attendee answers) must not
        # stay in a shared browser's or a proxy's cache.
        if request.endpoint != "static" and (session.get("_user_id") or "Authorization" in request.headers):
            response.headers["Cache-Control"] = "no-store"
        return response


class RowIdConverter(IntegerConverter):
    """`<int:...>` in every route: a row id, at most the largest integer a database column holds.

    Without the bound, /events/99999999999999999999 reached the database, which refused it with a 500.
    """

    def __init__(self, url_map, fixed_digits: int = 0, min: int | None = 1, max: int | None = MAX_ROW_ID,  # noqa: A002
                 signed: bool = False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def register_tasks(app: Flask, settings: Settings) -> None:
    import tasks

    tasks.configure(settings, app.extensions["db"])


def register_url_converters(app: Flask) -> None:
    from certificates.schemas import NumberConverter

    app.url_map.converters["int"] = RowIdConverter
    app.url_map.converters["certificate_number"] = NumberConverter


def register_blueprints(app: Flask) -> None:
    from accounts.views import bp as accounts_bp
    from certificates.views import bp as certificates_bp
    from citizens.views import bp as citizens_bp
    from core.views import bp as core_bp
    from factorsets.views import bp as factorsets_bp
    from footprints.views import bp as footprints_bp
    from inventory.views import bp as inventory_bp
    from jobs.views import bp as jobs_bp
    from ledger.log_views import bp as ledger_log_bp
    from ledger.views import bp as ledger_bp
    from meetings.attendee import bp as attendee_bp
    from meetings.views import bp as meetings_bp
    from sinks.views import bp as sinks_bp

    for blueprint in (core_bp, accounts_bp, factorsets_bp, footprints_bp, meetings_bp, attendee_bp, ledger_bp,
                      ledger_log_bp, certificates_bp, jobs_bp, sinks_bp, inventory_bp, citizens_bp):
        app.register_blueprint(blueprint)


def register_api(app: Flask):
    from api import make_api
    from api.accounts import blp as accounts_api
    from api.certificates import blp as certificates_api
    from api.docs import bp as docs_bp
    from api.factors import blp as factors_api
    from api.footprints import blp as footprints_api
    from api.inventory import blp as inventory_api
    from api.ledger import blp as ledger_api
    from api.ledger_proofs import blp as ledger_proofs_api
    from api.meetings import blp as meetings_api
    from api.sinks import blp as sinks_api

    api = make_api()
    api.init_app(app)
    api.spec.components.security_scheme("ApiKeyAuth", {"type": "http", "scheme": "bearer"})
    from certificates.schemas import NumberConverter, number_parameter

    api.register_converter(NumberConverter, number_parameter)
    for blueprint in (factors_api, footprints_api, accounts_api, meetings_api, ledger_api, ledger_proofs_api,
                      certificates_api, sinks_api, inventory_api):
        api.register_blueprint(blueprint)
        # The API authenticates with API keys, never with the session cookie, so CSRF does not apply.
        csrf.exempt(blueprint)
    app.register_blueprint(docs_bp)
    return api


# Public endpoints and their limits; keyed by endpoint so that every app instance applies its own Limiter.
def _rate_limited_endpoints(settings: Settings) -> dict[str, str]:
    return {
        "accounts.login": settings.login_rate_limit,
        "citizens.signup": settings.login_rate_limit,
        "api_factors.Factors": settings.public_rate_limit,
        "api_footprints.PersonalFootprint": settings.public_rate_limit,
        "api_footprints.EventFootprint": settings.public_rate_limit,
        "api_footprints.EnterpriseFootprint": settings.public_rate_limit,
        "api_footprints.LifestyleFootprint": settings.public_rate_limit,
        "factorsets.browse": settings.public_rate_limit,
        "footprints.calculator": settings.public_rate_limit,
        "attendee.places": settings.public_rate_limit,
        "ledger.index": settings.public_rate_limit,
        "ledger.retirements_csv": settings.public_rate_limit,
        "ledger.retirement": settings.public_rate_limit,
        "ledger.search": settings.public_rate_limit,
        "ledger.project": settings.public_rate_limit,
        "api_ledger.Projects": settings.public_rate_limit,
        "api_ledger.ProjectDetail": settings.public_rate_limit,
        "api_ledger.Retirements": settings.public_rate_limit,
        "api_ledger.RetirementDetail": settings.public_rate_limit,
        "ledger_log.checkpoint": settings.public_rate_limit,
        "ledger_log.key": settings.public_rate_limit,
        "api_ledger_proofs.InclusionProof": settings.public_rate_limit,
        "api_ledger_proofs.ConsistencyProof": settings.public_rate_limit,
        "api_ledger_proofs.LogEntry": settings.public_rate_limit,
        "certificates.verify": settings.public_rate_limit,
        "certificates.pdf": settings.public_rate_limit,
        "certificates.annex_pdf": settings.public_rate_limit,
        "certificates.credential_json": settings.public_rate_limit,
        "certificates.key": settings.public_rate_limit,
        "certificates.key_json": settings.public_rate_limit,
        "certificates.attendee_neutralise": settings.public_rate_limit,
        "certificates.citizen_keep": settings.public_rate_limit,
        "certificates.citizen": settings.public_rate_limit,
        "api_certificates.Certificate": settings.public_rate_limit,
        "api_sinks.SinkEstimate": settings.public_rate_limit,
        "sinks.estimator": settings.public_rate_limit,
    }


def register_rate_limits(app: Flask, settings: Settings) -> None:
    import ratelimit_storage  # noqa: F401  (registers the tanzhong+sqlite:// storage of settings' default)

    limiter = Limiter(key_func=get_remote_address, key_prefix=app.config.get("RATELIMIT_KEY_PREFIX", "tanzhong"),
                      headers_enabled=True)
    limiter.init_app(app)
    app.extensions["tanzhong_limiter"] = limiter
    if not settings.ratelimit_enabled:
        return
    for endpoint, limit in _rate_limited_endpoints(settings).items():
        view = app.view_functions[endpoint]
        # Only form submissions count toward the login limit; reading the page is free.
        methods = ["POST"] if endpoint in ("accounts.login", "citizens.signup") else None
        app.view_functions[endpoint] = limiter.limit(limit, methods=methods)(view)
    # Attendee submissions, per IP and per event (meetings/attendee.py says why those numbers).
    from meetings.attendee import rate_limits as attendee_rate_limits

    for endpoint, limit, key_func in attendee_rate_limits():
        view = app.view_functions[endpoint]
        app.view_functions[endpoint] = limiter.limit(limit, key_func=key_func, methods=["POST"])(view)


def _wants_json() -> bool:
    # A job's progress (/jobs/<token>) is polled by scripts; its download is a file, its errors pages.
    is_job_progress = request.path.startswith("/jobs/") and request.path.count("/") == 2
    return request.path.startswith("/api/") or request.path == "/healthz" or is_job_progress


def error_response(status: int, code: str, message: str, fields: dict | None = None):
    if _wants_json():
        return jsonify(error={"code": code, "message": message, "fields": fields or {}}), status
    return render_template("errors/error.html", status=status, code=code, message=message,
                           fields=fields or {}), status


_NUL_IN_JSON = re.compile(rb"\x00|\\u0000", re.IGNORECASE)


def register_input_guards(app: Flask) -> None:
    """Refuse U+0000 anywhere in a request: PostgreSQL cannot store it, so it must never reach a query."""

    @app.before_request
    def _refuse_nul():
        bad = [name for name, value in request.args.items(multi=True) if "\x00" in name or "\x00" in value]
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            bad += [name for name, value in request.form.items(multi=True) if "\x00" in name or "\x00" in value]
        elif request.content_length and request.is_json and _NUL_IN_JSON.search(request.get_data(cache=True)):
            bad.append("json")
        if bad:
            return error_response(400, "bad_request", "the NUL character (U+0000) is not accepted",
                                  {name: ["contains U+0000"] for name in bad})
        return None


def register_error_handlers(app: Flask) -> None:
    from db import get_session

    def _rollback() -> None:
        if "db_session" in g:
            get_session().rollback()

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError):
        _rollback()
        return error_response(error.status, error.code, error.message, error.fields)

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError):
        return error_response(400, "csrf_failed", error.description)

    @app.errorhandler(RateLimitExceeded)
    def _rate_limited(error: RateLimitExceeded):
        response, status = error_response(429, "rate_limited", f"too many requests: limit is {error.description}")
        response = app.make_response((response, status))
        retry_after = getattr(error, "retry_after", None)
        if retry_after:
            response.headers["Retry-After"] = str(retry_after)
        return response

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        _rollback()
        data = getattr(error, "data", None) or {}
        fields = json_paths(data.get("messages") or data.get("errors") or {})
        message = data.get("message") or error.description or error.name
        if fields and error.code == 422:
            first = next(iter(fields))
            message = f"invalid input: {first}: {fields[first][0]}"
        response = app.make_response(
            error_response(error.code or 500, ERROR_CODES.get(error.code, "error"), message, fields))
        # A 405 names the methods that are allowed (RFC 9110 15.5.6); werkzeug knows them.
        if getattr(error, "valid_methods", None):
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        _rollback()
        app.logger.exception("unhandled error", exc_info=error)
        return error_response(500, "internal_error", "an unexpected error occurred; it has been logged")


def register_cli(app: Flask) -> None:
    from accounts.cli import keys_cli, orgs_cli, users_cli
    from certificates.cli import certificates_cli
    from demo import demo_cli
    from factorsets.cli import factors_cli
    from ledger.cli import ledger_cli
    from sinks.cli import sinks_cli

    for group in (orgs_cli, users_cli, keys_cli, factors_cli, demo_cli, ledger_cli, certificates_cli, sinks_cli):
        app.cli.add_command(group)


def register_shell_context(app: Flask) -> None:
    @app.shell_context_processor
    def _context():
        from db import get_session

        return {"session": get_session()}
