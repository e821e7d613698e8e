"""Sign-in: checking a login and password, browser sign-in sessions and API bearer tokens.

Only digests of session keys and tokens are stored; each check also asks whether the user is
still active, so deactivating an account ends every credential at once.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import secrets
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.security import check_password_hash, generate_password_hash

from thebot import realtime
from thebot.extensions import db
from thebot.models import ApiToken, LoginSession, User
from thebot.models.base import utcnow
from thebot.services.accounts import remember_locale
from thebot.services.errors import Forbidden, NotFound
from thebot.services.people import find_by_login
from thebot.services.user_agents import device_name

_log = logging.getLogger(__name__)


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
        LoginSession(
            user_id=user.id,
            key_hash=_digest(raw),
            user_agent=(user_agent or "")[:200],
            last_used_at=utcnow(),
        )
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


# A socket re-checks its credential on every event: one statement each, the credential with its
# user (which the liveness rules read), built once (SQLAlchemy then reuses its cache key).
_TOKEN_AND_USER = (
    select(ApiToken).options(joinedload(ApiToken.user)).where(ApiToken.id == bindparam("token_id"))
)
_SIGN_IN_AND_USER = (
    select(LoginSession, User)
    .join(User, User.id == LoginSession.user_id)
    .where(LoginSession.id == bindparam("record_id"))
)


def user_of_live_credential(
    *, token_id: int | None = None, login_session_id: int | None = None
) -> User | None:
    """The user behind a token or sign-in record while it is live (sockets re-check with it)."""
    if token_id is not None:
        token = db.session.scalars(_TOKEN_AND_USER, {"token_id": token_id}).first()
        return token.user if token is not None and token_record_is_live(token) else None
    if not login_session_id:
        return None
    row = db.session.execute(_SIGN_IN_AND_USER, {"record_id": login_session_id}).first()
    if row is None or not login_session_is_live(row[0]):  # its user is in the session now
        return None
    return row[1]


def user_for_login_session(user_id, raw_key, *, stamp: bool = False) -> User | None:
    """Flask-Login's loader: the active user of a live sign-in, or None; `stamp` records the use.
    The lookup flushes nothing the request has pending (see stamp_used)."""
    with db.session.no_autoflush:
        record = login_session_record(user_id, raw_key)
        if record is not None and stamp:
            stamp_used(record)
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


def issue_token(user: User, device: str = "", user_agent: str = "") -> tuple[str, ApiToken]:
    """A new bearer token for one device (others stay valid); only its digest is stored. The
    device is named by the client, else after the User-Agent of the login request."""
    raw = secrets.token_urlsafe(32)
    ttl = timedelta(days=current_app.config["API_TOKEN_TTL_DAYS"])
    token = ApiToken(
        user_id=user.id,
        token_hash=_digest(raw),
        device=(device.strip() or device_name(user_agent))[:120],
        expires_at=utcnow() + ttl,
        last_used_at=utcnow(),
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


def user_for_token(raw: str, *, stamp: bool = False) -> User | None:
    """The active user a raw bearer token belongs to, or None; `stamp` records the use. The
    lookup flushes nothing the request has pending (see stamp_used)."""
    with db.session.no_autoflush:
        token = token_record(raw)
        if token is not None and stamp:
            stamp_used(token)
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


# --- Devices: a user's live sign-ins and tokens, listed and ended one by one or all but one ---

LAST_USED_STEP = timedelta(minutes=1)  # last_used_at moves at most once a minute per credential


def stamp_used(record: LoginSession | ApiToken) -> None:
    """Record that a credential was just used, at most once a minute.

    Its own short transaction on another connection of the engine (a Core UPDATE), never the
    request's session: whatever the request has pending stays its own to commit or roll back.
    The record in the session learns the new time as already committed (not a change to
    flush). Best effort: a failure is logged once and the request goes on; so does a wait for
    a lock, which is bounded (PostgreSQL: lock_timeout; SQLite: skipped while this request
    already holds the write lock, which the other connection would wait for in vain).
    """
    now = utcnow()
    if record.last_used_at is not None and now - record.last_used_at < LAST_USED_STEP:
        return
    if _request_holds_sqlite_write_lock():
        return  # the next request stamps it
    model = type(record)
    try:
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{_STAMP_LOCK_TIMEOUT_MS}ms'")
            conn.execute(
                update(model)
                .where(
                    model.id == record.id,
                    or_(model.last_used_at.is_(None), model.last_used_at < now - LAST_USED_STEP),
                )
                .values(last_used_at=now)
            )
    except SQLAlchemyError:
        _log.warning(
            "could not record the use of %s %s", model.__tablename__, record.id, exc_info=True
        )
        return
    set_committed_value(record, "last_used_at", now)


_STAMP_LOCK_TIMEOUT_MS = 2000


def _request_holds_sqlite_write_lock() -> bool:
    """Whether the request's session has written to SQLite in its open transaction (pysqlite
    begins one at the first write only): a second connection's write would wait for it."""
    session = db.session()
    if not session.in_transaction():
        return False
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        return False
    return bool(getattr(conn.connection.dbapi_connection, "in_transaction", False))


def _current_ids(login_key, bearer) -> tuple[int | None, int | None]:
    """The caller's own sign-in id (from the cookie key) and token id (from the bearer)."""
    session_id = token_id = None
    if login_key and isinstance(login_key, str) and len(login_key) <= 200:
        session_id = db.session.scalar(
            select(LoginSession.id).where(LoginSession.key_hash == _digest(login_key))
        )
    token = token_record(bearer) if bearer else None
    if token is not None:
        token_id = token.id
    return session_id, token_id


def device_id(kind: str, record_id: int) -> str:
    """The public id of a sign-in ("b12") or token ("t7"): one list, no collisions."""
    return ("b" if kind == "browser" else "t") + str(record_id)


def _parse_device_id(value) -> tuple[str, int]:
    text = str(value or "")
    if len(text) < 2 or len(text) > 20 or text[0] not in "bt" or not text[1:].isdigit():
        raise NotFound(_l("No such session."))
    return ("browser" if text[0] == "b" else "token"), int(text[1:])


def _live_sessions(user: User) -> list[LoginSession]:
    return list(
        db.session.scalars(
            select(LoginSession)
            .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
            .order_by(LoginSession.id)
        )
    )


def _live_tokens(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(
                ApiToken.user_id == user.id,
                ApiToken.revoked_at.is_(None),
                ApiToken.expires_at > utcnow(),
            )
            .order_by(ApiToken.id)
        )
    )


def list_devices(user: User, *, login_key=None, bearer=None) -> list[dict[str, Any]]:
    """The user's live sign-ins and tokens, the caller's own (named by its cookie key or bearer
    token, marked `current`) first, then by last use."""
    current_session_id, current_token = _current_ids(login_key, bearer)
    rows: list[dict[str, Any]] = [
        {
            "id": device_id("browser", record.id),
            "kind": "browser",
            "device": device_name(record.user_agent),
            "created_at": record.created_at,
            "last_used_at": record.last_used_at or record.created_at,
            "current": record.id == current_session_id,
        }
        for record in _live_sessions(user)
    ] + [
        {
            "id": device_id("token", token.id),
            "kind": "token",
            "device": token.device,
            "created_at": token.created_at,
            "last_used_at": token.last_used_at or token.created_at,
            "current": token.id == current_token,
        }
        for token in _live_tokens(user)
    ]
    rows.sort(key=lambda row: row["last_used_at"], reverse=True)
    rows.sort(key=lambda row: not row["current"])  # stable: this device first, then by last use
    return rows


def _end_record(record: LoginSession | ApiToken) -> None:
    """End one sign-in or revoke one token; its sockets drop after the commit."""
    if isinstance(record, LoginSession):
        record.ended_at = utcnow()
        realtime.disconnect_login(record.id)
    else:
        record.revoked_at = utcnow()
        realtime.disconnect_token(record.id)


def end_device(user: User, public_id) -> None:
    """End one of the user's own live sign-ins or tokens; anything else is NotFound."""
    kind, record_id = _parse_device_id(public_id)
    record: LoginSession | ApiToken | None
    if kind == "browser":
        record = db.session.get(LoginSession, record_id)
        live = record is not None and record.ended_at is None
    else:
        record = db.session.get(ApiToken, record_id)
        live = record is not None and token_record_is_live(record)
    if record is None or record.user_id != user.id or not live:
        raise NotFound(_l("No such session."))
    _end_record(record)
    db.session.commit()


def end_other_devices(user: User, *, login_key=None, bearer=None) -> int:
    """End every live sign-in and token of the user but the caller's own; how many ended."""
    current_session_id, current_token = _current_ids(login_key, bearer)
    ended = 0
    for record in _live_sessions(user):
        if record.id != current_session_id:
            _end_record(record)
            ended += 1
    for token in _live_tokens(user):
        if token.id != current_token:
            _end_record(token)
            ended += 1
    db.session.commit()
    return ended
