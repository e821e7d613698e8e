"""Live events go out only after the action commits: when the commit fails, a chat send, a report
send and the notifications they cause announce nothing, and nothing is stored.

Driven through the JSON API (Flask test client) with Socket.IO test clients of the same server
listening; the commit is made to fail from outside the product, by a `before_commit` listener.
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from tests.support.http import api_token
from tests.support.realtime import subject_room
from thebot.extensions import db, socketio
from thebot.models import ChatMessage, Notification, Report
from thebot.services.reports import writing


class CommitRefused(Exception):
    pass


@pytest.fixture
def failing_commits():
    """While active, every commit in the process fails (as a lost database would make it)."""

    def refuse(_session):
        raise CommitRefused("the database went away")

    def start():
        event.listen(Session, "before_commit", refuse)

    yield start
    if event.contains(Session, "before_commit", refuse):
        event.remove(Session, "before_commit", refuse)


def listener(app, user, namespace: str):
    raw = api_token(user, device="after-commit test")
    client = socketio.test_client(app, namespace=namespace, auth={"token": raw})
    assert client.is_connected(namespace)
    return client, raw


def events_of(client, namespace: str) -> list[str]:
    return [packet["name"] for packet in client.get_received(namespace)]


def count(model, **where) -> int:
    db.session.expire_all()
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query)


def test_a_chat_send_whose_commit_fails_announces_nothing(app, web, demo, failing_commits, caplog):
    room = subject_room(demo.student, "Maths")
    student, _ = listener(app, demo.student, "/chat")
    parent_bell, _ = listener(app, demo.parent, "/notifications")
    assert student.emit("join", {"room_id": room}, namespace="/chat", callback=True)["ok"]
    _, teacher_token = listener(app, demo.teacher, "/chat")
    events_of(student, "/chat"), events_of(parent_bell, "/notifications")  # forget so far
    messages, notes = count(ChatMessage), count(Notification)

    failing_commits()
    caplog.set_level(logging.ERROR)
    answer = web.api(
        "POST",
        f"/api/v1/chat/rooms/{room}/messages",
        token=teacher_token,
        json={"content": "Never stored"},
    )
    assert answer.status_code == 500
    assert answer.get_json()["error"]["code"] == "internal_error"
    assert events_of(student, "/chat") == []
    assert events_of(parent_bell, "/notifications") == []
    assert "the database went away" in caplog.text  # logged once at the boundary
    assert (count(ChatMessage), count(Notification)) == (messages, notes)


def test_a_report_send_whose_commit_fails_announces_nothing(app, web, demo, ctx, failing_commits):
    draft = writing.create_report(
        demo.tutor,
        kind="tutor",
        week_start="2025-03-03",
        student_id=demo.student.id,
        fields={"summary": "A steady week."},
    )
    parent, _ = listener(app, demo.parent, "/reports")
    parent_bell, _ = listener(app, demo.parent, "/notifications")
    _, tutor_token = listener(app, demo.tutor, "/reports")
    notes = count(Notification, user_id=demo.parent.id)

    failing_commits()
    answer = web.api("POST", f"/api/v1/reports/{draft.id}/send", token=tutor_token)
    assert answer.status_code == 500
    assert events_of(parent, "/reports") == []
    assert events_of(parent_bell, "/notifications") == []
    assert count(Report, id=draft.id, status=draft.status) == 1  # still a draft
    assert count(Notification, user_id=demo.parent.id) == notes
