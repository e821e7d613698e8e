"""Socket.IO: the server setup and one Namespace class per namespace."""

from __future__ import annotations

import importlib

from flask import Flask

from thebot.extensions import socketio
from thebot.sockets.base import TRANSPORT_MAX, guard_client_events
from thebot.sockets.shared import client_manager

# "module:Class" of each namespace handler, registered with its namespace path.
NAMESPACES: dict[str, str] = {
    "/chat": "thebot.sockets.chat:ChatNamespace",
    "/notifications": "thebot.sockets.notifications:NotificationsNamespace",
    "/reports": "thebot.sockets.reports:ReportsNamespace",
}
_registered = False


def _register_namespaces() -> None:
    """Register every namespace once per process (init_app hands them to each new server)."""
    global _registered
    if _registered:
        return
    for path, target in NAMESPACES.items():
        module_name, class_name = target.split(":")
        handler_class = getattr(importlib.import_module(module_name), class_name)
        socketio.on_namespace(handler_class(path))
    _registered = True


def init_socketio(app: Flask) -> None:
    """Bind Socket.IO with the configured async mode, message queue and allowed origins."""
    _register_namespaces()
    origins = app.config["CORS_ALLOWED_ORIGINS"] or None  # None: same origin only
    queue = client_manager(app.config["SOCKETIO_MESSAGE_QUEUE"], app.config["SOCKETIO_CHANNEL"])
    socketio.init_app(
        app,
        **({"client_manager": queue} if queue is not None else {}),  # Redis: see shared.py
        async_mode=app.config["ASYNC_MODE"],
        message_queue=app.config["SOCKETIO_MESSAGE_QUEUE"],
        channel=app.config["SOCKETIO_CHANNEL"],
        cors_allowed_origins=origins,
        manage_session=False,
        logger=False,
        engineio_logger=False,
        max_http_buffer_size=TRANSPORT_MAX,
    )
    guard_client_events(socketio.server)
