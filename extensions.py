"""Flask extensions shared by every app instance; each is bound in create_app with init_app."""

from __future__ import annotations

from flask import has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, whose cookie is Secure whenever it is served over HTTPS.

    SESSION_COOKIE_SECURE (on in production) covers a known deployment; this covers any other one reached
    over HTTPS, directly or through a trusted proxy (app.register_proxy).
    """

    def get_cookie_secure(self, app) -> bool:
        return super().get_cookie_secure(app) or (has_request_context() and request.is_secure)
