"""A chat send costs the same number of SQL statements however big its room gets: ten times the
members, the history and the joined sockets leave the count of one `send` event (the socket's
credential re-check, the room and posting rule, the insert, the notification listener and the
members' unread counts) unchanged. Driven through a Socket.IO test client of the app, the whole
event counted with `count_queries`.
"""

from __future__ import annotations

import pytest
from flask import current_app

from tests.support.app import count_queries
from tests.support.http import api_token
from tests.support.realtime import subject_room
from thebot.extensions import db, socketio
from thebot.models import ChatRoom
from thebot.services.chat import messages, presence, rooms


@pytest.fixture(params=[0, 100], ids=["unread-in-transaction", "unread-coalesced"])
def coalesce(request, app, ctx, monkeypatch):
    """Both ways of sending the unread counts (CHAT_UNREAD_COALESCE_MS)."""
    for application in (app, ctx):
        monkeypatch.setitem(application.config, "CHAT_UNREAD_COALESCE_MS", request.param)
    return request.param


def chat_socket(app, user):
    client = socketio.test_client(
        app, namespace="/chat", auth={"token": api_token(user, device="query count")}
    )
    assert client.is_connected("/chat")
    return client


def statements_of_a_send(app, client, room_id: int, n: int) -> list[str]:
    with count_queries(app) as statements:
        ack = client.emit(
            "send",
            {"room_id": room_id, "content": f"count me {n}", "client_id": f"count-{n}"},
            namespace="/chat",
            callback=True,
        )
    assert ack["ok"] is True and ack["message"]["content"] == f"count me {n}"
    return list(statements)


def grow(room_id: int, make_user, times: int, demo, monkeypatch) -> None:
    """Ten times the members (through the rooms service's membership), the history (through
    the send service, its rate limit off meanwhile) and the joined sockets (through the
    presence service)."""
    room = db.session.get(ChatRoom, room_id)
    members = [make_user("student") for _ in range(times)]
    for person in members:
        rooms._add_member(room, person.id)
    for person in members:
        presence.socket_joined(person, room_id, f"sid-{person.id}")
    with monkeypatch.context() as patch:
        patch.setitem(current_app.config, "CHAT_SEND_LIMIT", 0)
        for n in range(times * 10):
            messages.send_message(demo.student, room_id, f"history {n}")
    db.session.commit()


def test_a_send_costs_the_same_statements_as_the_room_grows_tenfold(
    app, ctx, demo, make_user, coalesce, monkeypatch
):
    room_id = subject_room(demo.student, "Maths")
    teacher = chat_socket(app, demo.teacher)
    # The first send makes the members' "new message" notifications; the steady state follows.
    statements_of_a_send(app, teacher, room_id, 0)
    small = statements_of_a_send(app, teacher, room_id, 1)

    grow(room_id, make_user, 30, demo, monkeypatch)
    statements_of_a_send(app, teacher, room_id, 2)  # the new members' first notifications
    large = statements_of_a_send(app, teacher, room_id, 3)

    assert len(large) == len(small), "\n".join(large)
    # What the count is: the credential re-check with its user, the room with its posting
    # rule, the rate limit's count, the insert, the notification listener, and the unread
    # counts when they are counted in the transaction (coalesced, they run once after a
    # burst). On PostgreSQL the rate limit's count also locks the sender's row.
    expected = 5 + (coalesce == 0)
    assert len(small) == expected, "\n".join(small)
    teacher.disconnect(namespace="/chat")


def test_a_burst_of_messages_sends_each_member_its_final_unread_count(start_server, demo, connect):
    """The unread counts of a burst are coalesced (CHAT_UNREAD_COALESCE_MS, 300 ms by default):
    a member who is not watching hears the count after the burst, and far fewer than one
    `unread` per message; the sender, whose own messages never count, hears none. (A server
    without the send limit, so that the burst is one.)"""
    server = start_server(CHAT_SEND_LIMIT="0")
    room = subject_room(demo.student, "Maths")
    teacher, parent = connect("teacher", server=server), connect("parent", server=server)
    before = {r["id"]: r["unread"] for r in parent.call("rooms")["rooms"]}[room]
    burst = 30
    for n in range(burst):
        ack = teacher.call("send", {"room_id": room, "content": f"burst {n}"})
        assert ack["ok"] is True
    seen = parent.received_until(
        "unread", lambda u: u["room_id"] == room and u["unread"] == before + burst
    )
    counts = [data["unread"] for name, data in seen if name == "unread"]
    assert counts == sorted(counts) and len(counts) <= burst // 2, counts
    teacher.call("rooms")  # a fence: everything the server sent the teacher before it is in
    assert not [data for name, data in teacher.events.queue if name == "unread"]
