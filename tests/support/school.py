"""A small school built through the services, for the schedule and homework page tests: a tutor
with two students of one parent (both learning Maths with one teacher), a second family with its
own tutor and a Physics teacher, and an admin. Usernames are fixed (tables are emptied between
tests), so `web.login("sch-teacher")` signs one in."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from types import SimpleNamespace


def build_school(make_user) -> SimpleNamespace:
    """Everyone above, linked and enrolled through the links and learning services."""
    from thebot.services import learning, links

    admin = make_user("admin", "sch-admin", full_name="Ada Admin")
    maths = learning.create_subject(admin, "Maths")
    physics = learning.create_subject(admin, "Physics")
    tutor = make_user("tutor", "sch-tutor", full_name="Tess Tutor")
    tutor2 = make_user("tutor", "sch-tutor2", full_name="Tom Tutor")
    teacher = make_user("teacher", "sch-teacher", full_name="Mark Maths", subjects="Maths")
    teacher2 = make_user("teacher", "sch-teacher2", full_name="Fay Physics", subjects="Physics")
    parent = make_user("parent", "sch-parent", full_name="Paula Parent")
    parent2 = make_user("parent", "sch-parent2", full_name="Peter Parent")
    student = make_user("student", "sch-student", full_name="Sam Student")
    student2 = make_user("student", "sch-student2", full_name="Sue Student")
    student3 = make_user("student", "sch-student3", full_name="Olly Other")
    for child, its_tutor, its_parent in (
        (student, tutor, parent),
        (student2, tutor, parent),
        (student3, tutor2, parent2),
    ):
        links.set_links(admin, child.id, tutor_id=its_tutor.id, parent_id=its_parent.id)

    def enroll(child, subject, who):
        return learning.enroll(admin, student_id=child.id, subject_id=subject.id, teacher_id=who.id)

    return SimpleNamespace(
        admin=admin,
        tutor=tutor,
        tutor2=tutor2,
        teacher=teacher,
        teacher2=teacher2,
        parent=parent,
        parent2=parent2,
        student=student,
        student2=student2,
        student3=student3,
        maths=maths,
        physics=physics,
        maths1=enroll(student, maths, teacher),
        maths2=enroll(student2, maths, teacher),
        physics3=enroll(student3, physics, teacher2),
    )


def future_monday(weeks_ahead: int = 3) -> datetime:
    """Midnight UTC of a Monday some weeks from now (clear of the 2-hour rule and of today)."""
    today = datetime.now(UTC).date()
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=weeks_ahead)
    return datetime.combine(monday, time(), tzinfo=UTC)


def move_into_past(lesson_id: int, hours: float = 2) -> None:
    """Shift a scheduled lesson so it started `hours` ago (the service refuses such a start)."""
    from sqlalchemy import update

    from thebot.extensions import db
    from thebot.models import Lesson

    start = datetime.now(UTC) - timedelta(hours=hours)
    db.session.execute(
        update(Lesson)
        .where(Lesson.id == lesson_id)
        .values(starts_at=start, ends_at=start + timedelta(hours=1))
    )
    db.session.commit()
