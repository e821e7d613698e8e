"""Notifications and e-mails reach each person in the language they chose on the pages: signing
in remembers the page language, the EN/RU switch changes it, and stored texts follow it."""

from __future__ import annotations

from sqlalchemy import select


def _tutor_room_id(student) -> int:
    from thebot.extensions import db
    from thebot.models.chat import ChatRoom, RoomKind

    return db.session.scalar(
        select(ChatRoom.id).where(
            ChatRoom.kind == RoomKind.TUTOR, ChatRoom.student_id == student.id
        )
    )


def _locale_of(username: str) -> str | None:
    from thebot.extensions import db
    from thebot.models import User

    db.session.expire_all()
    return db.session.scalar(select(User.locale).where(User.username == username))


def test_signing_in_on_a_russian_page_and_switching_language_are_remembered(web, family):
    assert _locale_of(family.parent.username) is None
    web.http.set_cookie("lang", "ru")
    assert web.login(family.parent.username).status_code == 302
    assert _locale_of(family.parent.username) == "ru"
    response = web.post("/lang", {"lang": "en", "next": "/parent/"})
    assert response.headers["Location"] == "/parent/"
    assert _locale_of(family.parent.username) == "en"
    assert web.post("/lang", {"lang": "xx"}).status_code == 302  # unknown: ignored
    assert _locale_of(family.parent.username) == "en"


def test_each_member_gets_the_chat_notification_in_their_own_language(web, family):
    from thebot.services import notify
    from thebot.services.chat import messages as chat_messages

    web.http.set_cookie("lang", "ru")
    web.login(family.parent.username)  # the parent reads Russian pages; the tutor chose nothing
    assert _locale_of(family.parent.username) == "ru"  # (also refreshes this test's session)
    room_id = _tutor_room_id(family.student)
    chat_messages.send_message(family.student, room_id, "Можно перенести занятие?")
    [for_parent] = [n for n in notify.list_for(family.parent) if n.kind == "message"]
    [for_tutor] = [n for n in notify.list_for(family.tutor) if n.kind == "message"]
    assert for_parent.title == f"Новое сообщение от {family.student.full_name}"
    assert for_tutor.title == f"New message from {family.student.full_name}"


def test_a_mobile_sign_in_remembers_the_device_language(web, family):
    response = web.api(
        "POST",
        "/api/v1/auth/login",
        json={"login": family.tutor.username, "password": "demo-pass-1"},
        headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"},
    )
    assert response.status_code == 200 and response.get_json()["token"]
    assert _locale_of(family.tutor.username) == "ru"
