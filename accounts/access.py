"""Who is signed in and in which organisation: the session user, the organisation guard and the platform admin
guard for pages."""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import wraps

from flask import current_app, g, session
from flask_login import UserMixin, current_user, login_user

from accounts import service
from accounts.models import Role
from db import get_session, utcnow
from errors import NotFound, PermissionDenied
from extensions import login_manager
from ledger import queries as ledger_queries

ORG_SESSION_KEY = "org_id"
SESSION_VERSION_KEY = "session_version"
SIGNED_IN_AT_KEY = "signed_in_at"


@dataclass
class SessionUser(UserMixin):
    id: int
    email: str
    display_name: str


@login_manager.user_loader
def _load_user(user_id: str) -> SessionUser | None:
    if not user_id.isdigit():
        return None
    user = service.session_user(session=get_session(), user_id=int(user_id),
                                session_version=session.get(SESSION_VERSION_KEY),
                                signed_in_at=session.get(SIGNED_IN_AT_KEY), now=utcnow(),
                                lifetime=current_app.permanent_session_lifetime)
    if user is None:
        # Signed out elsewhere, expired or forged: forget it, so that the browser gets a clean cookie back.
        session.clear()
        return None
    return SessionUser(user.id, user.email, user.display_name)


def sign_in(user) -> None:
    """Start a new browser session for `user`: nothing the browser held before is carried over."""
    session.clear()
    session.permanent = True  # the cookie ends with the session's absolute lifetime
    login_user(SessionUser(user.id, user.email, user.display_name))
    session[SESSION_VERSION_KEY] = user.session_version
    session[SIGNED_IN_AT_KEY] = int(time.time())


def organisation_required(right: str = "read"):
    """Require a signed-in member of the session's organisation with `right`; sets g.organisation and g.role."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            db_session = get_session()
            memberships = service.memberships_of(session=db_session, user_id=current_user.id)
            if not memberships:
                raise NotFound("you are not a member of any organisation")
            chosen = session.get(ORG_SESSION_KEY)
            membership, organisation = next(
                ((m, o) for m, o in memberships if o.id == chosen), memberships[0]
            )
            session[ORG_SESSION_KEY] = organisation.id
            service.require_right(membership.role, right)
            g.organisation = organisation
            g.role = membership.role
            g.memberships = memberships
            return view(*args, **kwargs)

        return wrapper

    return decorator


def is_admin() -> bool:
    return getattr(g, "role", None) == Role.admin


def is_platform_admin() -> bool:
    """Signed in as an admin of the platform organisation (settings.PLATFORM_ORG_SLUG), who alone writes to the
    ledger and revokes certificates."""
    return current_user.is_authenticated and ledger_queries.is_platform_admin(
        get_session(), user_id=current_user.id, slug=current_app.extensions["settings"].platform_org_slug)


def platform_admin_required(task: str):
    """Require a signed-in admin of the platform organisation; anyone else signed in is refused (403) with "only
    admins of the platform organisation <task>"."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not is_platform_admin():
                raise PermissionDenied(f"only admins of the platform organisation {task}")
            return view(*args, **kwargs)

        return wrapper

    return decorator
