"""Configuration from environment variables, with safe defaults for a developer's machine."""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"
DEV_SECRET_FILE = "secret_key"  # noqa: S105 (a file name, not a secret)
RATELIMIT_FILE = "ratelimits.sqlite3"
MIN_SECRET_KEY_LENGTH = 32
# Keys seen in examples, tutorials and this project's own tests: a production key must be none of them.
KNOWN_WEAK_SECRET_KEYS = frozenset({
    "dev", "development", "secret", "secret-key", "secretkey", "changeme", "change-me", "please-change-me",
    "your-secret-key", "your-secret-key-here", "super-secret-key", "supersecretkey", "flask-secret-key",
    "test-secret-key-0123456789abcdef0123456789", "tanzhong", "tanzhong-secret-key",
})


class SettingsError(RuntimeError):
    """Raised when the environment describes a configuration that must not run."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def read_or_create_key_file(path: Path, new_key: Callable[[], str]) -> str:
    """The text of the key file `path`, first created holding `new_key()` (its folder too) when it is absent.

    Several processes may start at once (gunicorn's workers): the key is written whole to a private temporary file
    and linked into place, so a reader never sees an empty or half-written key file, and the first link wins.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # mode 0600 from the first moment: no instant in which another user could read the key.
        descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(descriptor, "w") as file:
                file.write(new_key())
                file.flush()
                os.fsync(file.fileno())
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process linked its key first: that one is the key
        finally:
            os.unlink(temporary)
    return path.read_text()


def _dev_secret_key(instance_dir: Path) -> str:
    # A per-checkout key, so that `make run` needs no set-up and sessions survive restarts.
    return read_or_create_key_file(instance_dir / DEV_SECRET_FILE, lambda: secrets.token_hex(32)).strip()


def weak_secret_key_reason(key: str) -> str | None:
    """Why `key` must not sign production sessions, or None."""
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return f"SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} characters in production"
    if key.strip().lower() in KNOWN_WEAK_SECRET_KEYS:
        return "SECRET_KEY is a published example key; generate one with: python -c 'import secrets; " \
               "print(secrets.token_hex(32))'"
    if len(set(key)) < 10:
        return "SECRET_KEY repeats too few characters to be random"
    return None


def new_signing_seed() -> str:
    """A new random Ed25519 seed, written as a signing key setting or key file holds it (base64 of 32 bytes)."""
    return base64.b64encode(os.urandom(32)).decode()


def signing_seed(value: str, name: str = "LEDGER_SIGNING_KEY") -> bytes:
    """The 32-byte Ed25519 seed `value` (a signing key setting, or key file, called `name`) holds in base64;
    SettingsError naming `name` if it holds none."""
    try:
        seed = base64.b64decode(value.strip(), validate=True)
    except binascii.Error:
        seed = None
    if seed is None or len(seed) != 32:
        raise SettingsError(f"{name} must be 32 bytes in base64; generate one with: python -c 'import base64, os; "
                            "print(base64.b64encode(os.urandom(32)).decode())'")
    return seed


def signing_key_reason(value: str, name: str = "LEDGER_SIGNING_KEY") -> str | None:
    """Why `value` is not a valid `name` (a base64 32-byte Ed25519 seed), or None."""
    try:
        signing_seed(value, name)
    except SettingsError as error:
        return str(error)
    return None


def citizen_price_reason(value: str) -> str | None:
    """Why `value` is not a valid CITIZEN_PRICE_PER_TONNE_CNY (yuan per tonne, 0 to 100000, to the fen), or None."""
    try:
        price = Decimal(value)
    except (InvalidOperation, TypeError):
        price = None
    if price is None or not price.is_finite() or not 0 <= price <= 100_000 or price != price.quantize(Decimal("0.01")):
        return f"CITIZEN_PRICE_PER_TONNE_CNY must be yuan per tonne from 0 to 100000 (e.g. 60.00), not {value!r}"
    return None


def _int(value: str | None, default: int, name: str) -> int:
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {value!r}") from None


@dataclass(frozen=True)
class Settings:
    """Everything the application needs to know about its environment."""

    env: str = "development"
    secret_key: str = field(default="", repr=False)
    database_url: str = ""
    redis_url: str = ""
    # The address people reach the service at (https://tanzhong.example.org): every QR code, poster and API
    # link is built on it, never on the request's Host header.
    public_base_url: str = ""
    # How many proxies in front of gunicorn set X-Forwarded-For/-Proto/-Host; 0 trusts no such header.
    trusted_proxy_hops: int = 0
    # A base64 Ed25519 seed (32 bytes) signing the ledger's checkpoints; the same on every node. Unset: a key
    # of this instance's own, created on first use in instance/ledger_signing_key.
    ledger_signing_key: str = field(default="", repr=False)
    # The same for the key that signs certificates (W3C Verifiable Credentials); instance/certificate_signing_key.
    certificate_signing_key: str = field(default="", repr=False)
    ratelimit_storage_uri: str = ""
    default_locale: str = "zh_CN"
    default_timezone: str = "Asia/Shanghai"
    session_cookie_secure: bool = False
    session_lifetime_s: int = 12 * 60 * 60
    ratelimit_enabled: bool = True
    login_rate_limit: str = "10 per minute"
    public_rate_limit: str = "120 per minute"
    log_requests: bool = True
    # The organisation whose admins run the ledger: credit projects, issuance, the pool, invalidations.
    platform_org_slug: str = "platform"
    # What a citizen pays per tonne to neutralise a calculator footprint from the platform's pool; "0": the
    # platform grants it free.
    citizen_price_per_tonne_cny: str = "0"
    # Run background jobs inline, in the process that enqueues them (tests); otherwise a consumer runs them.
    tasks_immediate: bool = False
    testing: bool = False
    # Invitations and password resets: SMTP when a host is set, else .eml files under instance/mail/.
    mail_smtp_host: str = ""
    mail_smtp_port: int = 587
    mail_smtp_user: str = ""
    mail_smtp_password: str = field(default="", repr=False)
    mail_smtp_starttls: bool = True
    mail_from: str = "no-reply@tanzhong.local"
    instance_dir: Path = INSTANCE_DIR
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> Settings:
        env = dict(os.environ if environ is None else environ)
        name = env.get("TANZHONG_ENV", "development")
        instance_dir = Path(env.get("TANZHONG_INSTANCE_DIR", INSTANCE_DIR))
        values = dict(
            env=name,
            secret_key=env.get("SECRET_KEY", ""),
            database_url=env.get("DATABASE_URL", ""),
            redis_url=env.get("REDIS_URL", ""),
            public_base_url=env.get("PUBLIC_BASE_URL", ""),
            trusted_proxy_hops=_int(env.get("TRUSTED_PROXY_HOPS"), 0, "TRUSTED_PROXY_HOPS"),
            ledger_signing_key=env.get("LEDGER_SIGNING_KEY", ""),
            certificate_signing_key=env.get("CERTIFICATE_SIGNING_KEY", ""),
            ratelimit_storage_uri=env.get("RATELIMIT_STORAGE_URI", ""),
            default_locale=env.get("TANZHONG_DEFAULT_LOCALE", "zh_CN"),
            default_timezone=env.get("TANZHONG_TIMEZONE", "Asia/Shanghai"),
            session_cookie_secure=_bool(env.get("SESSION_COOKIE_SECURE"), name == "production"),
            session_lifetime_s=_int(env.get("SESSION_LIFETIME_SECONDS"), 12 * 60 * 60, "SESSION_LIFETIME_SECONDS"),
            ratelimit_enabled=_bool(env.get("RATELIMIT_ENABLED"), True),
            login_rate_limit=env.get("LOGIN_RATE_LIMIT", "10 per minute"),
            public_rate_limit=env.get("PUBLIC_RATE_LIMIT", "120 per minute"),
            log_requests=_bool(env.get("LOG_REQUESTS"), True),
            platform_org_slug=env.get("PLATFORM_ORG_SLUG", "platform"),
            citizen_price_per_tonne_cny=env.get("CITIZEN_PRICE_PER_TONNE_CNY", "0").strip() or "0",
            tasks_immediate=_bool(env.get("TASKS_IMMEDIATE"), False),
            mail_smtp_host=env.get("MAIL_SMTP_HOST", ""),
            mail_smtp_port=_int(env.get("MAIL_SMTP_PORT"), 587, "MAIL_SMTP_PORT"),
            mail_smtp_user=env.get("MAIL_SMTP_USER", ""),
            mail_smtp_password=env.get("MAIL_SMTP_PASSWORD", ""),
            mail_smtp_starttls=_bool(env.get("MAIL_SMTP_STARTTLS"), True),
            mail_from=env.get("MAIL_FROM", "no-reply@tanzhong.local"),
            instance_dir=instance_dir,
        )
        values.update(overrides)
        return cls(**values).resolved()

    def resolved(self) -> Settings:
        """Fill the defaults that depend on other values, and refuse unsafe production settings."""
        secret_key = self.secret_key
        if not secret_key:
            if self.env == "production":
                raise SettingsError("SECRET_KEY must be set when TANZHONG_ENV=production")
            secret_key = _dev_secret_key(self.instance_dir)
        if self.env == "production" and (reason := weak_secret_key_reason(secret_key)):
            raise SettingsError(reason)
        public_base_url = self.public_base_url.strip().rstrip("/")
        if public_base_url:
            parts = urlsplit(public_base_url)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
                raise SettingsError(f"PUBLIC_BASE_URL must be an http(s) address such as https://tanzhong.example.org,"
                                    f" not {self.public_base_url!r}")
        elif self.env == "production":
            raise SettingsError("PUBLIC_BASE_URL must be set when TANZHONG_ENV=production: QR codes and posters "
                                "print it")
        for name, value in (("LEDGER_SIGNING_KEY", self.ledger_signing_key),
                            ("CERTIFICATE_SIGNING_KEY", self.certificate_signing_key)):
            if value and (reason := signing_key_reason(value, name)):
                raise SettingsError(reason)
        if citizen_price_reason(self.citizen_price_per_tonne_cny):
            raise SettingsError(citizen_price_reason(self.citizen_price_per_tonne_cny))
        if not 0 <= self.trusted_proxy_hops <= 10:
            raise SettingsError("TRUSTED_PROXY_HOPS must be from 0 to 10")
        if self.session_lifetime_s < 60:
            raise SettingsError("SESSION_LIFETIME_SECONDS must be at least 60")
        database_url = self.database_url or f"sqlite:///{self.instance_dir / 'tanzhong.sqlite3'}"
        database_url = normalise_database_url(database_url)
        # Without Redis the workers of one machine share a file; several machines need REDIS_URL.
        ratelimit_storage_uri = (self.ratelimit_storage_uri or self.redis_url
                                 or f"tanzhong+sqlite://{(self.instance_dir / RATELIMIT_FILE).resolve()}")
        return replace(self, secret_key=secret_key, database_url=database_url, public_base_url=public_base_url,
                       ratelimit_storage_uri=ratelimit_storage_uri)

    def flask_config(self) -> dict:
        config = {
            "SECRET_KEY": self.secret_key,
            "TESTING": self.testing,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": self.session_cookie_secure,
            "REMEMBER_COOKIE_HTTPONLY": True,
            "REMEMBER_COOKIE_SAMESITE": "Lax",
            "REMEMBER_COOKIE_SECURE": self.session_cookie_secure,
            "PERMANENT_SESSION_LIFETIME": self.session_lifetime_s,
            "MAX_CONTENT_LENGTH": 5 * 1024 * 1024,
            "BABEL_DEFAULT_LOCALE": self.default_locale,
            "BABEL_DEFAULT_TIMEZONE": self.default_timezone,
            "BABEL_TRANSLATION_DIRECTORIES": str(BASE_DIR / "translations"),
            "WTF_CSRF_TIME_LIMIT": None,
            "RATELIMIT_ENABLED": self.ratelimit_enabled,
            "RATELIMIT_STORAGE_URI": self.ratelimit_storage_uri,
            "PUBLIC_BASE_URL": self.public_base_url,
            "RATELIMIT_HEADERS_ENABLED": True,
            "API_TITLE": "Tanzhong API",
            "API_VERSION": "v1",
            "OPENAPI_VERSION": "3.0.3",
            "OPENAPI_URL_PREFIX": "/api/v1",
            "OPENAPI_JSON_PATH": "openapi.json",
        }
        config.update(self.extra)
        return config


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the common way."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url

