"""What every namespace shares: authentication on connect, the user re-check on every event,
the ack envelope, the connection registry (so any process can disconnect a socket), and
releasing the database session after each event.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import wraps

from flask import current_app, request, session
from flask_babel import gettext as _
from flask_socketio import Namespace, join_room
from limits import parse as parse_limit
from socketio import exceptions as socketio_exceptions
from sqlalchemy import delete

from thebot import realtime
from thebot.extensions import db, socketio
from thebot.models import SocketConnection, User
from thebot.services import signins
from thebot.services.errors import DomainError
from thebot.sockets import liveness
from thebot.sockets.shared import socket_limits
from thebot.web import LOGIN_KEY

log = logging.getLogger(__name__)

MAX_PAYLOAD = 64 * 1024  # bytes of JSON per client event; larger ones are refused `too_large`
TRANSPORT_MAX = 1024 * 1024  # the Engine.IO packet limit: beyond it the transport closes
LIFECYCLE_EVENTS = frozenset({"connect", "disconnect"})
# What a client event is renamed to when its name is the server's lifecycle or no name at all.
REFUSED_EVENT = "_refused"


@dataclass(frozen=True)
class Identity:
    """Who a socket is: the user and the credential it connected with."""

    user_id: int
    token_id: int | None
    login_session_id: int | None


# Per process: the identity of each local socket, by (namespace, sid).
_identities: dict[tuple[str, str], Identity] = {}


def error(code: str, message: str) -> dict:
    """An ack that refuses: {"ok": false, "error": {"code", "message"}}."""
    return {"ok": False, "error": {"code": code, "message": message}}


class ConnectRefusal(socketio_exceptions.ConnectionRefusedError):
    """Refuse a connection in Socket.IO's own shape (contract.md section 4):
    {"message": "...", "data": {"code", "message"}}, so the JS client reads `err.data.code`
    and python-socketio's `connect_error` handler gets the same object.
    """

    def __init__(self, data: dict):
        message = str(data.get("message", ""))
        super().__init__(message)
        self.error_args = {"message": message, "data": {"code": data["code"], "message": message}}


class Refused(Exception):
    """Raised by a handler to refuse with a contract error code."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def _authenticate(auth) -> Identity:
    """The identity of a connecting client: an API token in `auth`, else the session cookie."""
    if isinstance(auth, dict) and auth.get("token") is not None:
        token = auth.get("token")
        token_record = signins.token_record(token) if isinstance(token, str) else None
        if token_record is None:
            raise ConnectRefusal(
                {"code": "unauthorized", "message": _("The token is invalid, expired or revoked.")}
            )
        return Identity(token_record.user_id, token_record.id, None)
    record = signins.login_session_record(session.get("_user_id"), session.get(LOGIN_KEY))
    if record is None:
        raise ConnectRefusal({"code": "unauthorized", "message": _("Sign in first.")})
    return Identity(record.user_id, None, record.id)


def _still_valid(identity: Identity) -> User | None:
    """Re-check a socket's user and credential; None when either has ended."""
    user = signins.user_of_live_credential(
        token_id=identity.token_id, login_session_id=identity.login_session_id
    )
    return user if user is not None and user.id == identity.user_id else None


def socket_sid() -> str:
    """The Socket.IO id of the socket whose event or connection is being handled."""
    return request.sid  # type: ignore[attr-defined]  # set by Flask-SocketIO; Werkzeug lacks it


def socket_namespace() -> str:
    """The namespace of the socket whose event or connection is being handled."""
    return request.namespace  # type: ignore[attr-defined]  # set by Flask-SocketIO, as sid


def current_identity() -> Identity | None:
    return _identities.get((socket_namespace(), socket_sid()))


def _size(payload) -> int:
    return len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())


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
                socketio.start_background_task(
                    _disconnect_after_ack, socket_sid(), socket_namespace()
                )
                return error("unauthorized", _("Your session has ended. Please sign in again."))
            if not isinstance(payload, dict):
                return error("bad_request", _("The payload must be a JSON object."))
            if _size(payload) > MAX_PAYLOAD:
                return error(
                    "too_large",
                    _("The payload is larger than %(size)d KiB.", size=MAX_PAYLOAD // 1024),
                )
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


class AuthedNamespace(Namespace):
    """A namespace whose sockets are authenticated and registered; subclasses add events."""

    def on_connect(self, auth=None):
        try:
            identity = _authenticate(auth)
            _identities[(self.namespace, socket_sid())] = identity
            db.session.merge(
                SocketConnection(
                    sid=socket_sid(),
                    namespace=self.namespace,
                    user_id=identity.user_id,
                    token_id=identity.token_id,
                    login_session_id=identity.login_session_id,
                    server_id=liveness.SERVER_ID,
                )
            )
            db.session.commit()
            join_room(realtime.user_room(identity.user_id))
            user = db.session.get(User, identity.user_id)
            if user is None:  # deleted since it authenticated
                raise ConnectRefusal({"code": "unauthorized", "message": _("Sign in first.")})
            self.connected(user)
        except ConnectRefusal:
            raise
        except Exception:  # a boundary: log once, refuse cleanly
            log.exception("socket connect failed on %s", self.namespace)
            db.session.rollback()
            raise ConnectRefusal(
                {"code": "internal_error", "message": _("Something went wrong on our side.")}
            ) from None
        finally:
            db.session.remove()

    def trigger_event(self, event, *args):
        """Dispatch to `on_<event>`; an event without a handler goes to `on__refused`."""
        if event not in LIFECYCLE_EVENTS and not callable(getattr(self, "on_" + event, None)):
            event = REFUSED_EVENT
        return super().trigger_event(event, *args)

    @socket_event
    def on__refused(self, user, payload):
        """Unknown events, and client events named after the lifecycle, change nothing."""
        raise Refused("bad_request", _("Unknown event."))

    def on_disconnect(self, reason=None):
        identity = _identities.pop((self.namespace, socket_sid()), None)
        try:
            db.session.execute(
                delete(SocketConnection).where(
                    SocketConnection.sid == socket_sid(),
                    SocketConnection.namespace == self.namespace,
                )
            )
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


def check_rate(user: User, scope: str) -> None:
    """Count one `scope` event of this user (e.g. typing) against SOCKET_<SCOPE>_LIMIT, in the
    rate-limit storage every process shares; over the limit the event is refused."""
    limit = parse_limit(current_app.config[f"SOCKET_{scope.upper()}_LIMIT"])
    if not socket_limits.hit(limit, "socket", scope, str(user.id)):
        raise Refused("rate_limited", _("Too many events. Wait a moment and try again."))


def guard_client_events(server) -> None:
    """Every client EVENT packet of `server` passes here first. python-socketio would run the
    lifecycle handlers for a client event named `connect` or `disconnect` (and fail on one with
    no name): such events are renamed REFUSED_EVENT, which every namespace answers
    `bad_request`, changing nothing. A packet that does not even decode (malformed, or JSON
    nested beyond any decoder) is dropped with a warning: it is the client's fault, not ours."""
    handle_event = server._handle_event
    handle_message = server._handle_eio_message

    def guarded_message(eio_sid, data):
        try:
            return handle_message(eio_sid, data)
        except Exception:
            if _decodes(server, data):
                raise  # not the packet's fault: Engine.IO logs it with its traceback
            log.warning(
                "dropped a malformed Socket.IO packet (%d bytes) from %s", len(data), eio_sid
            )
            return None

    def guarded(eio_sid, namespace, ack_id, data):
        if (
            not isinstance(data, list)
            or not data
            or not isinstance(data[0], str)
            or data[0] in LIFECYCLE_EVENTS
        ):
            data = [REFUSED_EVENT, *(data[1:] if isinstance(data, list) else [])]
        return handle_event(eio_sid, namespace, ack_id, data)

    server._handle_event = guarded
    server.eio.on("message", guarded_message)  # Engine.IO holds the handler it was given


def _decodes(server, data) -> bool:
    if not isinstance(data, str):
        return True  # binary attachments are decoded with their packet
    try:
        server.packet_class(encoded_packet=data)
    except Exception:  # whatever the decoder raises on garbage
        return False
    return True


def _disconnect_after_ack(sid: str, namespace: str) -> None:
    socketio.sleep(0.2)
    socketio.server.disconnect(sid, namespace=namespace)
