"""Chat rooms and who is in them (domain.md §3), through the JSON API: the contact rule for
every pair of demo people, room visibility per role (admin reads all, posts in none), rooms that
appear with enrollments and tutor links, membership that follows parent and tutor changes, and
read-only rooms once a relationship ends.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from tests.support import ROOT
from tests.support.app import count_queries
from tests.support.http import api_token
from tests.support.realtime import subject_room, tutor_room
from thebot.extensions import db
from thebot.models import ChatMember, ChatMessage, ChatRoom, Role, RoomKind, Subject
from thebot.services import accounts, families, learning, links
from thebot.services.chat import reading as chat_reading

PEOPLE = [
    "admin",
    "tutor",
    "tutor2",
    "teacher",
    "teacher2",
    "parent",
    "parent2",
    "guardian",
    "student",
    "student2",
    "student3",
    "student4",
]
# Direct conversations the domain allows among the demo people (unordered pairs).
ALLOWED_PAIRS = {
    frozenset(pair)
    for pair in [
        ("tutor", "teacher"),
        ("tutor", "teacher2"),  # tutor–teacher sharing a student
        ("tutor2", "teacher"),
        ("parent", "teacher"),
        ("parent", "teacher2"),  # parent–teacher of a child
        ("parent2", "teacher"),
        ("parent", "tutor"),
        ("parent2", "tutor2"),  # parent–child's tutor
        ("guardian", "teacher"),  # student2's second guardian, as a parent of student2
        ("guardian", "tutor"),
    ]
}


@pytest.fixture
def tokens(demo):
    """A bearer token for every demo person."""
    return {name: api_token(demo[name]) for name in PEOPLE}


def call(web, tokens, who, method, path, json=None):
    return web.api(method, f"/api/v1/chat{path}", json=json, token=tokens[who])


def demo_rooms(demo) -> dict[str, int]:
    """The demo's subject and tutor rooms plus its direct rooms, by a readable name."""
    rooms = {
        "maths:student": subject_room(demo.student, "Maths"),
        "physics:student": subject_room(demo.student, "Physics"),
        "maths:student2": subject_room(demo.student2, "Maths"),
        "maths:student3": subject_room(demo.student3, "Maths"),
        "physics:student4": subject_room(demo.student4, "Physics"),
        "tutor:student": tutor_room(demo.student),
        "tutor:student2": tutor_room(demo.student2),
        "tutor:student3": tutor_room(demo.student3),
        "tutor:student4": tutor_room(demo.student4),
    }
    for first, second in [("tutor", "teacher"), ("parent", "tutor"), ("parent2", "teacher")]:
        low, high = sorted((demo[first].id, demo[second].id))
        rooms[f"direct:{first}-{second}"] = db.session.scalar(
            select(ChatRoom.id).where(
                ChatRoom.kind == RoomKind.DIRECT,
                ChatRoom.user_low_id == low,
                ChatRoom.user_high_id == high,
            )
        )
    assert all(rooms.values()), rooms
    return rooms


# Which of demo_rooms each person reads (admin: all of them, as a reader only).
READS = {
    "student": {"maths:student", "physics:student", "tutor:student"},
    "student2": {"maths:student2", "tutor:student2"},
    "student3": {"maths:student3", "tutor:student3"},
    "student4": {"physics:student4", "tutor:student4"},
    "parent": {
        "maths:student",
        "physics:student",
        "maths:student2",
        "tutor:student",
        "tutor:student2",
        "direct:parent-tutor",
    },
    "parent2": {"maths:student3", "tutor:student3", "direct:parent2-teacher"},
    "guardian": {"maths:student2", "tutor:student2"},
    "tutor": {
        "tutor:student",
        "tutor:student2",
        "tutor:student4",
        "direct:tutor-teacher",
        "direct:parent-tutor",
    },
    "tutor2": {"tutor:student3"},
    "teacher": {
        "maths:student",
        "maths:student2",
        "maths:student3",
        "direct:tutor-teacher",
        "direct:parent2-teacher",
    },
    "teacher2": {"physics:student", "physics:student4"},
}


def test_contacts_and_direct_rooms_follow_one_rule_for_every_pair(web, demo, tokens):
    for name in PEOPLE:
        listed = {
            c["id"]: c for c in call(web, tokens, name, "GET", "/contacts").get_json()["contacts"]
        }
        expected = {demo[other].id for other in PEOPLE if frozenset((name, other)) in ALLOWED_PAIRS}
        assert set(listed) == expected, name
    for first, second in itertools.permutations(PEOPLE, 2):
        answer = call(web, tokens, first, "POST", "/direct", {"user_id": demo[second].id})
        if frozenset((first, second)) in ALLOWED_PAIRS:
            assert answer.status_code == 200, (first, second)
            room = answer.get_json()["room"]
            assert room["kind"] == "direct"
            assert {m["id"] for m in room["members"]} == {demo[first].id, demo[second].id}
            assert room["can_post"] is True
        else:
            assert answer.status_code == 404, (first, second)
            assert answer.get_json()["error"]["code"] == "not_found"
    # One room per pair, whichever side opened it, and the contact list now names it.
    direct_rooms = db.session.scalar(
        select(func.count(ChatRoom.id)).where(ChatRoom.kind == RoomKind.DIRECT)
    )
    assert direct_rooms == len(ALLOWED_PAIRS)
    contacts = call(web, tokens, "teacher2", "GET", "/contacts").get_json()["contacts"]
    assert all(isinstance(c["room_id"], int) for c in contacts)
    assert {c["full_name"] for c in contacts} == {"Irina Petrova", "Tatiana Smirnova"}


def test_refused_pairs_include_the_named_ones_and_nobody_gets_a_room(web, demo, tokens):
    for first, second in [
        ("student", "student2"),
        ("student", "parent"),
        ("parent", "parent2"),
        ("student", "teacher"),
        ("tutor2", "teacher2"),
        ("teacher", "teacher2"),
        ("admin", "tutor"),
        ("tutor", "admin"),
        ("parent2", "tutor"),
    ]:
        answer = call(web, tokens, first, "POST", "/direct", {"user_id": demo[second].id})
        assert answer.status_code == 404 and answer.get_json()["error"]["code"] == "not_found"
    assert call(web, tokens, "tutor", "POST", "/direct", {"user_id": 999_999}).status_code == 404
    assert call(web, tokens, "tutor", "POST", "/direct", {"user_id": "3"}).status_code == 400
    assert call(web, tokens, "tutor", "POST", "/direct", {"user_id": True}).status_code == 400
    before = db.session.scalar(
        select(func.count(ChatRoom.id)).where(ChatRoom.kind == RoomKind.DIRECT)
    )
    assert before == 3  # the demo's own direct conversations only


def test_each_role_reads_exactly_its_rooms_and_admin_posts_in_none(web, demo, tokens):
    rooms = demo_rooms(demo)
    for name in PEOPLE:
        listed = {r["id"] for r in call(web, tokens, name, "GET", "/rooms").get_json()["rooms"]}
        readable = set(rooms) if name == "admin" else READS[name]
        assert listed == {rooms[key] for key in readable}, name
        for key, room_id in rooms.items():
            one = call(web, tokens, name, "GET", f"/rooms/{room_id}")
            history = call(web, tokens, name, "GET", f"/rooms/{room_id}/messages")
            post = call(
                web,
                tokens,
                name,
                "POST",
                f"/rooms/{room_id}/messages",
                {"content": f"{name} was here"},
            )
            if key in readable:
                assert one.status_code == 200 and one.get_json()["room"]["id"] == room_id
                assert history.status_code == 200
                assert all(m["room_id"] == room_id for m in history.get_json()["messages"])
            else:
                assert one.status_code == history.status_code == post.status_code == 404
                assert post.get_json()["error"]["code"] == "not_found"
                continue
            if name == "admin":
                assert one.get_json()["room"]["can_post"] is False
                assert post.status_code == 403 and post.get_json()["error"]["code"] == "forbidden"
            else:
                assert post.status_code == 201, (name, key, post.get_json())
    # Reading never made the admin a member, and the admin's attempts stored nothing.
    assert (
        db.session.scalar(
            select(func.count()).select_from(ChatMember).where(ChatMember.user_id == demo.admin.id)
        )
        == 0
    )
    assert (
        db.session.scalar(
            select(func.count(ChatMessage.id)).where(ChatMessage.content == "admin was here")
        )
        == 0
    )
    assert db.session.scalar(
        select(func.count(ChatMessage.id)).where(ChatMessage.content.like("% was here"))
    ) == sum(len(v) for v in READS.values())


def test_room_json_has_the_contract_shape(web, demo, tokens):
    room_id = subject_room(demo.student, "Maths")
    room = call(web, tokens, "parent", "GET", f"/rooms/{room_id}").get_json()["room"]
    assert {
        "id",
        "kind",
        "title",
        "enrollment_id",
        "members",
        "unread",
        "last_message",
        "locked",
        "can_post",
    } <= set(room)
    assert room["kind"] == "subject" and room["title"] == "Anna Petrova · Maths"
    assert {(m["full_name"], m["role"]) for m in room["members"]} == {
        ("Anna Petrova", "student"),
        ("Mikhail Orlov", "teacher"),
        ("Irina Petrova", "parent"),
    }
    assert room["locked"] is False and room["can_post"] is True and room["can_moderate"] is False
    last = room["last_message"]
    assert set(last) == {
        "id",
        "room_id",
        "sender",
        "content",
        "kind",
        "attachment",
        "reply_to_id",
        "created_at",
        "edited_at",
        "client_id",
    }
    assert last["sender"]["full_name"] == "Mikhail Orlov" and last["edited_at"] is not None
    teacher_view = call(web, tokens, "teacher", "GET", f"/rooms/{room_id}").get_json()["room"]
    assert teacher_view["can_moderate"] is True


def test_rooms_appear_with_enrollments_and_tutor_links(ctx, demo, make_user):
    chemistry = db.session.scalar(select(Subject).where(Subject.name == "Chemistry"))
    accounts.update_user(
        demo.admin,
        demo.teacher2.id,
        full_name=demo.teacher2.full_name,
        email=demo.teacher2.email,
        subjects="Physics, Chemistry",
    )  # teaches it
    enrollment = learning.enroll(
        demo.tutor,
        student_id=demo.student2.id,
        subject_id=chemistry.id,
        teacher_id=demo.teacher2.id,
    )
    room = db.session.scalar(select(ChatRoom).where(ChatRoom.enrollment_id == enrollment.id))
    members = set(
        db.session.scalars(select(ChatMember.user_id).where(ChatMember.room_id == room.id))
    )
    assert room.kind is RoomKind.SUBJECT
    assert members == {demo.student2.id, demo.teacher2.id, demo.parent.id, demo.guardian.id}

    student = families.create_family(
        demo.tutor,
        student_name="Oleg New",
        grade=7,
        goal="",
        parent_name="Olga New",
        parent_email=None,
        parent_phone="",
    ).student
    room_id = tutor_room(student)
    members = set(
        db.session.scalars(select(ChatMember.user_id).where(ChatMember.room_id == room_id))
    )
    assert members == {student.id, demo.tutor.id, student.student_profile.parent_id}

    lone = make_user("student")
    assert tutor_room(lone) is None  # no tutor, no tutor room
    links.set_links(demo.admin, lone.id, tutor_id=demo.tutor2.id)
    assert set(
        db.session.scalars(select(ChatMember.user_id).where(ChatMember.room_id == tutor_room(lone)))
    ) == {lone.id, demo.tutor2.id}


def test_membership_follows_a_parent_change(web, demo, tokens):
    rooms = [
        subject_room(demo.student, "Maths"),
        subject_room(demo.student, "Physics"),
        tutor_room(demo.student),
    ]
    links.set_links(demo.admin, demo.student.id, parent_id=demo.parent2.id)
    for room_id in rooms:
        assert call(web, tokens, "parent", "GET", f"/rooms/{room_id}").status_code == 404
        room = call(web, tokens, "parent2", "GET", f"/rooms/{room_id}").get_json()["room"]
        assert "Sergey Ivanov" in {m["full_name"] for m in room["members"]}
        assert "Irina Petrova" not in {m["full_name"] for m in room["members"]}
        # The new parent starts with the history read, and may write.
        assert room["unread"] == 0 and room["can_post"] is True
    # The old parent keeps the other child's rooms.
    still = {r["id"] for r in call(web, tokens, "parent", "GET", "/rooms").get_json()["rooms"]}
    assert subject_room(demo.student2, "Maths") in still and tutor_room(demo.student2) in still


def test_membership_follows_a_tutor_change_and_removal(web, demo, tokens):
    room_id = tutor_room(demo.student)
    links.set_links(demo.admin, demo.student.id, tutor_id=demo.tutor2.id)
    assert call(web, tokens, "tutor", "GET", f"/rooms/{room_id}").status_code == 404
    room = call(web, tokens, "tutor2", "GET", f"/rooms/{room_id}").get_json()["room"]
    assert room["can_moderate"] is True and room["can_post"] is True
    assert (
        call(web, tokens, "tutor2", "POST", f"/rooms/{room_id}/lock", {"locked": True}).status_code
        == 200
    )

    links.set_links(demo.admin, demo.student.id, tutor_id=None)
    room = call(web, tokens, "student", "GET", f"/rooms/{room_id}").get_json()["room"]
    assert {m["role"] for m in room["members"]} == {"student", "parent"}
    assert room["read_only"] is True and room["locked"] is True and room["can_post"] is False
    refused = call(
        web, tokens, "student", "POST", f"/rooms/{room_id}/messages", {"content": "anyone there?"}
    )
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "locked"
    assert call(web, tokens, "student", "GET", f"/rooms/{room_id}/messages").get_json()[
        "messages"
    ]  # history stays readable


def test_an_ended_enrollment_leaves_a_read_only_room(web, demo, tokens):
    room_id = subject_room(demo.student, "Physics")
    room = db.session.get(ChatRoom, room_id)
    learning.end_enrollment(demo.tutor, room.enrollment_id)
    for name in ("student", "teacher2", "parent"):
        view = call(web, tokens, name, "GET", f"/rooms/{room_id}").get_json()["room"]
        assert view["locked"] is True and view["read_only"] is True and view["can_post"] is False
        answer = call(web, tokens, name, "POST", f"/rooms/{room_id}/messages", {"content": "hi"})
        assert answer.status_code == 409 and answer.get_json()["error"]["code"] == "locked"
        history = call(web, tokens, name, "GET", f"/rooms/{room_id}/messages").get_json()
        assert any(m["client_id"] == "demo-p3" for m in history["messages"])
    # The teacher of the ended enrollment is no longer a direct contact through it alone.
    contacts = {
        c["full_name"]
        for c in call(web, tokens, "teacher2", "GET", "/contacts").get_json()["contacts"]
    }
    assert contacts == {"Tatiana Smirnova"}  # still via Daniil; Anna's mother no longer


def test_a_direct_room_becomes_read_only_when_the_pair_is_no_longer_allowed(web, demo, tokens):
    room_id = call(
        web, tokens, "parent2", "POST", "/direct", {"user_id": demo.teacher.id}
    ).get_json()["room"]["id"]
    maths = db.session.get(ChatRoom, subject_room(demo.student3, "Maths"))
    learning.end_enrollment(demo.tutor2, maths.enrollment_id)
    view = call(web, tokens, "parent2", "GET", f"/rooms/{room_id}").get_json()["room"]
    assert view["read_only"] is True and view["can_post"] is False
    answer = call(web, tokens, "parent2", "POST", f"/rooms/{room_id}/messages", {"content": "?"})
    assert answer.get_json()["error"]["code"] == "locked"
    assert demo.teacher.id not in {
        c["id"] for c in call(web, tokens, "parent2", "GET", "/contacts").get_json()["contacts"]
    }


def test_deactivated_people_are_not_direct_contacts(web, demo, tokens):
    accounts.set_active(demo.admin, demo.teacher2.id, False)
    contacts = {
        c["id"] for c in call(web, tokens, "parent", "GET", "/contacts").get_json()["contacts"]
    }
    assert demo.teacher2.id not in contacts and demo.teacher.id in contacts
    answer = call(web, tokens, "parent", "POST", "/direct", {"user_id": demo.teacher2.id})
    assert answer.status_code == 404


def test_demo_chat_history_is_idempotent_and_spread_over_rooms(ctx, demo):
    from thebot import demo as demo_module

    before = db.session.scalar(select(func.count(ChatMessage.id)))
    demo_module.load()
    assert db.session.scalar(select(func.count(ChatMessage.id))) == before
    kinds = db.session.execute(
        select(ChatRoom.kind, func.count(ChatMessage.id))
        .join(ChatMessage, ChatMessage.room_id == ChatRoom.id)
        .group_by(ChatRoom.kind)
    ).all()
    assert {kind for kind, count in kinds if count >= 2} == {
        RoomKind.SUBJECT,
        RoomKind.TUTOR,
        RoomKind.DIRECT,
    }
    files = db.session.scalars(select(ChatMessage).where(ChatMessage.attachment_key.is_not(None)))
    assert [m.attachment_name for m in files] == ["pendulum-measurements.txt"]
    # The history is spread over weeks, and someone has something unread.
    oldest = db.session.scalar(select(func.min(ChatMessage.created_at)))
    newest = db.session.scalar(select(func.max(ChatMessage.created_at)))
    assert (newest - oldest).days >= 14
    assert chat_reading.unread_summary(demo.student)["total"] >= 1
    assert demo.admin.role is Role.ADMIN


def test_demo_load_on_the_command_line_registers_the_room_hooks(ctx, database_url, uploads_dir):
    # A fresh process, as `make run` does it: rooms and history must come with the demo.
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "THEBOT_ENV": "test",
        "UPLOAD_DIR": str(uploads_dir),
        "PYTHONWARNINGS": "ignore",
    }
    environment.pop("ASYNC_MODE", None)
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "demo", "load"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    db.session.expire_all()
    kinds = db.session.execute(
        select(ChatRoom.kind, func.count(ChatRoom.id)).group_by(ChatRoom.kind)
    ).all()
    assert dict(kinds) == {RoomKind.SUBJECT: 5, RoomKind.TUTOR: 4, RoomKind.DIRECT: 3}
    assert db.session.scalar(select(func.count(ChatMessage.id))) >= 30


def test_the_migration_gives_existing_relationships_their_rooms(app_config, tmp_path):
    from flask_migrate import upgrade
    from sqlalchemy import text

    from thebot import create_app

    old = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'o.db'}"})
    with old.app_context():
        upgrade(revision="0001")
        people = [
            (1, "stu", "student"),
            (2, "tea", "teacher"),
            (3, "tut", "tutor"),
            (4, "par", "parent"),
            (5, "loner", "student"),
        ]
        for user_id, username, role in people:
            db.session.execute(
                text(
                    "INSERT INTO users (id, username, full_name, role, password_hash, active, "
                    "created_at) VALUES (:id, :u, :u, :r, 'x', 1, '2026-01-01 00:00:00')"
                ),
                {"id": user_id, "u": username, "r": role},
            )
        db.session.execute(
            text(
                "INSERT INTO student_profiles (user_id, goal, tutor_id, parent_id)"
                " VALUES (1, '', 3, 4), (5, '', NULL, NULL)"
            )
        )
        db.session.execute(
            text("INSERT INTO subjects (id, name, description) VALUES (1, 'Maths', '')")
        )
        db.session.execute(
            text(
                "INSERT INTO enrollments (id, student_id, subject_id, teacher_id, is_active, "
                "created_at) VALUES (7, 1, 1, 2, 1, '2026-01-01 00:00:00'), "
                "(8, 5, 1, 2, 0, '2026-01-01 00:00:00')"
            )
        )
        db.session.commit()
        upgrade()
        rooms = db.session.execute(
            text("SELECT id, kind, enrollment_id, student_id FROM chat_rooms ORDER BY id")
        ).all()
        members = {
            room_id: set(
                db.session.scalars(
                    text("SELECT user_id FROM chat_members WHERE room_id = :r"), {"r": room_id}
                )
            )
            for room_id, *_ in rooms
        }
        db.session.remove()
        db.engine.dispose()
    assert [(kind, enrollment, student) for _, kind, enrollment, student in rooms] == [
        ("subject", 7, 1),
        ("subject", 8, 5),
        ("tutor", None, 1),
    ]
    assert [members[room_id] for room_id, *_ in rooms] == [{1, 2, 4}, {5, 2}, {1, 3, 4}]


def test_the_room_list_takes_the_same_number_of_queries_however_long(ctx, demo):
    from thebot.services.chat import rooms as chat_rooms

    def queries_for(user) -> int:
        with count_queries(db.engine) as statements:
            chat_rooms.rooms_of(user)
        return len(statements)

    db.session.expire_all()
    before = queries_for(demo.parent)
    accounts.update_user(
        demo.admin,
        demo.teacher.id,
        full_name=demo.teacher.full_name,
        email=demo.teacher.email,
        subjects="Maths, English, Chemistry, Russian",
    )
    for name in ("English", "Chemistry", "Russian"):
        subject = db.session.scalar(select(Subject).where(Subject.name == name))
        learning.enroll(
            demo.tutor,
            student_id=demo.student.id,
            subject_id=subject.id,
            teacher_id=demo.teacher.id,
        )
    db.session.expire_all()
    assert len(chat_rooms.rooms_of(demo.parent)) == 9
    db.session.expire_all()
    assert queries_for(demo.parent) == before
