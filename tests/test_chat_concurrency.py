"""Insert-or-get under concurrent callers, on PostgreSQL with real threads: one direct room per
pair, one tutor room per student, and one stored message per (sender, client_id), however many
requests race. (SQLite serialises writers, so the race only exists on PostgreSQL.)
"""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import delete, func, select

from tests.support.app import scratch_postgres
from thebot.extensions import db
from thebot.models import ChatMember, ChatMessage, ChatRoom, RoomKind, Subject, User

THREADS = 8


@pytest.fixture(scope="module")
def race_app(app_config):
    """An app on a database of its own on PostgreSQL, migrated."""
    from flask_migrate import upgrade

    from thebot import create_app

    with scratch_postgres("_chatrace") as url:
        application = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": url})
        with application.app_context():
            upgrade()
        yield application
        with application.app_context():
            db.engine.dispose()


@pytest.fixture
def family(race_app):
    """A tutor, a teacher, a parent and a student enrolled with the teacher (ids)."""
    from thebot.services import accounts, learning, links

    with race_app.test_request_context():
        tag = uuid.uuid4().hex[:6]
        people = {
            role: accounts.create_user(
                None,
                role=role,
                username=f"{role}-{tag}",
                password="demo-pass-1",
                full_name=f"{role} {tag}",
            )
            for role in ("admin", "tutor", "teacher", "parent", "student")
        }
        links.set_links(
            people["admin"],
            people["student"].id,
            tutor_id=people["tutor"].id,
            parent_id=people["parent"].id,
        )
        subject = learning.create_subject(None, f"Maths {tag}")
        accounts.update_user(
            people["admin"],
            people["teacher"].id,
            email=None,
            full_name=people["teacher"].full_name,
            subjects=subject.name,
        )
        learning.enroll(
            people["admin"],
            student_id=people["student"].id,
            subject_id=subject.id,
            teacher_id=people["teacher"].id,
        )
        ids = {role: user.id for role, user in people.items()}
        db.session.remove()
    return ids


def together(app, action) -> list:
    """Run action() in THREADS threads at once, each with its own session; their results."""
    barrier = threading.Barrier(THREADS)
    results: list = []
    failures: list = []

    def worker():
        with app.test_request_context():
            barrier.wait()
            try:
                results.append(action())
            except Exception as exc:  # collected and reported below, with the others
                failures.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == [] and len(results) == THREADS
    return results


def test_concurrent_first_contacts_make_one_direct_room(race_app, family):
    from thebot.services.chat import rooms as chat_rooms

    def open_room():
        tutor = db.session.get(User, family["tutor"])
        return chat_rooms.open_direct_room(tutor, family["teacher"])["id"]

    room_ids = together(race_app, open_room)
    assert len(set(room_ids)) == 1
    with race_app.app_context():
        rooms = db.session.scalars(select(ChatRoom).where(ChatRoom.kind == RoomKind.DIRECT)).all()
        assert [room.id for room in rooms] == room_ids[:1]
        members = set(
            db.session.scalars(select(ChatMember.user_id).where(ChatMember.room_id == rooms[0].id))
        )
        assert members == {family["tutor"], family["teacher"]}
        db.session.remove()


def test_concurrent_room_creation_for_one_student_converges(race_app, family):
    from thebot.services.chat import rooms as chat_rooms

    with race_app.app_context():
        db.session.execute(delete(ChatRoom).where(ChatRoom.student_id == family["student"]))
        db.session.commit()
        db.session.remove()

    def ensure():
        student = db.session.get(User, family["student"])
        room = chat_rooms.ensure_tutor_room(student)
        db.session.commit()
        return room.id

    room_ids = together(race_app, ensure)
    assert len(set(room_ids)) == 1
    with race_app.app_context():
        assert (
            db.session.scalar(
                select(func.count(ChatRoom.id)).where(
                    ChatRoom.kind == RoomKind.TUTOR, ChatRoom.student_id == family["student"]
                )
            )
            == 1
        )
        assert set(
            db.session.scalars(select(ChatMember.user_id).where(ChatMember.room_id == room_ids[0]))
        ) == {family["student"], family["tutor"], family["parent"]}
        assert db.session.scalar(select(func.count(Subject.id))) >= 1
        db.session.remove()


def test_concurrent_retries_of_one_client_id_store_one_message(race_app, family):
    from thebot.services.chat import messages as chat_messages

    race_app.config["CHAT_SEND_LIMIT"] = 0  # eight sends at once would otherwise be limited
    with race_app.app_context():
        room_id = db.session.scalar(
            select(ChatRoom.id).where(
                ChatRoom.kind == RoomKind.TUTOR, ChatRoom.student_id == family["student"]
            )
        )
        db.session.remove()

    def send():
        student = db.session.get(User, family["student"])
        return chat_messages.send_message(student, room_id, "sent once", client_id="retry-race")[
            "id"
        ]

    try:
        message_ids = together(race_app, send)
    finally:
        race_app.config["CHAT_SEND_LIMIT"] = 10
    assert len(set(message_ids)) == 1
    with race_app.app_context():
        assert (
            db.session.scalar(
                select(func.count(ChatMessage.id)).where(ChatMessage.client_id == "retry-race")
            )
            == 1
        )
        db.session.remove()
