"""The yardstick: a bare Flask-SocketIO broadcast server with the same transport as ours
(eventlet, TCP_NODELAY), no database, no authentication. `join` enters a room; `send`
broadcasts the message to it and acknowledges.

Run: python -m bench.bare_server PORT
"""

import eventlet

eventlet.monkey_patch()

import itertools  # noqa: E402
import logging  # noqa: E402
import sys  # noqa: E402
from datetime import UTC, datetime  # noqa: E402

import eventlet.wsgi  # noqa: E402
from flask import Flask, jsonify  # noqa: E402
from flask_socketio import SocketIO, join_room  # noqa: E402

from thebot.server import NoDelayListener  # noqa: E402

app = Flask(__name__)
socketio = SocketIO(app, async_mode="eventlet", logger=False, engineio_logger=False)
_ids = itertools.count(1)


@app.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


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
    listener = NoDelayListener(eventlet.listen(("127.0.0.1", int(sys.argv[1]))))
    eventlet.wsgi.server(listener, app, log=logging.getLogger("eventlet.wsgi"), log_output=False)
