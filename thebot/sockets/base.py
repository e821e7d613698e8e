"""What every namespace shares: authentication on connect, the user re-check on every event,
the ack envelope, the connection registry (so any process can disconnect a socket), and
releasing the database session after each event.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import wraps

from flask import request, session
from flask_babel import gettext as _
from flask_socketio import Namespace, join_room
from socketio import exceptions as socketio_exceptions
from sqlalchemy import delete, select

from thebot.auth_setup import LOGIN_KEY
from thebot.extensions import db, socketio
from thebot.models import SocketConnection, User
from thebot.services import accounts, events
from thebot.services.errors import DomainError
from thebot.sockets import liveness

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Identity:
    """Who a socket is: the user and the credential it connected with."""

    user_id: int
    token_id: int | None
    login_session_id: int | None


# Per process: the identity of each local socket, by (namespace, sid).
_identities: dict[tuple[str, str], Identity] = {}


def user_room(user_id: int) -> str:
    """The private room every socket of a user joins."""
    return f"user:{user_id}"


def error(code: str, message: str) -> dict:
    """An ack that refuses: {"ok": false, "error": {"code", "message"}}."""
    return {"ok": False, "error": {"code": code, "message": message}}


class ConnectRefusal(socketio_exceptions.ConnectionRefusedError):
    """Refuse a connection with the contract's data {"code", "message"} as the connect_error.

    (python-socketio's own exception turns a single argument into {"message": str(arg)}.)
    """

    def __init__(self, data: dict):
        super().__init__(data.get("message", ""))
        self.error_args = dict(data)


class Refused(Exception):
    """Raised by a handler to refuse with a contract error code."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def _authenticate(auth) -> Identity:
    """The identity of a connecting client: an API token in `auth`, else the session cookie."""
    if isinstance(auth, dict) and auth.get("token") is not None:
        token = auth.get("token")
        record = accounts.token_record(token) if isinstance(token, str) else None
        if record is None:
            raise ConnectRefusal({"code": "unauthorized",
                                  "message": _("The token is invalid, expired or revoked.")})
        return Identity(record.user_id, record.id, None)
    record = accounts.login_session_record(session.get("_user_id"), session.get(LOGIN_KEY))
    if record is None:
        raise ConnectRefusal({"code": "unauthorized", "message": _("Sign in first.")})
    return Identity(record.user_id, None, record.id)


def _still_valid(identity: Identity) -> User | None:
    """Re-check a socket's user and credential; None when either has ended."""
    if identity.token_id is not None:
        record = db.session.get(accounts.ApiToken, identity.token_id)
        if record is None or not accounts.token_record_is_live(record):
            return None
    else:
        record = db.session.get(accounts.LoginSession, identity.login_session_id)
        if record is None or record.ended_at is not None:
            return None
    user = db.session.get(User, identity.user_id)
    if user is None or not user.active:
        return None
    return user


def current_identity() -> Identity | None:
    return _identities.get((request.namespace, request.sid))


class AuthedNamespace(Namespace):
    """A namespace whose sockets are authenticated and registered; subclasses add events."""

    def on_connect(self, auth=None):
        try:
            identity = _authenticate(auth)
            _identities[(self.namespace, request.sid)] = identity
            db.session.merge(SocketConnection(sid=request.sid, namespace=self.namespace,
                                              user_id=identity.user_id,
                                              token_id=identity.token_id,
                                              login_session_id=identity.login_session_id,
                                              server_id=liveness.SERVER_ID))
            db.session.commit()
            join_room(user_room(identity.user_id))
            user = db.session.get(User, identity.user_id)
            self.connected(user)
        except ConnectRefusal:
            raise
        except Exception:  # a boundary: log once, refuse cleanly
            log.exception("socket connect failed on %s", self.namespace)
            db.session.rollback()
            raise ConnectRefusal({"code": "internal_error",
                                  "message": _("Something went wrong on our side.")})
        finally:
            db.session.remove()

    def on_disconnect(self, reason=None):
        identity = _identities.pop((self.namespace, request.sid), None)
        try:
            db.session.execute(delete(SocketConnection).where(
                SocketConnection.sid == request.sid, SocketConnection.namespace == self.namespace))
            if identity is not None:
                self.disconnected(identity.user_id)
            db.session.commit()
        except Exception:  # a boundary: a failed cleanup must not break the server loop
            log.exception("socket disconnect cleanup failed on %s", self.namespace)
            db.session.rollback()
        finally:
            db.session.remove()

    def connected(self, user: User) -> None:
        """Hook: the socket of `user` has connected (inside the connect transaction)."""

    def disconnected(self, user_id: int) -> None:
        """Hook: a socket of this user has gone (inside a transaction committed after)."""


def socket_event(handler):
    """Wrap a namespace event: payload must be an object; user re-checked; ack envelope.

    The handler is called as handler(self, user, payload) and returns a dict merged into
    {"ok": true}. Domain errors become error acks; anything else is logged and answered
    `internal_error`. The database session is released afterwards in every case.
    """
    @wraps(handler)
    def wrapper(self, payload=None, *extra):
        try:
            identity = current_identity()
            user = _still_valid(identity) if identity is not None else None
            if user is None:
                # Disconnect once the refusal's ack is on its way (a synchronous disconnect
                # would drop the ack: the client leaves the namespace before it is sent).
                socketio.start_background_task(_disconnect_after_ack, request.sid,
                                               request.namespace)
                return error("unauthorized", _("Your session has ended. Please sign in again."))
            if not isinstance(payload, dict):
                return error("bad_request", _("The payload must be a JSON object."))
            result = handler(self, user, payload)
            return {"ok": True, **(result or {})}
        except Refused as exc:
            db.session.rollback()
            return error(exc.code, exc.message)
        except DomainError as exc:
            db.session.rollback()
            code = "bad_request" if exc.code == "validation_error" else exc.code
            return error(code, exc.message)
        except Exception:  # a boundary: log once with the traceback, answer the envelope
            log.exception("socket event %s failed", handler.__name__)
            db.session.rollback()
            return error("internal_error", _("Something went wrong on our side."))
        finally:
            db.session.remove()
    return wrapper


def _disconnect_after_ack(sid: str, namespace: str) -> None:
    socketio.sleep(0.2)
    socketio.server.disconnect(sid, namespace=namespace)


def _disconnect_matching(kind: str, key: int) -> None:
    """Disconnect, in whatever process holds them, the sockets of a user, token or sign-in."""
    column = {"user": SocketConnection.user_id, "token": SocketConnection.token_id,
              "login": SocketConnection.login_session_id}[kind]
    # Runs after a commit, when the session may not emit SQL: use a connection of its own.
    with db.engine.connect() as connection:
        rows = connection.execute(
            select(SocketConnection.sid, SocketConnection.namespace).where(column == key)).all()
    for sid, namespace in rows:
        socketio.server.disconnect(sid, namespace=namespace)


events.on_disconnect_request(_disconnect_matching)
