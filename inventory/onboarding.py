"""Members joining and leaving: invitations by e-mailed link, roles, removal, and password resets by link.

Links carry a random token; only its SHA-256 is stored, so the table never holds a value that could be replayed.
An invitation creates nothing until it is accepted: the invited address cannot sign in before then.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, select

from accounts import service as accounts
from accounts.models import Membership, Role, User
from db import transaction, utcnow
from errors import Conflict, NotFound
from inventory.mail import Mailer
from inventory.models import Invitation, PasswordReset
from inventory.rights import Actor

INVITATION_LIFETIME = timedelta(days=7)
RESET_LIFETIME = timedelta(hours=1)
TOKEN_BYTES = 32


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, _digest(token)


def invite_member(*, session: Session, actor: Actor, email: str, role: Role | str, link_base: str, mailer: Mailer,
                  organisation_name: str = "", now: datetime | None = None) -> Invitation:
    """Invite `email` with `role`; the link (link_base + token) is mailed and valid for INVITATION_LIFETIME."""
    actor.require("administer")
    email = accounts.normalise_email(email)
    role = accounts._role(role)
    now = now or utcnow()
    token, digest = _new_token()
    with transaction(session):
        member = session.exec(select(Membership.id).join(User, User.id == Membership.user_id).where(
            User.email == email, Membership.organisation_id == actor.organisation_id)).first()
        if member is not None:
            raise Conflict(f"{email} is already a member", fields={"email": ["already a member"]})
        invitation = Invitation(organisation_id=actor.organisation_id, email=email, role=role, token_hash=digest,
                                invited_by_id=actor.user_id, created_at=now, expires_at=now + INVITATION_LIFETIME)
        session.add(invitation)
        session.flush()
        # Sent inside the transaction: a mail that cannot be sent leaves no invitation behind.
        mailer.send(email, f"Invitation to {organisation_name or 'Tanzhong'} · 碳中邀请",
                    f"You are invited to join {organisation_name} on Tanzhong as {role.value}.\n"
                    f"您被邀请加入{organisation_name}（角色：{role.value}）。\n\n"
                    f"{link_base}{token}\n\n"
                    f"The link is valid until {invitation.expires_at:%Y-%m-%d %H:%M} UTC and works once.\n"
                    f"链接在 {invitation.expires_at:%Y-%m-%d %H:%M} UTC 前有效，仅可使用一次。\n")
    return invitation


def _live(session: Session, model, token: str, now: datetime, what: str):
    found = session.exec(select(model).where(model.token_hash == _digest(token or ""))).first()
    if found is None:
        raise NotFound(f"this {what} link is not valid", code=f"{what}_unknown")
    used = found.accepted_at if model is Invitation else found.used_at
    if used is not None or getattr(found, "revoked_at", None) is not None:
        raise Conflict(f"this {what} link has already been used", code=f"{what}_used")
    if found.expires_at <= now:
        raise Conflict(f"this {what} link has expired; ask for a new one", code=f"{what}_expired")
    return found


def invitation_for(*, session: Session, token: str, now: datetime | None = None) -> Invitation:
    """The live invitation of a token; NotFound, or Conflict when used or expired."""
    return _live(session, Invitation, token, now or utcnow(), "invitation")


def accept_invitation(*, session: Session, token: str, display_name: str, password: str,
                      now: datetime | None = None) -> User:
    """Make the invited address a member: a new account with this password, or an existing account joins."""
    now = now or utcnow()
    with transaction(session):
        invitation = invitation_for(session=session, token=token, now=now)
        user = session.exec(select(User).where(User.email == invitation.email)).first()
        if user is None:
            accounts._check_password(password)
            user = User(email=invitation.email, display_name=(display_name or "").strip() or invitation.email,
                        password_hash=accounts.hash_password(password))
            session.add(user)
            session.flush()
        session.add(Membership(user_id=user.id, organisation_id=invitation.organisation_id, role=invitation.role))
        invitation.accepted_at = now
        session.add(invitation)
    return user


def list_invitations(*, session: Session, actor: Actor) -> list[Invitation]:
    actor.require("administer")
    return list(session.exec(select(Invitation).where(Invitation.organisation_id == actor.organisation_id)
                             .order_by(Invitation.created_at.desc())))


def _admins(session: Session, organisation_id: int) -> int:
    return len(session.exec(select(Membership.id).where(Membership.organisation_id == organisation_id,
                                                        Membership.role == Role.admin)).all())


def _membership(session: Session, actor: Actor, membership_id: int) -> Membership:
    found = session.exec(select(Membership).where(Membership.id == membership_id,
                                                  Membership.organisation_id == actor.organisation_id)).first()
    if found is None:
        raise NotFound(f"no member {membership_id} in this organisation")
    return found


def change_role(*, session: Session, actor: Actor, membership_id: int, role: Role | str) -> Membership:
    actor.require("administer")
    role = accounts._role(role)
    with transaction(session):
        membership = _membership(session, actor, membership_id)
        if membership.role == Role.admin and role != Role.admin and _admins(session, actor.organisation_id) == 1:
            raise Conflict("the organisation's last admin keeps the admin role", fields={"role": ["last admin"]})
        membership.role = role
        session.add(membership)
    return membership


def remove_member(*, session: Session, actor: Actor, membership_id: int) -> None:
    """End a membership; the person's sessions end too, so an open page of this organisation stops working."""
    actor.require("administer")
    with transaction(session):
        membership = _membership(session, actor, membership_id)
        if membership.role == Role.admin and _admins(session, actor.organisation_id) == 1:
            raise Conflict("the organisation's last admin cannot be removed")
        user = session.get(User, membership.user_id)
        user.session_version += 1
        session.add(user)
        session.delete(membership)


def request_password_reset(*, session: Session, email: str, link_base: str, mailer: Mailer,
                           now: datetime | None = None) -> None:
    """Mail a reset link to an active account; says nothing of whether the address has one."""
    now = now or utcnow()
    email = accounts.normalise_email(email)
    with transaction(session):
        user = session.exec(select(User).where(User.email == email, User.is_active.is_(True))).first()
        if user is None:
            return
        token, digest = _new_token()
        reset = PasswordReset(user_id=user.id, token_hash=digest, created_at=now, expires_at=now + RESET_LIFETIME)
        session.add(reset)
        mailer.send(email, "Tanzhong password reset · 碳中重设密码",
                    f"Set a new password here (valid until {reset.expires_at:%Y-%m-%d %H:%M} UTC, once):\n"
                    f"在此设置新密码（{reset.expires_at:%Y-%m-%d %H:%M} UTC 前有效，仅可使用一次）：\n\n"
                    f"{link_base}{token}\n\nIf you did not ask for it, ignore this message. 如非本人操作，请忽略。\n")


def reset_for(*, session: Session, token: str, now: datetime | None = None) -> PasswordReset:
    return _live(session, PasswordReset, token, now or utcnow(), "reset")


def reset_password(*, session: Session, token: str, password: str, now: datetime | None = None) -> User:
    """Set the new password; the link is used up and every session of the account ends."""
    now = now or utcnow()
    accounts._check_password(password)
    with transaction(session):
        reset = reset_for(session=session, token=token, now=now)
        user = session.get(User, reset.user_id)
        user.password_hash = accounts.hash_password(password)
        user.session_version += 1
        reset.used_at = now
        session.add_all([user, reset])
    return user
