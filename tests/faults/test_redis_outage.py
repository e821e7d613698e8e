"""Redis stopped under two running server processes that share it as the Socket.IO message queue
and the rate-limit storage (issue 12, point 4). Meanwhile each process keeps serving its own
clients: a chat message between two sockets of one process still arrives at once, new sockets
join, sign-ins (rate-limited) work; the outage is logged once per process, not per event. When
Redis is back, events cross between the processes again without a restart.
"""

from __future__ import annotations

import time

import pytest
import requests

from tests.support.http import api_token
from tests.support.instances import RedisInstance
from tests.support.realtime import WAIT, ChatClient, tutor_room, wait_until_forgotten
from tests.support.servers import ServerProcess

pytestmark = [pytest.mark.realtime, pytest.mark.timeout(240)]

BOUND = 2.0  # seconds an ack or a same-process delivery may take while Redis is away
# Lines that tell of Redis being away or back, of both kinds (the queue, the limits).
OUTAGE_WORDS = ("message queue", "Rate limit storage", "rate-limit storage", "redis")


@pytest.fixture(scope="module")
def pair(database_url, uploads_dir, tmp_path_factory):
    """A Redis of our own and two `python wsgi.py` processes sharing it."""
    redis = RedisInstance()
    servers: list[ServerProcess] = []
    try:
        for name in ("a", "b"):
            log = tmp_path_factory.mktemp(f"redis-{name}") / "server.log"
            # CHAT_SEND_LIMIT=0: the send limit (counted in the database) would stop the retries
            queue = {"SOCKETIO_MESSAGE_QUEUE": redis.url, "CHAT_SEND_LIMIT": 0}
            servers.append(ServerProcess(database_url, uploads_dir, log, **queue))
        yield redis, servers[0], servers[1]
    finally:
        for server in servers:
            server.stop()
        redis.close()


def _outage_lines(server: ServerProcess, offset: int) -> list[str]:
    return [
        line
        for line in server.log_text()[offset:].splitlines()
        if any(word.lower() in line.lower() for word in OUTAGE_WORDS)
    ]


def _send(client: ChatClient, room: int, text: str) -> tuple[float, dict]:
    started = time.monotonic()
    ack = client.call("send", {"room_id": room, "content": text, "client_id": text})
    return time.monotonic() - started, ack


def _crosses(sender: ChatClient, receiver: ChatClient, room: int, tag: str, timeout: float):
    """Send until a message reaches the receiver (Redis subscriptions come back with a delay);
    the id of the first one that arrived, or None."""
    deadline = time.monotonic() + timeout
    attempt = 0
    while time.monotonic() < deadline:
        attempt += 1
        client_id = f"{tag}-{attempt}"
        _took, ack = _send(sender, room, client_id)
        assert ack["ok"] is True, ack
        try:
            heard = receiver.wait_for("message", lambda m, c=client_id: m["client_id"] == c, 1)
        except AssertionError:
            continue
        return heard, ack["message"]
    return None, None


def test_redis_stopped_then_started(pair, demo, app):
    redis, a, b = pair
    room = tutor_room(demo.student)
    tutor = ChatClient(a.url, token=api_token(demo.tutor))
    student = ChatClient(a.url, token=api_token(demo.student))
    parent = ChatClient(b.url, token=api_token(demo.parent))
    clients = [tutor, student, parent]
    try:
        for client in clients:
            client.join(room)
        heard, sent = _crosses(tutor, parent, room, "before", WAIT)
        assert heard == sent, "events cross between the processes through Redis"
        offsets = {a.url: len(a.log_text()), b.url: len(b.log_text())}

        redis.stop()
        assert not redis.answers()
        for i in range(5):  # several events: the outage is logged once, not per emit
            took, ack = _send(tutor, room, f"during-{i}")
            assert ack["ok"] is True and took < BOUND, (took, ack)
            heard = student.wait_for("message", lambda m, i=i: m["client_id"] == f"during-{i}")
            assert heard["content"] == f"during-{i}" and heard["id"] == ack["message"]["id"]
        # On the other process, its own clients are served too.
        started = time.monotonic()
        rooms = parent.call("rooms")
        assert rooms["ok"] is True and room in [r["id"] for r in rooms["rooms"]]
        assert time.monotonic() - started < BOUND
        # A new socket joins (join counts against the presence limit, kept in Redis) and a
        # sign-in is answered (the login limits are kept in Redis too), on both processes.
        for server in (a, b):
            started = time.monotonic()
            late = ChatClient(server.url, token=api_token(demo.student))
            clients.append(late)
            assert late.join(room)["room"]["id"] == room
            token = api_token("student", via=server.url)
            me = requests.get(
                f"{server.url}/api/v1/me",
                headers={"Authorization": f"Bearer {token}"},
                timeout=WAIT,
            )
            assert me.status_code == 200 and me.json()["username"] == "student"
            assert time.monotonic() - started < 2 * BOUND
        time.sleep(4)  # the queue's subscriber retries meanwhile (after 1 s, 2 s, …): still quiet
        took, ack = _send(tutor, room, "later")
        assert ack["ok"] is True and took < BOUND
        assert student.wait_for("message", lambda m: m["client_id"] == "later")
        for server in (a, b):  # each told once: the queue, the socket limits, the HTTP limits
            lines = _outage_lines(server, offsets[server.url])
            assert len(lines) == 3, lines
            assert sum("message queue (Redis) unreachable" in line for line in lines) == 1
            assert (
                sum("socket event limits are counted in this process" in line for line in lines)
                == 1
            )
            assert sum("Rate limit storage unreachable" in line for line in lines) == 1
            assert "Traceback" not in server.log_text()[offsets[server.url] :]

        offsets = {a.url: len(a.log_text()), b.url: len(b.log_text())}
        redis.start()
        heard, sent = _crosses(tutor, parent, room, "after", 30)
        assert heard == sent, "A to B resumes once Redis is back"
        heard, sent = _crosses(parent, tutor, room, "back", 10)
        assert heard == sent, "and B to A"
        for server in (a, b):
            assert server.proc.poll() is None  # no restart
            back = _outage_lines(server, offsets[server.url])
            assert sum("message queue (Redis) answers again" in line for line in back) == 1
            assert not [line for line in back if "unreachable" in line], back
        me = requests.get(
            f"{b.url}/api/v1/me",
            headers={"Authorization": f"Bearer {api_token('teacher', via=b.url)}"},
            timeout=WAIT,
        )
        assert me.status_code == 200 and me.json()["username"] == "teacher"
    finally:
        for client in clients:
            client.close()
        wait_until_forgotten(app, [client.sid for client in clients])
