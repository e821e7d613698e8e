"""A server process that dies without closing its sockets (SIGKILL) stops beating; a live one
sweeps its socket rows away, so its users no longer show as online anywhere."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from tests.support.http import api_token
from tests.support.realtime import WAIT, deactivate, tutor_room
from thebot.extensions import db
from thebot.models import ChatSocketJoin, ServerProcess, SocketConnection


def _count(model, **where) -> int:
    db.session.expire_all()
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query)


def _wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def test_sockets_of_a_killed_process_are_swept_by_a_live_one(start_server, demo, connect):
    import requests

    doomed = start_server(SOCKET_HEARTBEAT_SECONDS=1)
    room = tutor_room(demo.student)
    parent = connect("parent", server=doomed)
    parent.join(room)
    assert _count(SocketConnection, user_id=demo.parent.id) == 1
    assert _count(ChatSocketJoin, user_id=demo.parent.id, room_id=room) == 1
    assert _wait_until(lambda: _count(ServerProcess) >= 1, WAIT)

    doomed.proc.kill()  # no disconnect handlers run: the rows stay behind
    doomed.proc.wait(WAIT)
    assert _count(ChatSocketJoin, user_id=demo.parent.id, room_id=room) == 1

    survivor = start_server(SOCKET_HEARTBEAT_SECONDS=1)
    assert _wait_until(lambda: _count(SocketConnection, user_id=demo.parent.id) == 0, 15)
    assert _count(ChatSocketJoin, user_id=demo.parent.id, room_id=room) == 0
    token = api_token("tutor", via=survivor.url)
    answer = requests.get(
        f"{survivor.url}/api/v1/chat/rooms/{room}",
        timeout=WAIT,
        headers={"Authorization": f"Bearer {token}"},
    ).json()["room"]
    parent_entry = next(m for m in answer["members"] if m["id"] == demo.parent.id)
    assert parent_entry["online"] is False


def test_a_fast_beating_process_does_not_take_a_slow_one_for_dead(start_server, demo, connect):
    """Processes are judged by their own heartbeat interval: one beating every second leaves
    the sockets of one beating every 30 s alone between that one's beats, so cutting off an
    account still finds (and disconnects) them."""
    slow = start_server()  # SOCKET_HEARTBEAT_SECONDS: 30, beaten once at start
    parent = connect("parent", server=slow)
    parent.join(tutor_room(demo.student))
    start_server(SOCKET_HEARTBEAT_SECONDS=1)  # sweeps every second
    time.sleep(4.5)  # past 3 of the fast one's beats, within the slow one's first 30 s
    assert _count(SocketConnection, user_id=demo.parent.id) == 1
    assert _count(ServerProcess) >= 2
    deactivate(slow.url, demo.parent.id)
    parent.wait_disconnected()
    assert _count(SocketConnection, user_id=demo.parent.id) == 0
