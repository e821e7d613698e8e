"""Who is told about a lesson and how: `lesson_updated` after commit to everyone who may see it
(the audience follows `access.lessons_visible_clause`), and the notifications of the student and
the parent (kinds lesson_scheduled / lesson_changed / lesson_cancelled)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, select

from thebot import realtime
from thebot.extensions import db
from thebot.models import Lesson, Role, StudentProfile, User
from thebot.models.base import iso
from thebot.services import notify
from thebot.services.lessons.rules import zone_of
from thebot.services.lessons.serialize import lesson_dict


def audience(lesson: Lesson) -> list[User]:
    """The active users who may see the lesson: the student, their parent, second guardian and
    tutor (as linked now), its teacher or tutor, and admins."""
    ids = {lesson.student_id, lesson.host_id}
    profile = db.session.get(StudentProfile, lesson.student_id)
    if profile is not None:
        ids.update(i for i in (*profile.guardian_ids, profile.tutor_id) if i is not None)
    return list(
        db.session.scalars(
            select(User)
            .where(User.active.is_(True), or_(User.id.in_(ids), User.role == Role.ADMIN))
            .order_by(User.id)
        )
    )


def emit_updated(lesson: Lesson) -> None:
    """After commit, `lesson_updated` (the lesson as each may see it) to its whole audience."""
    for user in audience(lesson):
        realtime.emit(
            "lesson_updated",
            lesson_dict(lesson, user),
            to=realtime.user_room(user.id),
            namespace=realtime.NOTIFICATIONS,
        )


def family(lesson: Lesson) -> list[User]:
    """Who is notified of a change: the student, their parent and second guardian."""
    people = [lesson.student]
    profile = lesson.student.student_profile
    if profile is not None:
        people.extend(user for user in (profile.parent, profile.guardian) if user is not None)
    return [user for user in people if user.active]


def schedule_path(lesson: Lesson, user: User) -> str:
    """The user's schedule page at the lesson's week (in the user's zone)."""
    day = lesson.starts_at.astimezone(zone_of(user)).date()
    week = day - timedelta(days=day.weekday())
    return f"/{user.role.value}/schedule?week={week.isoformat()}"


def params(lesson: Lesson, user: User, **extra) -> dict:
    """What a lesson notification is made of, with the recipient's zone for its times."""
    host = lesson.teacher or lesson.tutor
    return {
        "lesson": lesson.id,
        "student": lesson.student.full_name,
        "host": host.full_name if host is not None else "",
        "subject": lesson.enrollment.title if lesson.enrollment is not None else "",
        "topic": lesson.topic[:140],
        "starts_at": iso(lesson.starts_at),
        "ends_at": iso(lesson.ends_at),
        "tz": user.time_zone,
        **extra,
    }


def tell(kind: str, lesson: Lesson, *, dedupe: str | None = None, **extra) -> None:
    """Notify the student and the parent of a lesson event."""
    for user in family(lesson):
        notify.notify(
            user,
            kind,
            params=params(lesson, user, **extra),
            url=schedule_path(lesson, user),
            dedupe_key=dedupe,
        )
