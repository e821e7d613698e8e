"""Server-process liveness: each serving process beats every SOCKET_HEARTBEAT_SECONDS and sweeps
away the socket rows of processes that stopped beating (killed, crashed, restarted), so nobody
stays "online" behind a socket that no longer exists.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from flask import Flask
from sqlalchemy import and_, delete, or_, select, update

from thebot import signals
from thebot.extensions import db, socketio
from thebot.models import ServerProcess, SocketConnection
from thebot.models.base import execute_dml, utcnow

log = logging.getLogger(__name__)
SERVER_ID = uuid.uuid4().hex  # this process
MISSED_BEATS = 3  # a process is dead after this many heartbeats without a sign of life


def beat_and_sweep(interval: float) -> int:
    """Record this process's heartbeat and remove the sockets of dead processes; commits.

    Each process is judged by its own interval (`dead_after`, which it sets at every beat), not
    by the sweeper's: a process beating every second must not take one beating every 30 s for
    dead between two of its beats (as during a rolling change of the setting)."""
    now = utcnow()
    window = timedelta(seconds=interval * MISSED_BEATS)
    seen = execute_dml(
        update(ServerProcess)
        .where(ServerProcess.server_id == SERVER_ID)
        .values(seen_at=now, dead_after=now + window)
    )
    if seen.rowcount == 0:
        db.session.add(
            ServerProcess(server_id=SERVER_ID, started_at=now, seen_at=now, dead_after=now + window)
        )
        db.session.flush()
    overdue = or_(
        ServerProcess.dead_after < now,
        and_(ServerProcess.dead_after.is_(None), ServerProcess.seen_at < now - window),
    )
    dead = list(db.session.scalars(select(ServerProcess.server_id).where(overdue)))
    # "" marks sockets recorded before processes were named: none of them can be live now.
    gone = execute_dml(
        delete(SocketConnection).where(SocketConnection.server_id.in_([*dead, ""]))
    ).rowcount
    db.session.execute(delete(ServerProcess).where(ServerProcess.server_id.in_(dead)))
    signals.sockets_swept.send(None)
    db.session.commit()
    if gone:
        log.info("removed %s sockets of server processes that stopped", gone)
    return gone


def run(app: Flask, interval: float) -> None:
    """The heartbeat loop of a serving process (a background task; never raises)."""
    while True:
        with app.app_context():
            try:
                beat_and_sweep(interval)
            except Exception:  # a boundary: a failed beat is retried at the next one
                log.exception("server heartbeat failed")
                db.session.rollback()
            finally:
                db.session.remove()
        socketio.sleep(interval)
