"""Two real server processes sharing Socket.IO rooms through Redis (SOCKETIO_MESSAGE_QUEUE):
messages, unread counts, presence and typing cross from one process to the other, presence is
counted over connections in both, the send limit is shared, and a member removed through one
process stops hearing the room on the other.
"""

from __future__ import annotations

import pytest

from tests.support.realtime import WAIT, browser_session, subject_room, tutor_room

pytestmark = pytest.mark.realtime


@pytest.fixture(scope="module")
def servers(start_server, redis_url):
    """Two `python wsgi.py` processes on one Redis message queue."""
    return start_server(SOCKETIO_MESSAGE_QUEUE=redis_url), start_server(
        SOCKETIO_MESSAGE_QUEUE=redis_url
    )


def test_a_message_sent_through_one_process_reaches_a_member_on_the_other(servers, demo, connect):
    first, second = servers
    room = subject_room(demo.student, "Maths")
    student = connect("student", via="cookie", server=first)
    parent = connect("parent", server=first)
    teacher = connect("teacher", server=second)
    student.join(room)
    ack = teacher.call("send", {"room_id": room, "content": "Across the wire", "client_id": "x-1"})
    assert ack["ok"] is True
    assert student.wait_for("message", lambda m: m["client_id"] == "x-1") == ack["message"]
    # The parent's private room on the other process hears the new unread count.
    assert parent.wait_for("unread", lambda u: u["room_id"] == room and u["unread"] >= 1)


def test_presence_and_typing_cross_and_count_connections_in_both(servers, demo, connect):
    first, second = servers
    room = tutor_room(demo.student)
    tutor = connect("tutor", server=first)
    tutor.join(room)
    on_first, on_second = connect("student", server=first), connect("student", server=second)
    on_second.join(room)
    assert tutor.wait_for("presence", lambda p: p["user_id"] == demo.student.id)["online"] is True
    on_first.join(room)

    assert on_second.call("typing", {"room_id": room, "typing": True})["ok"] is True
    heard = tutor.wait_for("typing")
    assert heard["user"]["id"] == demo.student.id and heard["typing"] is True

    # Leaving on the second process keeps the student online through the first.
    assert on_second.call("leave", {"room_id": room}) == {"ok": True}
    tutor.call("send", {"room_id": room, "content": "fence", "client_id": "fence-x"})
    seen = tutor.received_until("message", lambda m: m["client_id"] == "fence-x")
    assert ("presence", {"room_id": room, "user_id": demo.student.id, "online": False}) not in seen
    on_first.close()
    assert tutor.wait_for("presence", lambda p: p["user_id"] == demo.student.id) == {
        "room_id": room,
        "user_id": demo.student.id,
        "online": False,
    }


def test_the_send_limit_is_shared_by_the_processes(servers, demo, connect):
    first, second = servers
    room = subject_room(demo.student, "Maths")
    a, b = connect("student", server=first), connect("student", server=second)
    for i in range(5):
        assert a.call("send", {"room_id": room, "content": f"a{i}"})["ok"] is True
        assert b.call("send", {"room_id": room, "content": f"b{i}"})["ok"] is True
    ack = a.call("send", {"room_id": room, "content": "eleventh"})
    assert ack["ok"] is False and ack["error"]["code"] == "rate_limited"


def test_a_member_removed_through_one_process_leaves_the_room_on_the_other(servers, demo, connect):
    first, second = servers
    room = tutor_room(demo.student)
    old_parent = connect("parent", server=second)
    tutor = connect("tutor", server=second)
    old_parent.join(room)
    tutor.join(room)
    admin = browser_session(first.url, "admin")
    answer = admin.post(
        f"{first.url}/admin/users/{demo.student.id}/links",
        timeout=WAIT,
        allow_redirects=False,
        data={
            "csrf_token": admin.csrf_token,
            "tutor_id": demo.tutor.id,
            "parent_id": demo.parent2.id,
        },
    )
    assert answer.status_code == 302
    assert tutor.wait_for("presence", lambda p: p["user_id"] == demo.parent.id)["online"] is False
    tutor.call("send", {"room_id": room, "content": "family news", "client_id": "after-x"})
    assert tutor.wait_for("message", lambda m: m["client_id"] == "after-x")
    old_parent.call("rooms")  # answered after the room's message went out
    assert "message" not in [name for name, _ in list(old_parent.events.queue)]
