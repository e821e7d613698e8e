"""Settings from the environment: one class per purpose (development, test, production)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import ClassVar

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{INSTANCE_DIR / 'thebot.db'}"
    # Heroku-style URLs name the scheme "postgres", which SQLAlchemy 2 does not accept.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    return url


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept under instance/."""
    key = os.environ.get("SECRET_KEY", "").strip()
    if key:
        return key
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    """Defaults shared by every purpose; each value may be overridden by the environment."""

    SECRET_KEY = None  # filled in by load_config
    SQLALCHEMY_DATABASE_URI = None
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {"pool_pre_ping": True}
    # The connection pool of a server process (PostgreSQL; SQLite keeps SQLAlchemy's defaults).
    # Under eventlet/gevent one process serves many requests at once, each holding a connection
    # while it runs: at most DB_POOL_SIZE + DB_MAX_OVERFLOW at a time, a request waits up to
    # DB_POOL_TIMEOUT seconds for one (then 503). See docs/deploy.md ("Database connections").
    DB_POOL_SIZE = _int("DB_POOL_SIZE", 10)
    DB_MAX_OVERFLOW = _int("DB_MAX_OVERFLOW", 20)
    DB_POOL_TIMEOUT = _int("DB_POOL_TIMEOUT", 10)
    SOCKETIO_MESSAGE_QUEUE = os.environ.get("SOCKETIO_MESSAGE_QUEUE") or None
    # The Redis pub/sub channel of that queue: pub/sub ignores the db index, so two deployments
    # (or test runs) sharing one Redis need channels of their own.
    SOCKETIO_CHANNEL = os.environ.get("SOCKETIO_CHANNEL") or "flask-socketio"
    ASYNC_MODE = os.environ.get("ASYNC_MODE", "eventlet")
    CORS_ALLOWED_ORIGINS: ClassVar[list[str]] = [
        o.strip() for o in os.environ.get("CORS_ALLOWED_ORIGINS", "").split(",") if o.strip()
    ]
    PAYMENT_PROVIDER = os.environ.get("PAYMENT_PROVIDER", "fake")
    # The fake provider signs its confirmations with this (unset: derived from SECRET_KEY).
    PAYMENT_WEBHOOK_SECRET = os.environ.get("PAYMENT_WEBHOOK_SECRET") or None
    YOOKASSA_SHOP_ID = os.environ.get("YOOKASSA_SHOP_ID", "")
    YOOKASSA_SECRET_KEY = os.environ.get("YOOKASSA_SECRET_KEY", "")
    YOOKASSA_BASE_URL = os.environ.get("YOOKASSA_BASE_URL", "https://api.yookassa.ru/v3")
    # How often each serving process looks for newly overdue invoices to tell parents about.
    BILLING_OVERDUE_INTERVAL_SECONDS = _int("BILLING_OVERDUE_INTERVAL_SECONDS", 3600)
    # The chat digest (services/chat/digest.py): a member who has not read a room this many
    # minutes after a new message gets one e-mail for all such rooms, at most one per
    # CHAT_DIGEST_MIN_GAP_MINUTES; each serving process looks every CHAT_DIGEST_INTERVAL_SECONDS.
    CHAT_DIGEST_AFTER_MINUTES = _int("CHAT_DIGEST_AFTER_MINUTES", 30)
    CHAT_DIGEST_MIN_GAP_MINUTES = _int("CHAT_DIGEST_MIN_GAP_MINUTES", 30)
    CHAT_DIGEST_INTERVAL_SECONDS = _int("CHAT_DIGEST_INTERVAL_SECONDS", 60)
    # A lesson can be cancelled up to this many hours before it starts (domain.md 6).
    LESSON_CANCEL_MIN_HOURS = _int("LESSON_CANCEL_MIN_HOURS", 2)
    CHAT_SEND_LIMIT = _int("CHAT_SEND_LIMIT", 10)
    CHAT_SEND_WINDOW = _int("CHAT_SEND_WINDOW", 10)
    # The `unread` counts of a room's members go out at most once per this many milliseconds
    # per process, counted after a burst of messages (0: once per message, counted in its
    # transaction). See services/chat/messages.py (_announce_unread).
    CHAT_UNREAD_COALESCE_MS = _int("CHAT_UNREAD_COALESCE_MS", 300)
    # Socket events that fan out to other members, per user, shared by every process.
    SOCKET_TYPING_LIMIT = os.environ.get("SOCKET_TYPING_LIMIT", "20 per 10 seconds")
    SOCKET_PRESENCE_LIMIT = os.environ.get("SOCKET_PRESENCE_LIMIT", "60 per 10 seconds")
    # Serving processes beat this often; sockets of a process silent for 3 beats are removed.
    SOCKET_HEARTBEAT_SECONDS = _int("SOCKET_HEARTBEAT_SECONDS", 30)

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "") == "1"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PERMANENT_SESSION_LIFETIME = 30 * 24 * 3600  # "keep me signed in"
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    # werkzeug's method string; the cost is a deployment choice (the suite uses a cheaper one).
    PASSWORD_HASH_METHOD = os.environ.get("PASSWORD_HASH_METHOD", "scrypt")
    API_TOKEN_TTL_DAYS = _int("API_TOKEN_TTL_DAYS", 30)
    # Login attempts: per client address and per account, counted on failures only.
    LOGIN_LIMIT_PER_IP = os.environ.get("LOGIN_LIMIT_PER_IP", "20 per minute")
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per minute")
    # Forgotten password: how long a reset link works, and how often one may be asked for (every
    # request counts, per client address and per account, since each may send an e-mail).
    PASSWORD_RESET_TTL_SECONDS = _int("PASSWORD_RESET_TTL_SECONDS", 3600)
    PASSWORD_RESET_LIMIT_PER_IP = os.environ.get("PASSWORD_RESET_LIMIT_PER_IP", "10 per hour")
    PASSWORD_RESET_LIMIT_PER_ACCOUNT = os.environ.get(
        "PASSWORD_RESET_LIMIT_PER_ACCOUNT", "3 per hour"
    )
    # A changed e-mail address: how long the confirmation link sent to the new address works.
    EMAIL_CONFIRM_TTL_SECONDS = _int("EMAIL_CONFIRM_TTL_SECONDS", 24 * 3600)
    # A tutor's invitation to choose a password (a new family member with an e-mail).
    INVITATION_TTL_SECONDS = _int("INVITATION_TTL_SECONDS", 7 * 24 * 3600)
    # Where limits are counted: unset means SOCKETIO_MESSAGE_QUEUE when that is a redis URL (so
    # several processes share the counts), else this process's memory (see resolve_settings).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or None
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "thebot")
    # While that storage (Redis) does not answer, limits are counted in this process's memory
    # (one warning; Flask-Limiter tries Redis again with backoff) and no limit error fails a
    # request: see docs/deploy.md ("When Redis goes away").
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_HEADERS_ENABLED = True

    # The public address of the site: every absolute link (e-mails) is built from it, never
    # from the request's Host header.
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")
    # How many proxies in front of the app may be believed about X-Forwarded-For/-Proto/-Host/
    # -Port/-Prefix (werkzeug ProxyFix); 0 (default) believes no such header.
    TRUSTED_PROXIES = _int("TRUSTED_PROXIES", 0)
    # Redirect plain http to https (only when the app itself sees the scheme, e.g. behind a
    # TLS proxy with TRUSTED_PROXIES set); off by default: `make run` serves plain http.
    FORCE_HTTPS = os.environ.get("FORCE_HTTPS", "") == "1"

    LANGUAGES = ("en", "ru")
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"

    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "") == "1"
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "THE BOT <no-reply@thebot.local>")
    # Whether mail goes out is decided by MAIL_SERVER alone (unset: logged), also under TESTING.
    MAIL_SUPPRESS_SEND = False

    UPLOAD_DIR = os.environ.get("UPLOAD_DIR") or str(INSTANCE_DIR / "uploads")
    MAX_CONTENT_LENGTH = 11 * 1024 * 1024  # 10 MB attachment plus multipart overhead
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain")  # or "json": one object per line


class DevelopmentConfig(Config):
    """`make run`: SQLite under instance/, in-process Socket.IO, e-mail printed to the log."""


class TestConfig(Config):
    """The suite: same behaviour as development, with a cheaper password hash cost."""

    TESTING = True
    PASSWORD_HASH_METHOD = "scrypt:2048:8:1"


class ProductionConfig(Config):
    """Production: SECRET_KEY must come from the environment and cookies are Secure."""

    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True


CONFIGS = {"development": DevelopmentConfig, "test": TestConfig, "production": ProductionConfig}


def load_config(name: str | None = None) -> dict:
    """The settings for a purpose (THEBOT_ENV, default development) as a plain dict."""
    name = name or os.environ.get("THEBOT_ENV", "development")
    cls = CONFIGS[name]
    values = {k: getattr(cls, k) for k in dir(cls) if k.isupper()}
    if name == "production" and not os.environ.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY must be set in production")
    values["SECRET_KEY"] = _secret_key()
    values["SQLALCHEMY_DATABASE_URI"] = _database_url()
    return values


def resolve_settings(config: dict) -> None:
    """Settings derived from others once every override is in (called by create_app)."""
    if not config.get("RATELIMIT_STORAGE_URI"):
        queue = config.get("SOCKETIO_MESSAGE_QUEUE") or ""
        config["RATELIMIT_STORAGE_URI"] = (
            queue if queue.startswith(("redis://", "rediss://", "redis+unix://")) else "memory://"
        )
    if config["RATELIMIT_STORAGE_URI"].startswith(("redis://", "rediss://", "redis+unix://")):
        from thebot.sockets.shared import redis_options  # a Redis away costs a request ~2 s

        config.setdefault("RATELIMIT_STORAGE_OPTIONS", redis_options())
    config["BASE_URL"] = (config.get("BASE_URL") or "http://127.0.0.1:5000").rstrip("/")
    if str(config.get("SQLALCHEMY_DATABASE_URI") or "").startswith("postgresql"):
        # setdefault: options given explicitly (create_app's config) win over the DB_POOL_* ones
        options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options.setdefault("pool_pre_ping", True)  # a connection PostgreSQL dropped is replaced
        options.setdefault("pool_size", config["DB_POOL_SIZE"])
        options.setdefault("max_overflow", config["DB_MAX_OVERFLOW"])
        options.setdefault("pool_timeout", config["DB_POOL_TIMEOUT"])
        config["SQLALCHEMY_ENGINE_OPTIONS"] = options
