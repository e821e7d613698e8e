"""The only door from services to Socket.IO: namespaces, room names, and everything that must
happen only once the current transaction commits (emits, leaving rooms, cutting sockets off).

A service records what to send with `emit(...)`; an SQLAlchemy `after_commit` hook sends it
through `socketio.emit`, which works the same with a message queue and from background tasks.
A rolled-back transaction sends nothing, and a failing push never undoes the committed action.
Nothing that runs in the hook uses the committing session.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from thebot.extensions import db, socketio
from thebot.models import SocketConnection

log = logging.getLogger(__name__)
_KEY = "thebot_after_commit"

CHAT = "/chat"
REPORTS = "/reports"
NOTIFICATIONS = "/notifications"


def user_room(user_id: int) -> str:
    """The private room every socket of a user joins, in every namespace."""
    return f"user:{user_id}"


def chat_room(room_id: int) -> str:
    """The Socket.IO room of the sockets that joined a chat room."""
    return f"chat:{room_id}"


def after_commit(action: Callable[[], None]) -> None:
    """Run `action` once the current transaction commits (dropped on rollback)."""
    db.session.info.setdefault(_KEY, []).append(action)


# Per process: the coalesced actions waiting to run, by key, with the tags of their calls.
_coalesced: dict[Hashable, set] = {}
_coalesced_lock = threading.Lock()


def after_commit_coalesced(
    key: Hashable, action: Callable[[set], None], delay: float, *, tag: Any = None
) -> None:
    """Once the transaction commits, run `action(tags)` `delay` seconds later, once for every
    call with this `key` in that time (`tags`: the calls' `tag` values), in a background task
    with an app context and a transaction of its own, committed after it (so its `emit`s go
    out then). For work where only the latest state matters, such as counts: a burst costs one
    run that reads the state after it.

    Nothing is cached: the run reads the database when it runs, so it is correct in any number
    of processes (each process coalesces its own calls; at worst each sends the same counts).
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def schedule() -> None:
        with _coalesced_lock:
            tags = _coalesced.get(key)
            if tags is not None:
                tags.add(tag)
                return
            _coalesced[key] = {tag}
        socketio.start_background_task(_run_coalesced, app, key, action, delay)

    after_commit(schedule)


def _run_coalesced(app, key: Hashable, action: Callable[[set], None], delay: float) -> None:
    socketio.sleep(delay)
    with _coalesced_lock:  # a call from now on schedules a new run, which reads its change
        tags = _coalesced.pop(key, set())
    with app.app_context():
        try:
            action(tags)
            db.session.commit()
        except Exception:  # a boundary: a background task has no caller to tell
            log.exception("coalesced action %r failed", key)
            db.session.rollback()
        finally:
            db.session.remove()


def emit(
    name: str, data: Any, *, to: str, namespace: str, skip_sid: Iterable[str] | None = None
) -> None:
    """Emit a Socket.IO event to a room once the current transaction commits."""
    skip = list(skip_sid) if skip_sid is not None else None
    after_commit(lambda: socketio.emit(name, data, to=to, namespace=namespace, skip_sid=skip))


def leave_room(sid: str, room: str, namespace: str) -> None:
    """Once the transaction commits, the socket `sid` stops hearing `room`."""
    after_commit(lambda: socketio.server.leave_room(sid, room, namespace=namespace))


def disconnect_user(user_id: int) -> None:
    """After commit, disconnect every socket of this user, in every namespace and process."""
    after_commit(lambda: _disconnect(SocketConnection.user_id == user_id))


def disconnect_token(token_id: int) -> None:
    """After commit, disconnect every socket authenticated by this API token."""
    after_commit(lambda: _disconnect(SocketConnection.token_id == token_id))


def disconnect_login(login_session_id: int) -> None:
    """After commit, disconnect the sockets of one browser sign-in."""
    after_commit(lambda: _disconnect(SocketConnection.login_session_id == login_session_id))


def _disconnect(condition) -> None:
    """Disconnect, in whatever process holds them, the registered sockets matching `condition`.

    It runs inside the committing session's after_commit hook, while python-socketio runs the
    disconnect handlers of local sockets synchronously: they get an app context, and so a
    database session, of their own; the committing one is never touched.
    """
    with current_app.app_context():
        with db.engine.connect() as connection:
            rows = connection.execute(
                select(SocketConnection.sid, SocketConnection.namespace).where(condition)
            ).all()
        for sid, namespace in rows:
            try:
                # A local socket is closed now; any other goes through the message queue to
                # the process that holds it.
                socketio.server.disconnect(sid, namespace=namespace)
            except Exception:  # a boundary: one failure must not spare the other sockets
                log.exception("disconnecting socket %s on %s failed", sid, namespace)
            finally:
                db.session.remove()


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    actions = session.info.pop(_KEY, [])
    for action in actions:
        try:
            action()
        except Exception:  # a boundary: a failed push never undoes a committed action
            log.exception("after-commit action failed")


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    session.info.pop(_KEY, None)
