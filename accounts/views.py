"""Pages to sign in and out and to see one's organisation, its members and its API keys."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from accounts import service
from accounts.access import (
    ORG_SESSION_KEY,
    is_admin,
    organisation_required,
    sign_in,
)
from accounts.forms import API_KEY_ROLE_LABELS, ApiKeyForm, ConfirmForm, LoginForm
from core.urls import local_path
from db import get_session
from errors import AuthenticationFailed, PermissionDenied

bp = Blueprint("accounts", __name__)


def _safe_next(target: str | None) -> str:
    return local_path(target) or url_for("core.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = local_path(request.args.get("next")) or ""
    status = 200
    if form.validate_on_submit():
        try:
            user = service.authenticate(session=get_session(), email=form.email.data, password=form.password.data)
        except AuthenticationFailed:
            form.password.errors.append(_("Wrong login or password."))
            status = 401
        else:
            sign_in(user)
            memberships = service.memberships_of(session=get_session(), user_id=user.id)
            if memberships:
                session[ORG_SESSION_KEY] = memberships[0][1].id
            elif not local_path(form.next.data) and service.is_citizen(session=get_session(), user_id=user.id):
                return redirect(url_for("citizens.dashboard"))
            return redirect(_safe_next(form.next.data))
    elif request.method == "POST":
        status = 422
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
def logout():
    form = ConfirmForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            service.end_sessions(session=get_session(), user_id=current_user.id)
        logout_user()
        session.clear()
        flash(_("You are signed out."), "info")
    return redirect(url_for("core.index"))


@bp.get("/account")
@organisation_required("read")
def account():
    db_session = get_session()
    return render_template(
        "accounts/account.html",
        members=service.list_members(session=db_session, organisation_id=g.organisation.id),
        api_keys=service.list_api_keys(session=db_session, organisation_id=g.organisation.id),
        key_form=ApiKeyForm(), confirm_form=ConfirmForm(), new_secret=None, can_administer=is_admin(),
        api_key_roles=API_KEY_ROLE_LABELS,
    )


@bp.get("/account/members/<int:membership_id>")
@organisation_required("read")
def member(membership_id: int):
    found = service.get_member(session=get_session(), organisation_id=g.organisation.id,
                               membership_id=membership_id)
    return render_template("accounts/member.html", member=found)


@bp.post("/account/api-keys")
@organisation_required("administer")
def create_api_key():
    form = ApiKeyForm()
    db_session = get_session()
    new_secret = None
    status = 422
    if form.validate_on_submit():
        _key, new_secret = service.create_api_key(session=db_session, organisation_id=g.organisation.id,
                                                  name=form.name.data, role=form.role.data,
                                                  created_by_id=current_user.id)
        form.name.data = ""
        status = 201
    # Rendered, not redirected: the secret is shown this once and must not travel in a cookie.
    return render_template(
        "accounts/account.html",
        members=service.list_members(session=db_session, organisation_id=g.organisation.id),
        api_keys=service.list_api_keys(session=db_session, organisation_id=g.organisation.id),
        key_form=form, confirm_form=ConfirmForm(), new_secret=new_secret, can_administer=True,
        api_key_roles=API_KEY_ROLE_LABELS,
    ), status


@bp.post("/account/api-keys/<int:key_id>/revoke")
@organisation_required("administer")
def revoke_api_key(key_id: int):
    form = ConfirmForm()
    if not form.validate_on_submit():
        raise PermissionDenied("the form expired; reload the page and try again")
    key = service.revoke_api_key(session=get_session(), organisation_id=g.organisation.id, key_id=key_id)
    flash(_("API key %(name)s was revoked.", name=key.name), "info")
    return redirect(url_for("accounts.account"))


@bp.post("/account/organisations/<int:organisation_id>/switch")
@organisation_required("read")
def switch_organisation(organisation_id: int):
    form = ConfirmForm()
    if form.validate_on_submit():
        service.membership(session=get_session(), user_id=current_user.id, organisation_id=organisation_id)
        session[ORG_SESSION_KEY] = organisation_id
    return redirect(url_for("accounts.account"))
