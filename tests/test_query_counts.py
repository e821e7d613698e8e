"""Queries per page and per socket event stay the same as a family's data grows tenfold: each
role's dashboard and chat page (Flask test client), and each /chat event (a Socket.IO test
client), counted with `count_queries` for one week of the family's work and again for nine
(lessons, homework, reports, invoices through the services; the homework rule keeps due times
within 60 days) with ten times the messages in the family's rooms. `make bench` prints these
counts (bench/pages.py runs this file with -s).
"""

from __future__ import annotations

import pytest
from flask import current_app

from tests.support.app import count_queries
from tests.support.http import api_token
from tests.support.school import build_school
from tests.test_overview_pages import add_week_of_work
from thebot.extensions import db, socketio
from thebot.models import ChatRoom, RoomKind
from thebot.services.chat import messages

PAGES = [
    ("sch-admin", "/admin/"),
    ("sch-tutor", "/tutor/"),
    ("sch-teacher", "/teacher/"),
    ("sch-parent", "/parent/"),
    ("sch-student", "/student/"),
    ("sch-admin", "/chat/"),
    ("sch-tutor", "/chat/"),
    ("sch-teacher", "/chat/"),
    ("sch-parent", "/chat/"),
    ("sch-student", "/chat/"),
]
# The grown family has nine times the first week's work (the homework rule keeps due times
# within 60 days, so nine weekly batches) and ten times the messages.
WEEKS = 9
MESSAGES = 5  # per room at first


@pytest.fixture
def family(make_user, monkeypatch):
    """The school's Sam with one week of work and MESSAGES messages in each of his rooms;
    `grow()` makes it ten times as much."""
    school = build_school(make_user)
    add_week_of_work(school)
    rooms = list(
        db.session.scalars(db.select(ChatRoom.id).where(ChatRoom.student_id == school.student.id))
    )
    monkeypatch.setitem(current_app.config, "CHAT_SEND_LIMIT", 0)

    def talk(count: int) -> None:
        for room_id in rooms:
            for n in range(count):
                messages.send_message(school.student, room_id, f"message {n}")

    def grow() -> None:
        for n in range(1, WEEKS):
            add_week_of_work(school, n)
        talk(MESSAGES * 9)
        db.session.commit()

    talk(MESSAGES)
    school.rooms, school.grow = rooms, grow
    return school


def page_queries(app, web_factory) -> dict:
    counts = {}
    for username, path in PAGES:
        web = web_factory()
        assert web.login(username).status_code == 302
        assert web.get(path).status_code == 200  # warm: the first request loads what it caches
        with count_queries(app) as statements:
            response = web.get(path)
        assert response.status_code == 200
        counts[(username, path)] = len(statements)
    return counts


def show(kind: str, small: dict, large: dict) -> None:
    """For `make bench`: one line per page or event (visible with pytest -s)."""
    for key in small:
        print(f"queries: {kind} {' '.join(map(str, key))}: {small[key]} → {large[key]}")


def test_pages_run_the_same_queries_as_a_familys_data_grows_tenfold(app, web_factory, family):
    small = page_queries(app, web_factory)
    family.grow()
    large = page_queries(app, web_factory)
    show("page", small, large)
    assert large == small


def payload_of_send(room_id: int) -> dict:
    return {"room_id": room_id, "content": "counted"}


def event_queries(app, family) -> dict:
    """Statements of each /chat event of the tutor in Sam's tutor room."""
    tutor_room = db.session.scalar(
        db.select(ChatRoom.id).where(
            ChatRoom.student_id == family.student.id, ChatRoom.kind == RoomKind.TUTOR
        )
    )
    client = socketio.test_client(
        app, namespace="/chat", auth={"token": api_token(family.tutor, device="counts")}
    )
    assert client.is_connected("/chat")
    latest = client.emit("join", {"room_id": tutor_room}, namespace="/chat", callback=True)
    newest = latest["messages"][-1]["id"]
    # The first message after a member read the room makes their "new message" notification
    # (a one-off, the same at any size); the counted send is the next one.
    assert client.emit("send", payload_of_send(tutor_room), namespace="/chat", callback=True)["ok"]
    events = {
        "rooms": {},
        "join": {"room_id": tutor_room},
        "history": {"room_id": tutor_room, "before_id": newest},
        "send": payload_of_send(tutor_room),
        "typing": {"room_id": tutor_room, "typing": True},
        "read": {"room_id": tutor_room, "message_id": newest},
        "leave": {"room_id": tutor_room},
    }
    counts = {}
    for name, payload in events.items():
        with count_queries(app) as statements:
            ack = client.emit(name, payload, namespace="/chat", callback=True)
        assert ack["ok"] is True, (name, ack)
        counts[(name,)] = len(statements)
    client.disconnect(namespace="/chat")
    return counts


def test_chat_events_run_the_same_queries_as_a_familys_data_grows_tenfold(app, family, monkeypatch):
    monkeypatch.setitem(app.config, "CHAT_SEND_LIMIT", 0)
    monkeypatch.setitem(app.config, "CHAT_UNREAD_COALESCE_MS", 0)  # a send's every statement
    small = event_queries(app, family)
    family.grow()
    large = event_queries(app, family)
    show("event", small, large)
    assert large == small
