"""Serving the app and Socket.IO in the configured async mode."""

from __future__ import annotations

import gc
import logging
import socket

from flask import Flask

from thebot.extensions import socketio
from thebot.services.billing import overdue
from thebot.services.chat import digest
from thebot.sockets import liveness

log = logging.getLogger(__name__)


class NoDelayListener:
    """A listening socket whose accepted connections have TCP_NODELAY set.

    eventlet's WSGI server leaves Nagle's algorithm on, which delays every small
    acknowledged Socket.IO packet by the peer's delayed-ACK timer (about 40 ms).
    """

    def __init__(self, sock):
        self._sock = sock

    def accept(self):
        conn, address = self._sock.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn, address

    def __getattr__(self, name):
        return getattr(self._sock, name)


def serve(app: Flask, host: str, port: int) -> None:
    """Serve until interrupted: eventlet (default), gevent or threading, per ASYNC_MODE."""
    mode = app.config["ASYNC_MODE"]
    log.info("serving on http://%s:%s (async mode %s)", host, port, mode)
    socketio.start_background_task(liveness.run, app, app.config["SOCKET_HEARTBEAT_SECONDS"])
    socketio.start_background_task(overdue.run, app, app.config["BILLING_OVERDUE_INTERVAL_SECONDS"])
    socketio.start_background_task(digest.run, app, app.config["CHAT_DIGEST_INTERVAL_SECONDS"])
    # What startup built (modules, the app, compiled statements) stays for the process's life:
    # frozen out of the garbage collector's sight, its full collections stop walking it on every
    # pass, pauses that held up every socket (bench/README.md: the 200-receiver fan-out's p99).
    gc.collect()
    gc.freeze()
    if mode == "eventlet":
        import eventlet
        import eventlet.wsgi

        listener = NoDelayListener(eventlet.listen((host, port)))
        # The access log names the connection's peer only: X-Forwarded-For is whatever a client
        # wrote (the app believes it only behind TRUSTED_PROXIES, see create_app).
        eventlet.wsgi.server(
            listener,
            app,
            log=logging.getLogger("eventlet.wsgi"),
            log_x_forwarded_for=False,
            log_format='%(client_ip)s "%(request_line)s" %(status_code)s '
            "%(body_length)s %(wall_seconds).3f",
        )
        return
    socketio.run(
        app,
        host=host,
        port=port,
        allow_unsafe_werkzeug=(mode == "threading"),
        use_reloader=False,
        log_output=False,
    )
