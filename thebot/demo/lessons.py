"""Demo lessons for the demo families, built through the lessons services: the last three weeks
held (recorded after the fact with `record_past_lesson`, as a teacher or tutor does for a lesson
they gave without scheduling it), the coming weeks scheduled, one weekly Maths series with one
occurrence moved and one cancelled, and a tutoring session later today. Teacher lessons and tutor
sessions both. Times are wall-clock times in Moscow (the demo's zone).

Idempotent: nothing is added once any lesson exists.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from thebot.extensions import db
from thebot.models import Enrollment, Lesson, Subject, User
from thebot.models.base import utcnow
from thebot.services.lessons import schedule

ZONE = ZoneInfo("Europe/Moscow")
VIDEO = "https://meet.example.com/thebot-demo"
MATHS_TOPICS = ["Linear equations", "Quadratic equations", "Word problems", "Functions"]

# host, student, subject (None: a tutoring session), day offset, hour, minute, length (minutes)
PAST = [
    ("teacher", "student", "Maths", 0, 16, 0, 60),
    ("teacher2", "student", "Physics", 1, 15, 0, 60),
    ("tutor", "student", None, 2, 17, 0, 60),
    ("tutor", "student2", None, 2, 18, 30, 45),
    ("tutor2", "student3", None, 3, 17, 0, 60),
]
UPCOMING = [
    ("tutor2", "student3", None, 1, 17, 0, 60, "Exam strategy"),
    ("teacher2", "student", "Physics", 2, 15, 0, 60, "Newton's laws"),
    ("teacher2", "student4", "Physics", 2, 16, 30, 90, "Olympiad problems"),
    ("tutor", "student", None, 3, 17, 0, 60, "Weekly plan"),
    ("tutor", "student2", None, 3, 18, 30, 45, "Times tables"),
    ("teacher", "student3", "Maths", 4, 16, 0, 90, "Profile exam, part 2"),
    ("tutor", "student4", None, 4, 17, 0, 60, "Olympiad timetable"),
]
SERIES_WEEKS = 6


def _at(day: int, hour: int, minute: int) -> datetime:
    """Today (Moscow) plus `day` days at hour:minute, Moscow time."""
    today = utcnow().astimezone(ZONE).date()
    return datetime.combine(today + timedelta(days=day), time(hour, minute), tzinfo=ZONE)


def _enrollment(student: User, subject_name: str) -> int:
    return db.session.scalars(
        select(Enrollment.id)
        .join(Subject, Subject.id == Enrollment.subject_id)
        .where(Enrollment.student_id == student.id, Subject.name == subject_name)
    ).one()


def _party(user, host: str, student: str, subject: str | None) -> dict:
    pupil = user(student)
    if subject is None:
        return {"student_id": pupil.id}
    return {"enrollment_id": _enrollment(pupil, subject)}


def load_history(user) -> None:
    """Create the demo lessons (see PAST, UPCOMING and the Maths series) unless any exist."""
    if db.session.scalar(select(Lesson.id).limit(1)) is not None:
        return
    for weeks_ago in (3, 2, 1):
        for n, (host, student, subject, day, hour, minute, length) in enumerate(PAST):
            start = _at(day - 7 * weeks_ago, hour, minute)
            topic = MATHS_TOPICS[3 - weeks_ago] if subject == "Maths" else ""
            schedule.record_past_lesson(
                user(host),
                **_party(user, host, student, subject),
                starts_at=start,
                ends_at=start + timedelta(minutes=length),
                topic=topic or ("Study plan" if n % 2 == 0 else ""),
            )
    for host, student, subject, day, hour, minute, length, topic in UPCOMING:
        start = _at(day, hour, minute)
        schedule.schedule_lessons(
            user(host),
            **_party(user, host, student, subject),
            starts_at=start,
            ends_at=start + timedelta(minutes=length),
            topic=topic,
            video_url=VIDEO,
        )
    _maths_series(user)
    _later_today(user)


def _maths_series(user) -> None:
    """Anna's weekly Maths: the third lesson moved a day later, the fourth cancelled."""
    teacher = user("teacher")
    start = _at(1, 16, 0)
    lessons = schedule.schedule_lessons(
        teacher,
        enrollment_id=_enrollment(user("student"), "Maths"),
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        topic="OGE preparation",
        video_url=VIDEO,
        repeat_weeks=SERIES_WEEKS,
    )
    moved = lessons[2].starts_at + timedelta(days=1, hours=1)
    schedule.reschedule_lesson(teacher, lessons[2].id, starts_at=moved)
    schedule.cancel_lesson(teacher, lessons[3].id, "School trip that week.")


def _later_today(user) -> None:
    """A tutoring session three hours from now (on the hour), for today's lists."""
    start = (utcnow() + timedelta(hours=3)).astimezone(ZONE).replace(minute=0, second=0)
    start = start.replace(microsecond=0)
    schedule.schedule_lessons(
        user("tutor"),
        student_id=user("student4").id,
        starts_at=start,
        ends_at=start + timedelta(minutes=45),
        topic="Check-in before the olympiad",
    )
