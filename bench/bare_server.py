"""The yardstick: a bare Flask-SocketIO server with the same transport as ours (ASYNC_MODE:
eventlet with TCP_NODELAY, gevent or threading; SOCKETIO_MESSAGE_QUEUE and SOCKETIO_CHANNEL as
ours), no database, no authentication. `join` enters a room; `send` broadcasts the message to it
and acknowledges. `GET /bare` is the bare Flask route the page benchmark compares with.

Run: python -m bench.bare_server PORT
"""

import os

MODE = os.environ.get("ASYNC_MODE", "eventlet")
if MODE == "eventlet":
    import eventlet

    eventlet.monkey_patch()
elif MODE == "gevent":
    from gevent import monkey

    monkey.patch_all()

import gc  # noqa: E402
import itertools  # noqa: E402
import logging  # noqa: E402
import sys  # noqa: E402
from datetime import UTC, datetime  # noqa: E402

from flask import Flask, jsonify  # noqa: E402
from flask_socketio import SocketIO, join_room  # noqa: E402

app = Flask(__name__)
socketio = SocketIO(
    app,
    async_mode=MODE,
    message_queue=os.environ.get("SOCKETIO_MESSAGE_QUEUE") or None,
    channel=os.environ.get("SOCKETIO_CHANNEL") or "flask-socketio",
    logger=False,
    engineio_logger=False,
)
_ids = itertools.count(1)


@app.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


@app.get("/bare")
def bare():
    """The least a Flask route can do: a small HTML page."""
    return "<!doctype html><title>bare</title><p>Hello</p>"


@socketio.on("join", namespace="/chat")
def join(data):
    join_room(f"chat:{data['room_id']}")
    return {"ok": True}


@socketio.on("send", namespace="/chat")
def send(data):
    message = {
        "id": next(_ids),
        "room_id": data["room_id"],
        "content": data["content"],
        "client_id": data.get("client_id"),
        "created_at": datetime.now(UTC).isoformat(),
    }
    socketio.emit("message", message, to=f"chat:{data['room_id']}", namespace="/chat")
    return {"ok": True, "message": message}


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    port = int(sys.argv[1])
    gc.collect()  # the same runtime tuning as ours (thebot.server.serve)
    gc.freeze()
    if MODE == "eventlet":
        import eventlet.wsgi

        from thebot.server import NoDelayListener

        listener = NoDelayListener(eventlet.listen(("127.0.0.1", port)))
        eventlet.wsgi.server(
            listener, app, log=logging.getLogger("eventlet.wsgi"), log_output=False
        )
    else:  # as thebot.server.serve does for these modes
        socketio.run(
            app,
            host="127.0.0.1",
            port=port,
            allow_unsafe_werkzeug=(MODE == "threading"),
            use_reloader=False,
            log_output=False,
        )
