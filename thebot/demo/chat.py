"""Demo chat history: conversations over the last three weeks in subject, tutor and direct rooms,
written through the chat services (with an attachment, a reply and an edit), then dated back.
Idempotent: every demo message carries a client_id, and one already stored is left alone.
"""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select

from thebot.extensions import db
from thebot.models import ChatMessage, ChatRoom, Enrollment, RoomKind, Subject
from thebot.models.base import utcnow
from thebot.services.chat import messages, reading, rooms

PENDULUM = (
    b"Pendulum length (m)\tPeriod of 10 swings (s)\n0.25\t10.1\n0.50\t14.2\n"
    b"0.75\t17.4\n1.00\t20.1\n"
)

# room key -> [(short id, sender username, days ago, hour (UTC), text or ("file", name, bytes),
#               the short id it replies to or None)]
Entry = tuple[str, str, int, int, str | tuple[str, str, bytes], str | None]
CONVERSATIONS: dict[tuple[str, str, str | None], list[Entry]] = {
    ("subject", "student", "Maths"): [
        (
            "m1",
            "teacher",
            19,
            15,
            "Anna, welcome to the Maths room. Homework and questions go here; your mum sees this "
            "room too.",
            None,
        ),
        (
            "m2",
            "student",
            19,
            16,
            "Thank you! Should I show the working in homework or only the answers?",
            None,
        ),
        (
            "m3",
            "teacher",
            19,
            17,
            "Always the working: at the OGE that is where the marks are.",
            "m2",
        ),
        (
            "m4",
            "parent",
            12,
            9,
            "Good morning, Mikhail. Anna was ill on Tuesday and Wednesday; what should she catch "
            "up on?",
            None,
        ),
        (
            "m5",
            "teacher",
            12,
            11,
            "Similar triangles, section 3.4. Exercises 3.14 to 3.20 are enough; I will check them"
            " on Monday.",
            "m4",
        ),
        ("m6", "student", 6, 18, "I did 3.14 to 3.20. In 3.18 I get k = 3/2, is that right?", None),
        (
            "m7",
            "teacher",
            6,
            19,
            "Yes, k = 3/2. Now check which sides you paired: the answer is right but the sketch "
            "swaps AB and BC.",
            "m6",
        ),
        (
            "m8",
            "teacher",
            1,
            16,
            "Next week: quadratic inequalities. Please revise the interval method before Monday.",
            None,
        ),
    ],
    ("subject", "student", "Physics"): [
        (
            "p1",
            "teacher2",
            15,
            14,
            "Lab report on the pendulum is due on Friday. Measure the period for four lengths.",
            None,
        ),
        ("p2", "student", 13, 17, ("file", "pendulum-measurements.txt", PENDULUM), None),
        (
            "p3",
            "student",
            13,
            17,
            "Here are my measurements. The last one looks a bit short.",
            None,
        ),
        (
            "p4",
            "teacher2",
            13,
            19,
            "Good data. Plot T² against the length and the line will tell you about the last "
            "point.",
            "p3",
        ),
    ],
    ("tutor", "student", None): [
        (
            "t1",
            "tutor",
            20,
            8,
            "Hi Anna! Our plan for the next weeks: maths every evening for 40 minutes, physics on"
            " Tuesdays and Thursdays.",
            None,
        ),
        (
            "t2",
            "student",
            20,
            9,
            "Okay. Can we move Thursday physics to Friday? I have a dance class.",
            None,
        ),
        ("t3", "tutor", 20, 10, "Yes, Friday it is. I will update the plan.", "t2"),
        ("t4", "parent", 8, 19, "Tatiana, Anna's mock test was 23 out of 25! Thank you.", None),
        (
            "t5",
            "tutor",
            8,
            20,
            "Wonderful news. She has earned it: full attendance this week.",
            "t4",
        ),
        (
            "t6",
            "tutor",
            2,
            8,
            "Reminder: mock OGE on Saturday at 10:00, bring a calculator and two pens.",
            None,
        ),
    ],
    ("tutor", "student2", None): [
        (
            "q1",
            "tutor",
            14,
            15,
            "Pavel, this week we focus on fractions. Ten minutes a day is enough.",
            None,
        ),
        ("q2", "student2", 14, 18, "ok", None),
        ("q3", "student2", 7, 18, "I did the fractions homework without help!", None),
        ("q4", "tutor", 7, 19, "Excellent, Pavel! That is the second time this week.", "q3"),
    ],
    ("subject", "student3", "Maths"): [
        (
            "r1",
            "teacher",
            10,
            16,
            "Maria, your mock EGE: 76 points. Problems with parameters lost you the most.",
            None,
        ),
        ("r2", "student3", 10, 18, "Could you send extra tasks with parameters?", "r1"),
        ("r3", "teacher", 9, 9, "Yes: tasks 18 from the last five years' papers, one a day.", "r2"),
        ("r4", "parent2", 9, 12, "Thank you for the extra work, Mikhail.", None),
    ],
    ("direct", "tutor", "teacher"): [
        (
            "d1",
            "tutor",
            11,
            12,
            "Mikhail, how is Anna doing with geometry after her illness?",
            None,
        ),
        (
            "d2",
            "teacher",
            11,
            14,
            "She has caught up. Her proofs are slow but correct; timed practice would help.",
            "d1",
        ),
        ("d3", "tutor", 11, 15, "I will add two timed sets a week to her plan.", None),
    ],
    ("direct", "parent", "tutor"): [
        (
            "e1",
            "parent",
            5,
            20,
            "Tatiana, can we move Pavel's Wednesday session to Thursday this week?",
            None,
        ),
        ("e2", "tutor", 5, 21, "Of course, Thursday at 17:00.", "e1"),
    ],
    ("direct", "parent2", "teacher"): [
        (
            "f1",
            "parent2",
            4,
            10,
            "Hello Mikhail, is Maria ready for the profile level, in your opinion?",
            None,
        ),
    ],
}

# Who has read how far (by client_id) in which room: the rest stays unread.
READ_UP_TO = {
    ("subject", "student", "Maths"): {"student": "m7", "parent": "m8", "teacher": "m7"},
    ("subject", "student", "Physics"): {"student": "p4", "teacher2": "p3", "parent": "p4"},
    ("tutor", "student", None): {"student": "t6", "tutor": "t4", "parent": "t5"},
    ("tutor", "student2", None): {"student2": "q4", "tutor": "q3", "parent": "q4"},
    ("subject", "student3", "Maths"): {"student3": "r3", "teacher": "r4", "parent2": "r4"},
    ("direct", "tutor", "teacher"): {"tutor": "d3", "teacher": "d3"},
    ("direct", "parent", "tutor"): {"parent": "e2", "tutor": "e2"},
}


def _room_id(key: tuple, user_by_username) -> int | None:
    kind, first, second = key
    if kind == "direct":
        return rooms.open_direct_room(user_by_username(first), user_by_username(second).id)["id"]
    student = user_by_username(first)
    if kind == "tutor":
        return db.session.scalar(
            select(ChatRoom.id).where(
                ChatRoom.kind == RoomKind.TUTOR, ChatRoom.student_id == student.id
            )
        )
    return db.session.scalar(
        select(ChatRoom.id)
        .join(Enrollment, Enrollment.id == ChatRoom.enrollment_id)
        .join(Subject, Subject.id == Enrollment.subject_id)
        .where(
            ChatRoom.kind == RoomKind.SUBJECT,
            Enrollment.student_id == student.id,
            Subject.name == second,
        )
    )


def _stored(sender_id: int, client_id: str) -> ChatMessage | None:
    return db.session.scalar(
        select(ChatMessage).where(
            ChatMessage.sender_id == sender_id, ChatMessage.client_id == client_id
        )
    )


def _sent_at(days_ago: int, hour: int, position: int):
    """When a demo message was sent: its day and hour, and a minute from its position in the
    conversation, so a room's history is chronological in the order it is written (ids)."""
    day = utcnow() - timedelta(days=days_ago)
    return day.replace(hour=hour, minute=position % 60, second=0, microsecond=0)


def _post(room_id: int, entry: Entry, position: int, ids: dict, user_by_username) -> None:
    short_id, username, days_ago, hour, body, reply_key = entry
    sender = user_by_username(username)
    client_id = f"demo-{short_id}"
    existing = _stored(sender.id, client_id)
    if existing is not None:
        ids[short_id] = existing.id
        return
    reply_to = ids.get(reply_key) if reply_key else None
    if isinstance(body, tuple):
        _, name, data = body
        message = messages.send_attachment(
            sender, room_id, io.BytesIO(data), name, client_id=client_id, reply_to_id=reply_to
        )
    else:
        message = messages.send_message(
            sender, room_id, body, client_id=client_id, reply_to_id=reply_to
        )
    ids[short_id] = message["id"]
    # History is dated back after it is written (this also keeps it out of the rate window).
    record = db.session.get_one(ChatMessage, message["id"])
    record.created_at = _sent_at(days_ago, hour, position)
    db.session.commit()


def load_history(user_by_username) -> None:
    """Write the demo conversations that are missing and set the read positions (idempotent)."""
    for key, entries in CONVERSATIONS.items():
        room_id = _room_id(key, user_by_username)
        if room_id is None:
            continue
        ids: dict[str, int] = {}
        for position, entry in enumerate(entries):
            _post(room_id, entry, position, ids, user_by_username)
        for username, up_to in READ_UP_TO.get(key, {}).items():
            reading.mark_read(user_by_username(username), room_id, ids[up_to])
    teacher = user_by_username("teacher")
    corrected = _stored(teacher.id, "demo-m8")
    if corrected is not None and corrected.edited_at is None:
        messages.edit_message(
            teacher,
            corrected.id,
            "Next week: quadratic inequalities. "
            "Please revise the interval method before "
            "Monday's lesson.",
        )
