"""Finding the demo's chat rooms from tests (the rooms themselves are made by the services)."""
from __future__ import annotations

from sqlalchemy import select

from thebot.extensions import db
from thebot.models import ChatRoom, Enrollment, RoomKind, Subject


def subject_room(student, subject_name: str) -> int:
    """The id of the student's subject room for this subject."""
    return db.session.scalar(
        select(ChatRoom.id).join(Enrollment, Enrollment.id == ChatRoom.enrollment_id)
        .join(Subject, Subject.id == Enrollment.subject_id)
        .where(ChatRoom.kind == RoomKind.SUBJECT, Enrollment.student_id == student.id,
               Subject.name == subject_name))


def tutor_room(student) -> int | None:
    """The id of the student's tutor room, if any."""
    return db.session.scalar(select(ChatRoom.id).where(ChatRoom.kind == RoomKind.TUTOR,
                                                       ChatRoom.student_id == student.id))
