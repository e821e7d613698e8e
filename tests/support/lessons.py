"""Plain helpers of the lesson tests: a family with a teacher's enrollment and a tutor, built
through the services, and ISO times relative to now."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import func, select

from tests.support.http import api_token


def lesson_people(make_user):
    """Two families and their teachers and tutors:

    - student (parent, tutor; Maths with teacher), sibling (same parent and tutor);
    - other_student (other_parent, other_tutor; Maths with teacher too);
    - other_teacher (teaches nobody here), admin.
    Tokens by name in `.tokens`, the enrollments in `.maths` and `.other_maths`.
    """
    from thebot.services import learning, links

    tag = uuid.uuid4().hex[:6]
    admin = make_user("admin")
    p = SimpleNamespace(
        admin=admin,
        tutor=make_user("tutor", full_name="Tess Tutor"),
        other_tutor=make_user("tutor", full_name="Otto Tutor"),
        teacher=make_user("teacher", full_name="Mikhail Teacher", subjects="Maths"),
        other_teacher=make_user("teacher", full_name="Olga Teacher", subjects="Maths"),
        parent=make_user("parent", full_name="Paula Parent"),
        other_parent=make_user("parent", full_name="Peter Other"),
        student=make_user("student", full_name="Sam Student"),
        sibling=make_user("student", full_name="Sue Sibling"),
        other_student=make_user("student", full_name="Oleg Student"),
    )
    links.set_links(admin, p.student.id, tutor_id=p.tutor.id, parent_id=p.parent.id)
    links.set_links(admin, p.sibling.id, tutor_id=p.tutor.id, parent_id=p.parent.id)
    links.set_links(
        admin, p.other_student.id, tutor_id=p.other_tutor.id, parent_id=p.other_parent.id
    )
    subject = learning.create_subject(None, f"Maths {tag}")
    p.teacher.teacher_profile.subjects = subject.name
    p.other_teacher.teacher_profile.subjects = subject.name
    p.maths = learning.enroll(
        admin, student_id=p.student.id, subject_id=subject.id, teacher_id=p.teacher.id
    ).id
    p.other_maths = learning.enroll(
        admin, student_id=p.other_student.id, subject_id=subject.id, teacher_id=p.teacher.id
    ).id
    p.subject_name = subject.name
    p.tokens = {name: api_token(user) for name, user in vars(p).items() if hasattr(user, "role")}
    return p


def lesson_caller(web, p):
    """call(who, method, path, json=None): the JSON API under /api/v1 as one of p's people."""

    def go(who, method, path, json=None):
        return web.api(method, f"/api/v1{path}", json=json, token=p.tokens[who])

    return go


def at(hours: float = 0, *, days: float = 0, minutes: float = 0) -> datetime:
    """Now plus an offset, to the second, in UTC."""
    return (datetime.now(UTC) + timedelta(days=days, hours=hours, minutes=minutes)).replace(
        microsecond=0
    )


def iso(moment: datetime) -> str:
    return moment.isoformat()


def slot(hours: float, minutes: int = 60, *, days: float = 0) -> dict:
    """{"starts_at", "ends_at"} of a lesson starting `days`+`hours` from now, `minutes` long."""
    start = at(hours, days=days)
    return {"starts_at": iso(start), "ends_at": iso(start + timedelta(minutes=minutes))}


# --- API calls and stored state of the lesson tests -------------------------------------------


def teacher_lesson(call, p, hours=24, minutes=60, **extra):
    answer = call(
        "teacher", "POST", "/lessons", {"enrollment_id": p.maths, **slot(hours, minutes), **extra}
    )
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["lessons"][0]


def tutor_lesson(call, p, hours=24, minutes=60, student=None, **extra):
    answer = call(
        "tutor",
        "POST",
        "/lessons",
        {"student_id": (student or p.student).id, **slot(hours, minutes), **extra},
    )
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["lessons"][0]


def events_of(lesson_id):
    from thebot.extensions import db
    from thebot.models import LessonEvent

    db.session.expire_all()
    return [
        (e.action, e.actor_id)
        for e in db.session.scalars(
            select(LessonEvent).where(LessonEvent.lesson_id == lesson_id).order_by(LessonEvent.id)
        )
    ]


def lesson_count():
    from thebot.extensions import db
    from thebot.models import Lesson

    return db.session.scalar(select(func.count()).select_from(Lesson))


def error_of(answer):
    return answer.status_code, answer.get_json()["error"]["code"]
