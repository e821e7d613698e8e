"""Socket.IO: the server setup and one Namespace class per namespace."""
from __future__ import annotations

from flask import Flask

from thebot.extensions import socketio


def init_socketio(app: Flask) -> None:
    """Bind Socket.IO with the configured async mode, message queue and allowed origins."""
    origins = app.config["CORS_ALLOWED_ORIGINS"] or None  # None: same origin only
    socketio.init_app(
        app,
        async_mode=app.config["ASYNC_MODE"],
        message_queue=app.config["SOCKETIO_MESSAGE_QUEUE"],
        cors_allowed_origins=origins,
        manage_session=False,
        logger=False,
        engineio_logger=False,
        max_http_buffer_size=64 * 1024,
    )
