"""Use cases for organisations, users, memberships and API keys; every tenant query is scoped here."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from accounts.models import ApiKey, ApiKeyRole, Citizen, LoginKind, Membership, Organisation, Role, User
from db import transaction, utcnow
from errors import AuthenticationFailed, Conflict, NotFound, PermissionDenied, ValidationError

_hasher = PasswordHasher()
# Verified when the e-mail is unknown, so that a missing account takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
# A mainland China mobile number: 11 digits starting with 1, written with or without +86 and separators.
_PHONE = re.compile(r"^1\d{10}$")
_PHONE_SEPARATORS = re.compile(r"[\s\-()]")
MAX_NICKNAME = 40
MIN_PASSWORD_LENGTH = 10
API_KEY_PREFIX = "tzk_"
# last_used_at is a day-to-day answer to "is this key still in use?": refreshing it at most once a minute
# spares a write on every request.
API_KEY_USE_RESOLUTION = timedelta(minutes=1)

ROLE_RIGHTS = {
    Role.admin: {"read", "organise", "log", "administer"},
    Role.organiser: {"read", "organise"},
    Role.staff: {"read", "log"},
    Role.auditor: {"read"},
}
API_KEY_RIGHTS = {
    ApiKeyRole.read_only: {"read"},
    ApiKeyRole.organiser: {"read", "organise"},
}


@dataclass(frozen=True)
class Member:
    membership_id: int
    user_id: int
    email: str
    display_name: str
    role: Role


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            f"password is too short ({len(password)} characters; at least {MIN_PASSWORD_LENGTH})",
            fields={"password": [f"at least {MIN_PASSWORD_LENGTH} characters"]},
        )


def normalise_email(email: str) -> str:
    email = (email or "").strip().lower()
    if not _EMAIL.match(email) or len(email) > 254:
        raise ValidationError(f"'{email}' is not an e-mail address", fields={"email": ["not an e-mail address"]})
    return email


def normalise_phone(phone: str) -> str:
    """A mainland mobile number as 11 digits, or a ValidationError naming `login`."""
    digits = _PHONE_SEPARATORS.sub("", phone or "")
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix):]
    if not _PHONE.match(digits):
        raise ValidationError(f"'{phone}' is not a mainland mobile number (11 digits starting with 1)",
                              fields={"login": ["not a mainland mobile number (11 digits starting with 1)"]},
                              code="not_a_phone")
    return digits


def normalise_login(login: str) -> tuple[str, LoginKind]:
    """What a person signs in with: an e-mail address (lower-cased) or a mainland mobile number (11 digits)."""
    text = (login or "").strip()
    if "@" in text:
        try:
            return normalise_email(text), LoginKind.email
        except ValidationError:
            raise ValidationError(f"'{text}' is not an e-mail address", fields={"login": ["not an e-mail address"]},
                                  code="not_an_email") from None
    return normalise_phone(text), LoginKind.phone


def create_organisation(*, session: Session, slug: str, name_zh: str, name_en: str) -> Organisation:
    if not _SLUG.match(slug or ""):
        raise ValidationError(
            f"organisation slug '{slug}' must be 2-63 lower-case letters, digits or hyphens",
            fields={"slug": ["2-63 lower-case letters, digits or hyphens"]},
        )
    taken = Conflict(f"organisation '{slug}' already exists", fields={"slug": ["already exists"]})
    try:
        with transaction(session):
            if session.exec(select(Organisation).where(Organisation.slug == slug)).first():
                raise taken
            organisation = Organisation(slug=slug, name_zh=name_zh.strip() or slug, name_en=name_en.strip() or slug)
            session.add(organisation)
    except IntegrityError:
        # Created by someone else between the check and the insert: the unique slug refused the second one.
        if session.exec(select(Organisation.id).where(Organisation.slug == slug)).first() is None:
            raise
        raise taken from None
    return organisation


def get_organisation_by_slug(*, session: Session, slug: str) -> Organisation:
    organisation = session.exec(select(Organisation).where(Organisation.slug == slug)).first()
    if organisation is None:
        raise NotFound(f"no organisation '{slug}'", fields={"org": ["unknown organisation"]})
    return organisation


def create_user(*, session: Session, email: str, password: str, display_name: str,
                organisation_id: int, role: Role | str) -> User:
    """Create an account and make it a member of one organisation, in one transaction."""
    email = normalise_email(email)
    _check_password(password)
    role = _role(role)
    taken = Conflict(f"a user with e-mail '{email}' already exists", fields={"email": ["already exists"]})
    try:
        with transaction(session):
            if session.get(Organisation, organisation_id) is None:
                raise NotFound(f"no organisation with id {organisation_id}")
            if session.exec(select(User).where(User.email == email)).first():
                raise taken
            user = User(email=email, display_name=display_name.strip() or email,
                        password_hash=hash_password(password))
            session.add(user)
            session.flush()
            session.add(Membership(user_id=user.id, organisation_id=organisation_id, role=role))
    except IntegrityError:
        # Created by someone else between the check and the insert: the unique e-mail refused the second one.
        if session.exec(select(User.id).where(User.email == email)).first() is None:
            raise
        raise taken from None
    return user


def create_citizen(*, session: Session, login: str, password: str, nickname: str = "") -> User:
    """A citizen's carbon account: a login (e-mail or mobile number), a password, no organisation, no real name."""
    identifier, kind = normalise_login(login)
    _check_password(password)
    nickname = (nickname or "").strip()
    if len(nickname) > MAX_NICKNAME:
        raise ValidationError(f"the nickname is longer than {MAX_NICKNAME} characters",
                              fields={"nickname": [f"at most {MAX_NICKNAME} characters"]})
    taken = Conflict(f"an account with the login '{identifier}' already exists", fields={"login": ["already exists"]},
                     code="login_taken")
    try:
        with transaction(session):
            if session.exec(select(User.id).where(User.email == identifier)).first() is not None:
                raise taken
            user = User(email=identifier, display_name=nickname or _masked(identifier, kind),
                        password_hash=hash_password(password))
            session.add(user)
            session.flush()
            session.add(Citizen(user_id=user.id, login_kind=kind))
    except IntegrityError:
        if session.exec(select(User.id).where(User.email == identifier)).first() is None:
            raise
        raise taken from None
    return user


def _masked(identifier: str, kind: LoginKind) -> str:
    """A name to greet a citizen by who gave none: 138****5678, or the e-mail's first letter and domain."""
    if kind == LoginKind.phone:
        return f"{identifier[:3]}****{identifier[-4:]}"
    local, _, domain = identifier.partition("@")
    return f"{local[:1]}***@{domain}"


def is_citizen(*, session: Session, user_id: int) -> bool:
    return session.get(Citizen, user_id) is not None


def add_member(*, session: Session, user_id: int, organisation_id: int, role: Role | str) -> Membership:
    role = _role(role)
    if is_citizen(session=session, user_id=user_id):
        # Tenant isolation: a citizen's account is personal and never sees an organisation's data.
        raise Conflict("a citizen's carbon account cannot join an organisation", code="citizen_account")
    with transaction(session):
        existing = session.exec(
            select(Membership).where(Membership.user_id == user_id, Membership.organisation_id == organisation_id)
        ).first()
        if existing:
            raise Conflict("the user is already a member of this organisation")
        membership = Membership(user_id=user_id, organisation_id=organisation_id, role=role)
        session.add(membership)
    return membership


def _role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise ValidationError(f"unknown role '{role}' (one of {known})", fields={"role": [f"one of {known}"]}) from None


def authenticate(*, session: Session, email: str, password: str) -> User:
    """The active user with this login (e-mail, or a citizen's mobile number) and password, or AuthenticationFailed
    (same message for every case)."""
    try:
        email = normalise_login(email)[0]
    except ValidationError:
        email = (email or "").strip().lower()
    user = session.exec(select(User).where(User.email == email)).first()
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password or "")
    except (VerificationError, InvalidHashError):
        raise AuthenticationFailed("wrong e-mail or password") from None
    if user is None or not user.is_active:
        raise AuthenticationFailed("wrong e-mail or password")
    with transaction(session):
        user.last_login_at = utcnow()
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        session.add(user)
    return user


def get_active_user(*, session: Session, user_id: int) -> User | None:
    user = session.get(User, user_id)
    return user if user is not None and user.is_active else None


def session_user(*, session: Session, user_id: int, session_version: object, signed_in_at: object,
                 now: datetime, lifetime: timedelta) -> User | None:
    """The active user a browser session names, or None when it was signed out, has expired or was forged."""
    if not isinstance(session_version, int) or not isinstance(signed_in_at, int | float):
        return None
    age = now.timestamp() - signed_in_at
    if age < -60 or age > lifetime.total_seconds():  # -60: a minute of clock skew between nodes
        return None
    user = get_active_user(session=session, user_id=user_id)
    return user if user is not None and user.session_version == session_version else None


def end_sessions(*, session: Session, user_id: int) -> None:
    """Sign the user out everywhere: every session issued before now is refused from now on."""
    with transaction(session):
        user = session.get(User, user_id)
        if user is not None:
            user.session_version += 1
            session.add(user)


def memberships_of(*, session: Session, user_id: int) -> list[tuple[Membership, Organisation]]:
    rows = session.exec(
        select(Membership, Organisation)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.user_id == user_id)
        .order_by(Organisation.id)
    ).all()
    return list(rows)


def membership(*, session: Session, user_id: int, organisation_id: int) -> Membership:
    found = session.exec(
        select(Membership).where(Membership.user_id == user_id, Membership.organisation_id == organisation_id)
    ).first()
    if found is None:
        raise NotFound("not a member of this organisation")
    return found


def require_right(role: Role, right: str) -> None:
    if right not in ROLE_RIGHTS[role]:
        raise PermissionDenied(f"the role '{role.value}' may not {right}")


def list_members(*, session: Session, organisation_id: int) -> list[Member]:
    rows = session.exec(
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.organisation_id == organisation_id)
        .order_by(User.email)
    ).all()
    return [Member(m.id, u.id, u.email, u.display_name, m.role) for m, u in rows]


def get_member(*, session: Session, organisation_id: int, membership_id: int) -> Member:
    row = session.exec(
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.id == membership_id, Membership.organisation_id == organisation_id)
    ).first()
    if row is None:
        raise NotFound(f"no member {membership_id} in this organisation")
    m, u = row
    return Member(m.id, u.id, u.email, u.display_name, m.role)


def _key_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(*, session: Session, organisation_id: int, name: str, role: ApiKeyRole | str = ApiKeyRole.read_only,
                   created_by_id: int | None = None) -> tuple[ApiKey, str]:
    """A new key and its secret; the secret is returned once and never stored."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationError("an API key needs a name of 1-100 characters", fields={"name": ["1-100 characters"]})
    try:
        role = ApiKeyRole(role)
    except ValueError:
        known = ", ".join(r.value for r in ApiKeyRole)
        raise ValidationError(f"unknown API key role '{role}' (one of {known})",
                              fields={"role": [f"one of {known}"]}) from None
    prefix = secrets.token_hex(6)
    secret = f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    with transaction(session):
        key = ApiKey(organisation_id=organisation_id, name=name, role=role, prefix=prefix,
                     key_hash=_key_digest(secret), created_by_id=created_by_id)
        session.add(key)
    return key, secret


def list_api_keys(*, session: Session, organisation_id: int) -> list[ApiKey]:
    return list(session.exec(
        select(ApiKey).where(ApiKey.organisation_id == organisation_id).order_by(ApiKey.created_at.desc())
    ).all())


def get_api_key(*, session: Session, organisation_id: int, key_id: int) -> ApiKey:
    key = session.exec(
        select(ApiKey).where(ApiKey.id == key_id, ApiKey.organisation_id == organisation_id)
    ).first()
    if key is None:
        raise NotFound(f"no API key {key_id} in this organisation")
    return key


def revoke_api_key(*, session: Session, organisation_id: int, key_id: int) -> ApiKey:
    with transaction(session):
        key = get_api_key(session=session, organisation_id=organisation_id, key_id=key_id)
        if key.revoked_at is None:
            key.revoked_at = utcnow()
            session.add(key)
    return key


def authenticate_api_key(*, session: Session, secret: str, right: str = "read") -> tuple[ApiKey, Organisation]:
    """The live key and its organisation for a presented secret, or AuthenticationFailed / PermissionDenied.

    Records when the key was last used (to the minute)."""
    match = re.fullmatch(rf"{API_KEY_PREFIX}([0-9a-f]{{12}})_[A-Za-z0-9_-]{{20,}}", (secret or "").strip())
    if not match:
        raise AuthenticationFailed("missing or malformed API key")
    key = session.exec(select(ApiKey).where(ApiKey.prefix == match.group(1))).first()
    if key is None or not hmac.compare_digest(key.key_hash, _key_digest(secret.strip())):
        raise AuthenticationFailed("unknown API key")
    if key.revoked_at is not None:
        raise AuthenticationFailed("this API key was revoked")
    if right not in API_KEY_RIGHTS[key.role]:
        raise PermissionDenied(f"this API key is {key.role.value}; it may not {right}")
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at >= API_KEY_USE_RESOLUTION:
        with transaction(session):
            key.last_used_at = now
            session.add(key)
    organisation = session.get(Organisation, key.organisation_id)
    return key, organisation
