"""A server process killed (SIGKILL) mid-conversation behind nginx: its clients reconnect through
nginx to the survivor and catch up (`join` with `after_id`, docs/api-chat.md), a send whose ack
may have been lost is retried with its client_id, and nothing is lost or duplicated: every
message is stored once and reaches every member once. The dead process's sockets are swept, so a
user who does not come back shows offline (server liveness, SOCKET_HEARTBEAT_SECONDS)."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from tests.deploy.support import Socket, start_recipe
from tests.support.realtime import WAIT, tutor_room, wait_until_forgotten

pytestmark = [pytest.mark.realtime, pytest.mark.timeout(180)]


@pytest.fixture
def recipe(app, database_url, uploads_dir, redis_url, tmp_path):
    """A recipe of its own: one of its processes is killed."""
    recipe = start_recipe(tmp_path / "recipe", database_url, uploads_dir, redis_url)
    yield recipe
    recipe.stack.stop()


def _live_ids(events) -> list[int]:
    return [data["id"] for name, data in events if name == "message"]


def _online(recipe, token: str, room: int) -> dict[int, bool]:
    answer = recipe.api(token, "GET", f"/chat/rooms/{room}")["room"]
    return {member["id"]: member["online"] for member in answer["members"]}


def _wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def test_clients_of_a_killed_process_catch_up_through_the_survivor(recipe, demo, app):
    doomed, survivor = recipe.ports
    room = tutor_room(demo.student)
    tokens = {who: recipe.token(who) for who in ("tutor", "parent", "student")}

    def socket(who: str, port: int, reconnect: bool = True) -> Socket:
        return Socket(
            recipe.url,
            tokens[who],
            recipe.route_to(port),
            ["/chat"],
            ["message"],
            reconnect=reconnect,
        )

    tutor, parent = socket("tutor", doomed), socket("parent", survivor)
    student = socket("student", doomed, reconnect=False)  # never comes back
    sids = [s.sio.get_sid(namespace="/chat") for s in (tutor, parent, student)]
    try:
        for member in (tutor, parent, student):
            assert member.call("join", {"room_id": room})["ok"] is True
        stored: dict[str, int] = {}  # client_id -> message id

        def say(who: Socket, client_id: str) -> None:
            ack = who.call("send", {"room_id": room, "content": client_id, "client_id": client_id})
            assert ack["ok"] is True, ack
            stored[client_id] = ack["message"]["id"]

        for i in range(4):  # the conversation, across the two processes
            say(parent, f"p{i}")
            say(tutor, f"t{i}")
        # The tutor's next send is in flight when its process dies: stored and broadcast (the
        # parent has it), its ack perhaps never read. The process is killed right then.
        tutor.sio.emit(
            "send",
            {"room_id": room, "content": "in flight", "client_id": "t-flight"},
            namespace="/chat",
        )
        in_flight = parent.wait_for("message", lambda m: m["client_id"] == "t-flight")
        recipe.stack.kill_app(doomed)
        before_kill = len(tutor.log)

        for i in range(4, 8):  # while the tutor is away
            say(parent, f"p{i}")
        # Every message so far has gone out on the survivor (the parent heard the last), so the
        # tutor's catch-up below races with no live event.
        parent.wait_for("message", lambda m: m["client_id"] == "p7")

        # The tutor's client reconnects on its own, through nginx, to the survivor ...
        tutor.connects.get(timeout=WAIT)  # the first connection
        tutor.connects.get(timeout=20)  # the reconnection
        seen_before = _live_ids(tutor.log[:before_kill])
        last_seen = max(seen_before)
        # ... and catches up: join with the last message id it has.
        rejoin = tutor.call("join", {"room_id": room, "after_id": last_seen})
        assert rejoin["ok"] is True and rejoin["has_more"] is False
        caught_up = [m["id"] for m in rejoin["messages"]]
        # The send whose ack was lost is retried with its client_id: answered, not stored again.
        retry = tutor.call(
            "send", {"room_id": room, "content": "in flight", "client_id": "t-flight"}
        )
        assert retry["ok"] is True and retry["message"]["id"] == in_flight["id"]
        stored["t-flight"] = in_flight["id"]
        after_rejoin = len(tutor.log)
        for i in range(4, 7):  # the conversation goes on, both now on the survivor
            say(tutor, f"t{i}")
        say(parent, "p-last")
        tutor.wait_for("message", lambda m: m["client_id"] == "p-last")
        parent.wait_for("message", lambda m: m["client_id"] == "t6")

        everything = sorted(stored.values())
        history = recipe.api(
            tokens["parent"], "GET", f"/chat/rooms/{room}/messages?after_id={everything[0] - 1}"
        )
        # Stored: each message once, the retried one included.
        assert [m["id"] for m in history["messages"]] == everything
        assert Counter(m["client_id"] for m in history["messages"]) == Counter(set(stored))
        # The parent, never disconnected, heard every message exactly once.
        assert sorted(_live_ids(parent.log)) == everything
        assert len(_live_ids(parent.log)) == len(everything)
        # The tutor: live before the kill, the catch-up (exactly what it had missed), live after.
        missed = [i for i in everything if last_seen < i < stored["t4"]]
        assert caught_up == missed
        assert {stored[f"p{i}"] for i in range(4, 8)} <= set(missed)  # sent while it was away
        live_after = _live_ids(tutor.log[after_rejoin:])
        assert sorted(live_after) == [stored[c] for c in ("t4", "t5", "t6", "p-last")]
        received = (
            seen_before + caught_up + live_after + _live_ids(tutor.log[before_kill:after_rejoin])
        )
        assert sorted(received) == everything  # nothing lost, nothing twice

        # The student never came back: the survivor sweeps the dead process's sockets, so the
        # student shows offline, while the reconnected tutor is online.
        assert _wait_until(
            lambda: _online(recipe, tokens["parent"], room)[demo.student.id] is False, 15
        )
        assert _online(recipe, tokens["parent"], room)[demo.tutor.id] is True
        sids.append(tutor.sio.get_sid(namespace="/chat"))
    finally:
        for member in (tutor, parent, student):
            member.close()
    wait_until_forgotten(app, [sid for sid in sids if sid])
    # nginx's log: the tutor's first socket went to the doomed process, its reconnection on to
    # the survivor (nginx tried the dead one first, if it did not know yet).
    route = recipe.route_to(doomed)
    assert _wait_until(
        lambda: recipe.upstreams("/socket.io/", route)[-1:] == [f"127.0.0.1:{survivor}"], WAIT
    )
    assert recipe.upstreams("/socket.io/", route)[0] == f"127.0.0.1:{doomed}"
