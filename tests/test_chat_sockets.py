"""The /chat namespace against a real server process (`python wsgi.py`, eventlet) with real
python-socketio clients: every client event's happy path and error codes, the server events,
idempotent resends, catch-up after a reconnect, presence, typing, read cursors, moderation,
the rate limit, and sessions that end (deactivation, revoked token, HTTP logout).
"""

from __future__ import annotations

import pytest
import requests
import socketio
from sqlalchemy import func, select

from tests.support.http import api_token
from tests.support.realtime import WAIT, browser_session, subject_room, tutor_room
from thebot.extensions import db
from thebot.models import ChatMember, ChatMessage, ChatSocketJoin
from thebot.services import accounts, signins


def count_messages(**where) -> int:
    db.session.expire_all()
    query = select(func.count(ChatMessage.id))
    for name, value in where.items():
        query = query.where(getattr(ChatMessage, name) == value)
    return db.session.scalar(query)


def refused(ack: dict, code: str) -> None:
    assert ack["ok"] is False, ack
    assert ack["error"]["code"] == code, ack
    assert ack["error"]["message"]


# --- connecting -------------------------------------------------------------------------------


def test_connect_with_session_cookie_or_token_and_refuse_anyone_else(live_server, demo, connect):
    by_cookie = connect("student", via="cookie")
    by_token = connect("teacher", via="token")
    assert {r["title"] for r in by_cookie.call("rooms")["rooms"]} == {
        "Maths",
        "Physics",
        "Tutoring",
    }
    assert by_token.call("rooms")["ok"] is True
    for auth in (None, {"token": "not-a-token"}, {"token": 42}):
        client = socketio.Client(reconnection=False)
        reasons = []
        client.on("connect_error", reasons.append, namespace="/chat")
        with pytest.raises(socketio.exceptions.ConnectionError):
            client.connect(
                live_server.url,
                namespaces=["/chat"],
                auth=auth,
                transports=["websocket"],
                wait_timeout=WAIT,
            )
        assert reasons and reasons[0]["data"]["code"] == "unauthorized", reasons
        assert reasons[0]["message"] == reasons[0]["data"]["message"] != ""
        client.disconnect()


def test_rooms_matches_the_api(live_server, demo, connect):
    client = connect("parent")
    token = api_token("parent", via=live_server.url)
    over_http = requests.get(
        f"{live_server.url}/api/v1/chat/rooms",
        timeout=WAIT,
        headers={"Authorization": f"Bearer {token}"},
    ).json()["rooms"]
    over_socket = client.call("rooms")["rooms"]
    strip = lambda rooms: [{k: v for k, v in r.items() if k != "members"} for r in rooms]  # noqa
    assert strip(over_socket) == strip(over_http)
    assert len(over_socket) == 6


def test_bad_payloads_get_an_error_and_change_nothing(live_server, demo, connect):
    client = connect("student")
    room = subject_room(demo.student, "Maths")
    before = count_messages()
    for event, payload, code in [
        ("send", "just a string", "bad_request"),
        ("send", ["room_id", room], "bad_request"),
        ("send", {"room_id": str(room), "content": "x"}, "bad_request"),
        ("send", {"room_id": True, "content": "x"}, "bad_request"),
        ("send", {"room_id": room}, "bad_request"),
        ("send", {"room_id": room, "content": {"text": "x"}}, "bad_request"),
        ("send", {"room_id": room, "content": "   "}, "bad_request"),
        ("send", {"room_id": room, "content": "x" * 4001}, "too_large"),
        ("send", {"room_id": room, "content": "x", "client_id": 5}, "bad_request"),
        ("send", {"room_id": room, "content": "x", "reply_to_id": -3}, "bad_request"),
        ("send", {"room_id": 987654, "content": "x"}, "not_found"),
        ("join", {"room_id": None}, "bad_request"),
        ("join", {"room_id": room, "after_id": "last"}, "bad_request"),
        ("join", {"room_id": 987654}, "not_found"),
        ("history", {"room_id": room, "limit": 0}, "bad_request"),
        ("history", {"room_id": room, "limit": 101}, "bad_request"),
        ("history", {"room_id": room, "before_id": 1.5}, "bad_request"),
        ("edit", {"message_id": 987654, "content": "x"}, "not_found"),
        ("edit", {"message_id": "1", "content": "x"}, "bad_request"),
        ("delete", {}, "bad_request"),
        ("typing", {"room_id": room, "typing": "yes"}, "bad_request"),
        ("read", {"room_id": room, "message_id": 987654}, "not_found"),
        ("leave", {"room_id": 987654}, "not_found"),
    ]:
        refused(client.call(event, payload), code)
    assert count_messages() == before
    assert client.call("rooms")["ok"] is True  # still connected and serving


# --- join, history, send ----------------------------------------------------------------------


def test_join_returns_the_room_and_the_last_messages_oldest_first(live_server, demo, connect):
    client = connect("student")
    room = subject_room(demo.student, "Maths")
    ack = client.join(room)
    assert ack["room"]["id"] == room and ack["room"]["title"] == "Maths"
    ids = [m["id"] for m in ack["messages"]]
    assert ids == sorted(ids) and len(ids) == 8 and ack["has_more"] is False
    assert ack["messages"][0]["content"].startswith("Anna, welcome")
    me = next(m for m in ack["room"]["members"] if m["id"] == demo.student.id)
    assert me["online"] is True
    # Rooms of other families, and rooms that do not exist, look the same.
    refused(client.call("join", {"room_id": subject_room(demo.student3, "Maths")}), "not_found")
    refused(client.call("history", {"room_id": subject_room(demo.student3, "Maths")}), "not_found")


def test_history_pages_backwards(live_server, demo, connect):
    client = connect("teacher")
    room = subject_room(demo.student, "Maths")
    page = client.call("history", {"room_id": room, "limit": 3})
    assert page["ok"] and len(page["messages"]) == 3 and page["has_more"] is True
    older = client.call(
        "history", {"room_id": room, "before_id": page["messages"][0]["id"], "limit": 100}
    )
    assert len(older["messages"]) == 5 and older["has_more"] is False
    assert older["messages"][-1]["id"] < page["messages"][0]["id"]


def test_send_reaches_joined_members_and_unread_reaches_everyone(live_server, demo, connect):
    room = subject_room(demo.student, "Maths")
    teacher, student, parent = (
        connect("teacher"),
        connect("student", via="cookie"),
        connect("parent"),
    )
    teacher.join(room)
    student.join(room)
    parent_rooms = {r["id"]: r["unread"] for r in parent.call("rooms")["rooms"]}
    ack = teacher.call("send", {"room_id": room, "content": "Test on Friday", "client_id": "t-1"})
    assert ack["ok"] and ack["message"]["content"] == "Test on Friday"
    assert count_messages(client_id="t-1") == 1  # stored before the ack
    heard = student.wait_for("message", lambda m: m["client_id"] == "t-1")
    assert heard == ack["message"]
    assert student.wait_for("unread", lambda u: u["room_id"] == room)["unread"] >= 1
    # The parent did not join the room: no message event, but their unread count moves
    # (the server emits the message first, so it would have arrived before the count).
    seen = parent.received_until("unread", lambda u: u["room_id"] == room)
    assert seen[-1][1]["unread"] == parent_rooms[room] + 1
    assert "message" not in [name for name, _ in seen]


def test_a_repeated_client_id_returns_the_stored_message_once(live_server, demo, connect):
    room = tutor_room(demo.student)
    student, tutor = connect("student"), connect("tutor")
    tutor.join(room)
    first = student.call("send", {"room_id": room, "content": "done!", "client_id": "dup-1"})
    second = student.call("send", {"room_id": room, "content": "done!", "client_id": "dup-1"})
    assert first["ok"] and second["ok"] and first["message"] == second["message"]
    assert count_messages(client_id="dup-1") == 1
    # The tutor heard it once: the next message arrives right after it.
    student.call("send", {"room_id": room, "content": "next", "client_id": "dup-2"})
    seen = tutor.received_until("message", lambda m: m["client_id"] == "dup-2")
    assert [m["client_id"] for name, m in seen if name == "message"] == ["dup-1", "dup-2"]


def test_reply_must_be_in_the_same_room(live_server, demo, connect):
    client = connect("student")
    maths, physics = subject_room(demo.student, "Maths"), subject_room(demo.student, "Physics")
    there = client.call("send", {"room_id": physics, "content": "physics"})["message"]
    here = client.call("send", {"room_id": maths, "content": "maths"})["message"]
    reply = client.call("send", {"room_id": maths, "content": "re", "reply_to_id": here["id"]})
    assert reply["ok"] and reply["message"]["reply_to_id"] == here["id"]
    refused(
        client.call("send", {"room_id": maths, "content": "re", "reply_to_id": there["id"]}),
        "not_found",
    )


def test_catch_up_after_a_reconnect_has_no_gap_and_no_duplicate(live_server, demo, connect):
    room = subject_room(demo.student, "Maths")
    teacher = connect("teacher")
    student = connect("student")
    last_seen = student.join(room)["messages"][-1]["id"]
    student.close()
    missed = [
        teacher.call("send", {"room_id": room, "content": f"while away {i}"})["message"]
        for i in range(3)
    ]
    again = connect("student")
    ack = again.join(room, after_id=last_seen)
    assert [m["id"] for m in ack["messages"]] == [m["id"] for m in missed]
    assert ack["has_more"] is False
    live = teacher.call("send", {"room_id": room, "content": "welcome back"})["message"]
    assert again.wait_for("message")["id"] == live["id"]


def test_admin_reads_any_room_but_posts_in_none(live_server, demo, connect):
    admin = connect("admin")
    room = subject_room(demo.student3, "Maths")
    ack = admin.join(room)
    assert ack["room"]["can_post"] is False and len(ack["messages"]) == 4
    refused(admin.call("send", {"room_id": room, "content": "hello"}), "forbidden")
    refused(admin.call("typing", {"room_id": room, "typing": True}), "forbidden")
    assert admin.call("read", {"room_id": room, "message_id": ack["messages"][-1]["id"]}) == {
        "ok": True,
        "unread": 0,
    }
    db.session.expire_all()
    assert db.session.get(ChatMember, (room, demo.admin.id)) is None
    # The admin is no member, so joining made nobody "online".
    teacher = connect("teacher")
    members = teacher.join(room)["room"]["members"]
    assert demo.admin.id not in {m["id"] for m in members}


# --- edit, delete, lock -----------------------------------------------------------------------


def test_edit_and_delete_are_broadcast(live_server, demo, connect):
    room = subject_room(demo.student, "Maths")
    student, teacher, parent = connect("student"), connect("teacher"), connect("parent")
    teacher.join(room)
    mine = student.call("send", {"room_id": room, "content": "x = 3"})["message"]
    edited = student.call("edit", {"message_id": mine["id"], "content": "x = 4"})
    assert edited["ok"] and edited["message"]["edited_at"] is not None
    heard = teacher.wait_for("message_edited")
    assert heard["id"] == mine["id"] and heard["content"] == "x = 4"
    refused(parent.call("edit", {"message_id": mine["id"], "content": "no"}), "forbidden")
    refused(parent.call("delete", {"message_id": mine["id"]}), "forbidden")
    refused(student.call("edit", {"message_id": mine["id"], "content": ""}), "bad_request")
    assert student.call("delete", {"message_id": mine["id"]}) == {"ok": True}
    assert teacher.wait_for("message_deleted") == {"room_id": room, "message_id": mine["id"]}
    assert mine["id"] not in [
        m["id"] for m in teacher.call("history", {"room_id": room})["messages"]
    ]
    refused(student.call("delete", {"message_id": mine["id"]}), "not_found")


def test_moderator_deletes_and_locks_and_the_room_hears_it(live_server, demo, connect):
    room = subject_room(demo.student, "Maths")
    student, teacher = connect("student"), connect("teacher")
    student.join(room)
    spam = student.call("send", {"room_id": room, "content": "spam"})["message"]
    assert teacher.call("delete", {"message_id": spam["id"]}) == {"ok": True}
    assert student.wait_for("message_deleted")["message_id"] == spam["id"]
    token = api_token("teacher", via=live_server.url)
    answer = requests.post(
        f"{live_server.url}/api/v1/chat/rooms/{room}/lock",
        timeout=WAIT,
        json={"locked": True},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200
    update = student.wait_for("room_updated", lambda r: r["id"] == room)
    assert update["locked"] is True and update["can_post"] is False
    refused(student.call("send", {"room_id": room, "content": "let me in"}), "locked")
    refused(student.call("typing", {"room_id": room, "typing": True}), "locked")
    refused(teacher.call("send", {"room_id": room, "content": "me neither"}), "locked")


def test_ending_an_enrollment_makes_the_room_read_only_live(live_server, demo, connect):
    room = subject_room(demo.student, "Physics")
    student = connect("student")
    student.join(room)
    admin = browser_session(live_server.url, "admin")
    from thebot.models import ChatRoom

    enrollment_id = db.session.get(ChatRoom, room).enrollment_id
    admin.post(
        f"{live_server.url}/admin/enrollments/{enrollment_id}/end",
        timeout=WAIT,
        data={"csrf_token": admin.csrf_token},
    )
    update = student.wait_for("room_updated", lambda r: r["id"] == room)
    assert update["locked"] is True and update["can_post"] is False
    refused(student.call("send", {"room_id": room, "content": "hello?"}), "locked")
    assert student.call("history", {"room_id": room})["messages"]  # history stays


def test_a_direct_room_whose_link_ends_turns_read_only_live(live_server, demo, connect):
    parent = connect("parent")
    token = api_token("parent", via=live_server.url)
    opened = requests.post(
        f"{live_server.url}/api/v1/chat/direct",
        timeout=WAIT,
        json={"user_id": demo.teacher2.id},
        headers={"Authorization": f"Bearer {token}"},
    ).json()["room"]
    assert opened["can_post"] is True and opened["read_only"] is False
    # Physics with teacher2 is the only link between this parent and that teacher.
    physics = subject_room(demo.student, "Physics")
    from thebot.models import ChatRoom

    enrollment_id = db.session.get(ChatRoom, physics).enrollment_id
    admin = browser_session(live_server.url, "admin")
    admin.post(
        f"{live_server.url}/admin/enrollments/{enrollment_id}/end",
        timeout=WAIT,
        data={"csrf_token": admin.csrf_token},
    )
    # (opening the room announced it too: wait for the update that ends it)
    update = parent.wait_for("room_updated", lambda r: r["id"] == opened["id"] and r["read_only"])
    assert update["can_post"] is False and update["locked"] is True
    refused(parent.call("send", {"room_id": opened["id"], "content": "still there?"}), "locked")


def test_a_parent_who_is_unlinked_stops_hearing_the_room(live_server, demo, connect):
    room = tutor_room(demo.student)
    old_parent, tutor = connect("parent"), connect("tutor")
    new_parent = connect("parent2")
    old_parent.join(room)
    tutor.join(room)
    admin = browser_session(live_server.url, "admin")
    answer = admin.post(
        f"{live_server.url}/admin/users/{demo.student.id}/links",
        timeout=WAIT,
        allow_redirects=False,
        data={
            "csrf_token": admin.csrf_token,
            "tutor_id": demo.tutor.id,
            "parent_id": demo.parent2.id,
        },
    )
    assert answer.status_code == 302
    joined = new_parent.wait_for("room_updated", lambda r: r["id"] == room)
    assert "Sergey Ivanov" in {m["full_name"] for m in joined["members"]}
    assert tutor.wait_for("presence", lambda p: p["user_id"] == demo.parent.id)["online"] is False
    tutor.call("send", {"room_id": room, "content": "for the family", "client_id": "fence"})
    # The old parent's socket left the room: up to the tutor's reply it hears no message.
    assert tutor.wait_for("message", lambda m: m["client_id"] == "fence")
    refused(old_parent.call("history", {"room_id": room}), "not_found")
    fence = new_parent.join(room)
    assert fence["messages"][-1]["client_id"] == "fence"
    old_parent.call("rooms")  # an event the server answers after everything above
    assert not any(name == "message" for name, _ in list(old_parent.events.queue))


# --- typing, read, presence -------------------------------------------------------------------


def test_typing_reaches_the_others_but_not_the_typist(live_server, demo, connect):
    room = tutor_room(demo.student)
    student, student_phone, tutor = connect("student"), connect("student"), connect("tutor")
    for client in (student, student_phone, tutor):
        client.join(room)
    assert student.call("typing", {"room_id": room, "typing": True}) == {"ok": True}
    heard = tutor.wait_for("typing")
    assert heard == {
        "room_id": room,
        "user": {"id": demo.student.id, "full_name": "Anna Petrova"},
        "typing": True,
    }
    # A fence: the tutor's next message reaches both student sockets after any typing event.
    tutor.call("send", {"room_id": room, "content": "take your time", "client_id": "fence-t"})
    for own in (student, student_phone):
        seen = own.received_until("message", lambda m: m["client_id"] == "fence-t")
        assert "typing" not in [name for name, _ in seen]


def test_read_moves_the_cursor_forward_and_tells_the_room(live_server, demo, connect):
    room = subject_room(demo.student, "Maths")
    teacher, parent = connect("teacher"), connect("parent")
    teacher.join(room)
    parent.join(room)
    ids = [
        teacher.call("send", {"room_id": room, "content": f"hw {i}"})["message"]["id"]
        for i in range(2)
    ]
    # A burst's counts may come coalesced (CHAT_UNREAD_COALESCE_MS): the last one says 2.
    assert parent.wait_for("unread", lambda u: u["room_id"] == room and u["unread"] == 2)
    ack = parent.call("read", {"room_id": room, "message_id": ids[1]})
    assert ack == {"ok": True, "unread": 0}
    assert teacher.wait_for("read") == {
        "room_id": room,
        "user_id": demo.parent.id,
        "message_id": ids[1],
    }
    cleared = parent.wait_for("unread", lambda u: u["room_id"] == room)
    assert cleared == {"room_id": room, "unread": 0}
    assert parent.call("read", {"room_id": room, "message_id": ids[0]}) == {"ok": True, "unread": 0}
    db.session.expire_all()
    assert db.session.get(ChatMember, (room, demo.parent.id)).last_read_id == ids[1]


def test_presence_counts_connections(live_server, demo, connect):
    room = subject_room(demo.student, "Maths")
    teacher = connect("teacher")
    teacher.join(room)
    laptop, phone = connect("student", via="cookie"), connect("student")
    laptop.join(room)
    assert teacher.wait_for("presence", lambda p: p["user_id"] == demo.student.id) == {
        "room_id": room,
        "user_id": demo.student.id,
        "online": True,
    }
    phone.join(room)
    assert phone.call("leave", {"room_id": room}) == {"ok": True}
    # Still online through the laptop: up to the teacher's own next message, no presence change.
    teacher.call("send", {"room_id": room, "content": "fence", "client_id": "fence-p"})
    seen = teacher.received_until("message", lambda m: m["client_id"] == "fence-p")
    assert "presence" not in [name for name, _ in seen]
    online = {m["id"]: m["online"] for m in teacher.join(room)["room"]["members"]}
    assert online[demo.student.id] is True
    laptop.close()
    assert teacher.wait_for("presence", lambda p: p["user_id"] == demo.student.id) == {
        "room_id": room,
        "user_id": demo.student.id,
        "online": False,
    }
    db.session.expire_all()
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(ChatSocketJoin)
            .where(ChatSocketJoin.user_id == demo.student.id)
        )
        == 0
    )


# --- limits and ending sessions ---------------------------------------------------------------


def test_the_send_limit_applies_to_sockets(live_server, demo, connect):
    client = connect("student")
    room = subject_room(demo.student, "Maths")
    for i in range(10):
        assert client.call("send", {"room_id": room, "content": f"quick {i}"})["ok"] is True
    refused(client.call("send", {"room_id": room, "content": "one too many"}), "rate_limited")
    assert count_messages(content="one too many") == 0


def test_a_deactivated_user_is_refused_on_the_next_event_and_disconnected(
    live_server, demo, connect
):
    client = connect("teacher")
    room = subject_room(demo.student, "Maths")
    client.join(room)
    accounts.set_active(demo.admin, demo.teacher.id, False)  # from another process
    refused(client.call("send", {"room_id": room, "content": "still here?"}), "unauthorized")
    client.wait_disconnected()
    assert count_messages(content="still here?") == 0


def test_a_revoked_token_disconnects_its_sockets(live_server, demo, connect):
    token = api_token("tutor", via=live_server.url)
    client = connect(token=token)
    other = connect("tutor")
    answer = requests.post(
        f"{live_server.url}/api/v1/auth/logout",
        timeout=WAIT,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200
    client.wait_disconnected()
    assert other.call("rooms")["ok"] is True  # the tutor's other device stays signed in


def test_a_token_revoked_elsewhere_is_refused_on_the_next_event(live_server, demo, connect):
    token = api_token("parent", via=live_server.url)
    client = connect(token=token)
    room = tutor_room(demo.student)
    client.join(room)
    assert signins.revoke_token(token) is True  # by another process: no disconnect reaches us
    refused(client.call("send", {"room_id": room, "content": "after revoking"}), "unauthorized")
    client.wait_disconnected()
    assert count_messages(content="after revoking") == 0


def test_http_logout_disconnects_that_sessions_sockets(live_server, demo, connect):
    session = browser_session(live_server.url, "parent")
    client = connect(http=session)
    other = connect("parent", via="cookie")
    assert client.call("rooms")["ok"] is True
    answer = session.post(
        f"{live_server.url}/auth/logout",
        timeout=WAIT,
        data={"csrf_token": session.csrf_token},
        allow_redirects=False,
    )
    assert answer.status_code == 302
    client.wait_disconnected()
    assert other.call("rooms")["ok"] is True
