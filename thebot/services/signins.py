"""Sign-in: checking a login and password, browser sign-in sessions and API bearer tokens.

Only digests of session keys and tokens are stored; each check also asks whether the user is
still active, so deactivating an account ends every credential at once.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from thebot import realtime
from thebot.extensions import db
from thebot.models import ApiToken, LoginSession, User
from thebot.models.base import utcnow
from thebot.services.accounts import remember_locale
from thebot.services.errors import Forbidden
from thebot.services.people import find_by_login


@functools.lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    """Checked against when the login names nobody, so both answers take the same time."""
    return generate_password_hash("not-a-real-password", method=method)


class AccountDeactivated(Forbidden):
    """The right password for an account an administrator has deactivated."""


def authenticate(login: str, password: str) -> User | None:
    """The active account for these credentials, or None (the same for every wrong login or
    password). The right password of a deactivated account raises AccountDeactivated: only
    someone who knows the password learns that the account exists and is switched off."""
    user = find_by_login(login)
    if user is None:
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    if not user.active:
        raise AccountDeactivated(
            _l("This account is deactivated. Ask an administrator to reactivate it.")
        )
    return user


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def start_login_session(user: User, user_agent: str = "", locale: str | None = None) -> str:
    """Record a browser sign-in (and the page language); the key goes into the cookie only."""
    remember_locale(user, locale)
    raw = secrets.token_urlsafe(32)
    db.session.add(
        LoginSession(user_id=user.id, key_hash=_digest(raw), user_agent=(user_agent or "")[:200])
    )
    db.session.commit()
    return raw


def login_session_record(user_id, raw_key) -> LoginSession | None:
    """The live sign-in for this user id and cookie key, its user active; else None."""
    if not raw_key or not isinstance(raw_key, str) or len(raw_key) > 200:
        return None
    if not str(user_id).isdigit():
        return None
    record = db.session.scalar(
        select(LoginSession).where(LoginSession.key_hash == _digest(raw_key))
    )
    if record is None or record.user_id != int(user_id) or not login_session_is_live(record):
        return None
    return record


def login_session_is_live(record: LoginSession) -> bool:
    """Not ended, and its user active: the one rule for a browser sign-in."""
    if record.ended_at is not None:
        return False
    user = db.session.get(User, record.user_id)
    return user is not None and user.active


def user_of_live_credential(
    *, token_id: int | None = None, login_session_id: int | None = None
) -> User | None:
    """The user behind a token or sign-in record while it is live (sockets re-check with it)."""
    if token_id is not None:
        token = db.session.get(ApiToken, token_id)
        return token.user if token is not None and token_record_is_live(token) else None
    record = db.session.get(LoginSession, login_session_id) if login_session_id else None
    if record is None or not login_session_is_live(record):
        return None
    return db.session.get(User, record.user_id)


def user_for_login_session(user_id, raw_key) -> User | None:
    """Flask-Login's loader: the active user of a live sign-in, or None."""
    record = login_session_record(user_id, raw_key)
    return db.session.get(User, record.user_id) if record is not None else None


def end_login_session(raw_key: str) -> None:
    """Sign-out: the sign-in ends for good and its sockets are disconnected."""
    record = db.session.scalar(
        select(LoginSession).where(LoginSession.key_hash == _digest(raw_key))
    )
    if record is not None and record.ended_at is None:
        record.ended_at = utcnow()
        realtime.disconnect_login(record.id)
    db.session.commit()


def issue_token(user: User, device: str = "") -> tuple[str, ApiToken]:
    """A new bearer token for one device (others stay valid); only its digest is stored."""
    raw = secrets.token_urlsafe(32)
    ttl = timedelta(days=current_app.config["API_TOKEN_TTL_DAYS"])
    token = ApiToken(
        user_id=user.id,
        token_hash=_digest(raw),
        device=(device or "")[:120],
        expires_at=utcnow() + ttl,
    )
    db.session.add(token)
    db.session.commit()
    return raw, token


def token_record_is_live(token: ApiToken) -> bool:
    """Not revoked, not expired, and its user active."""
    return token.revoked_at is None and token.expires_at > utcnow() and token.user.active


def token_record(raw: str) -> ApiToken | None:
    """The live token record for this raw token, or None."""
    if not raw or len(raw) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(raw)))
    if token is None or not token_record_is_live(token):
        return None
    return token


def user_for_token(raw: str) -> User | None:
    """The active user a raw bearer token belongs to, or None."""
    token = token_record(raw)
    return token.user if token is not None else None


def revoke_token(raw: str) -> bool:
    """Revoke one token; True if it was live."""
    token = token_record(raw)
    if token is None:
        return False
    token.revoked_at = utcnow()
    realtime.disconnect_token(token.id)  # recorded before the commit that runs it
    db.session.commit()
    return True
