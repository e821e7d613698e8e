"""Live events go out after commit: services record them here; the commit hook sends them.

A rolled-back transaction sends nothing. Sending goes through `socketio.emit`, which works the
same with a message queue and from background tasks.
"""
from __future__ import annotations

import logging
from typing import Any, Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

from thebot.extensions import db, socketio

log = logging.getLogger(__name__)
_KEY = "thebot_after_commit"

# Functions the sockets package registers to act on sessions ending (e.g. disconnect sockets).
_disconnect_handlers: list[Callable[[str, Any], None]] = []


def on_disconnect_request(handler: Callable[[str, Any], None]) -> None:
    """Register handler(kind, key) called after commit when sessions of a user/token/login end."""
    _disconnect_handlers.append(handler)


def after_commit(action: Callable[[], None]) -> None:
    """Run `action` once the current transaction commits (dropped on rollback)."""
    db.session.info.setdefault(_KEY, []).append(action)


def emit(name: str, data: Any, *, to: str, namespace: str) -> None:
    """Emit a Socket.IO event to a room once the current transaction commits."""
    after_commit(lambda: socketio.emit(name, data, to=to, namespace=namespace))


def disconnect_user(user_id: int) -> None:
    """After commit, disconnect every socket of this user."""
    for handler in _disconnect_handlers:
        after_commit(lambda h=handler: h("user", user_id))


def disconnect_token(token_id: int) -> None:
    """After commit, disconnect every socket authenticated by this API token."""
    for handler in _disconnect_handlers:
        after_commit(lambda h=handler: h("token", token_id))


def disconnect_login(login_session_id: int) -> None:
    """After commit, disconnect the sockets of one browser sign-in."""
    for handler in _disconnect_handlers:
        after_commit(lambda h=handler: h("login", login_session_id))


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
