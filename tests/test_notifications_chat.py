"""Chat "new message" notifications: every other member of the room gets one, at most one
unread per room until they read it; the sender gets none; system messages notify nobody."""

from __future__ import annotations

import socketio
from sqlalchemy import select

from tests.support.http import api_token


def _tutor_room_id(student) -> int:
    from thebot.extensions import db
    from thebot.models.chat import ChatRoom, RoomKind

    return db.session.scalar(
        select(ChatRoom.id).where(
            ChatRoom.kind == RoomKind.TUTOR, ChatRoom.student_id == student.id
        )
    )


def _messages(user):
    from thebot.services import notify

    return [n for n in notify.list_for(user) if n.kind == "message"]


def test_a_chat_message_notifies_each_other_member_once_per_room_until_read(family):
    from thebot.services import notify
    from thebot.services.chat import messages as chat_messages

    room_id = _tutor_room_id(family.student)
    chat_messages.send_message(family.student, room_id, "Can we move Thursday's lesson?")
    chat_messages.send_message(family.student, room_id, "Maybe to Friday?")
    [for_tutor] = _messages(family.tutor)
    [for_parent] = _messages(family.parent)
    assert _messages(family.student) == []  # the sender
    assert _messages(family.other_parent) == []  # not a member
    assert for_tutor.title == "New message from Sam Student"
    assert for_tutor.body == "Can we move Thursday's lesson?"
    assert for_tutor.url == f"/chat/?room={room_id}"
    assert for_tutor.dedupe_key == f"room:{room_id}"

    notify.mark_read(family.parent, for_parent.id)
    chat_messages.send_message(family.tutor, room_id, "Friday at 5 works.")
    parent_now = _messages(family.parent)
    assert [n.body for n in parent_now] == ["Friday at 5 works.", "Can we move Thursday's lesson?"]
    assert [n.is_read for n in parent_now] == [False, True]
    [still_one] = _messages(family.tutor)  # the tutor sent it; their unread one stays alone
    assert still_one.id == for_tutor.id
    [for_student] = _messages(family.student)
    assert for_student.title == "New message from Tess Tutor"


def test_long_messages_are_shortened_in_the_notification(family):
    from thebot.services.chat import messages as chat_messages

    room_id = _tutor_room_id(family.student)
    chat_messages.send_message(family.student, room_id, "word " * 200)
    [notification] = _messages(family.tutor)
    assert len(notification.body) <= 140 and notification.body.endswith("…")


def test_reading_the_room_through_the_key_clears_its_notification(family):
    from thebot.extensions import db
    from thebot.services import notify
    from thebot.services.chat import messages as chat_messages

    room_id = _tutor_room_id(family.student)
    chat_messages.send_message(family.student, room_id, "Hello")
    assert notify.unread_count(family.tutor) == 1
    assert notify.mark_read_by_key(family.tutor.id, notify.room_key(room_id)) is True
    db.session.commit()
    assert notify.unread_count(family.tutor) == 0
    assert notify.unread_count(family.parent) == 1


def test_messages_sent_over_the_chat_socket_push_one_notification(live_server, listeners, family):
    room_id = _tutor_room_id(family.student)
    tutor = listeners(family.tutor)
    sender = socketio.Client(reconnection=False)
    sender.connect(
        live_server.url,
        namespaces=["/chat"],
        auth={"token": api_token(family.student)},
        transports=["websocket"],
        wait_timeout=10,
    )
    try:
        for text in ("First question", "Second question"):
            ack = sender.call(
                "send", {"room_id": room_id, "content": text}, namespace="/chat", timeout=10
            )
            assert ack["ok"] is True, ack
    finally:
        sender.disconnect()
    events = tutor.settle()
    assert [name for name, _ in events] == ["notification", "unread_count"]
    assert events[0][1]["body"] == "First question" and events[1][1] == {"count": 1}
