"""Configuration from environment variables, with safe defaults for a developer's machine."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"
DEV_SECRET_FILE = "secret_key"  # noqa: S105 (a file name, not a secret)


class SettingsError(RuntimeError):
    """Raised when the environment describes a configuration that must not run."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _dev_secret_key(instance_dir: Path) -> str:
    # A per-checkout key, so that `make run` needs no set-up and sessions survive restarts.
    instance_dir.mkdir(parents=True, exist_ok=True)
    path = instance_dir / DEV_SECRET_FILE
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


@dataclass(frozen=True)
class Settings:
    """Everything the application needs to know about its environment."""

    env: str = "development"
    secret_key: str = field(default="", repr=False)
    database_url: str = ""
    redis_url: str = ""
    default_locale: str = "zh_CN"
    default_timezone: str = "Asia/Shanghai"
    session_cookie_secure: bool = False
    ratelimit_enabled: bool = True
    login_rate_limit: str = "10 per minute"
    public_rate_limit: str = "120 per minute"
    log_requests: bool = True
    testing: bool = False
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
            default_locale=env.get("TANZHONG_DEFAULT_LOCALE", "zh_CN"),
            default_timezone=env.get("TANZHONG_TIMEZONE", "Asia/Shanghai"),
            session_cookie_secure=_bool(env.get("SESSION_COOKIE_SECURE"), name == "production"),
            ratelimit_enabled=_bool(env.get("RATELIMIT_ENABLED"), True),
            login_rate_limit=env.get("LOGIN_RATE_LIMIT", "10 per minute"),
            public_rate_limit=env.get("PUBLIC_RATE_LIMIT", "120 per minute"),
            log_requests=_bool(env.get("LOG_REQUESTS"), True),
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
        if self.env == "production" and len(secret_key) < 32:
            raise SettingsError("SECRET_KEY must be at least 32 characters in production")
        database_url = self.database_url or f"sqlite:///{self.instance_dir / 'tanzhong.sqlite3'}"
        database_url = normalise_database_url(database_url)
        return replace(self, secret_key=secret_key, database_url=database_url)

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
            "PERMANENT_SESSION_LIFETIME": 60 * 60 * 12,
            "MAX_CONTENT_LENGTH": 5 * 1024 * 1024,
            "BABEL_DEFAULT_LOCALE": self.default_locale,
            "BABEL_DEFAULT_TIMEZONE": self.default_timezone,
            "BABEL_TRANSLATION_DIRECTORIES": str(BASE_DIR / "translations"),
            "WTF_CSRF_TIME_LIMIT": None,
            "RATELIMIT_ENABLED": self.ratelimit_enabled,
            "RATELIMIT_STORAGE_URI": self.redis_url or "memory://",
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

