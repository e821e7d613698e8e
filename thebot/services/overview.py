"""A student's whole picture and the dashboards' work queues, gathered from every area's own
reading functions (lessons, homework, reports, billing, chat) for one viewer.

Each part is a fixed number of queries whatever the data (lists are limited, their rows loaded
with what the pages show), so a page built from these costs the same as data grows.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from thebot.extensions import db
from thebot.models import (
    ChatRoom,
    Invoice,
    LessonStatus,
    Report,
    ReportStatus,
    Role,
    RoomKind,
    User,
)
from thebot.models.base import utcnow
from thebot.services import access
from thebot.services.billing.rules import OPEN, PAYABLE
from thebot.services.chat import access as chat_access
from thebot.services.chat import serialize as chat_serialize
from thebot.services.homework import listing as homework_listing
from thebot.services.lessons import listing as lesson_listing
from thebot.services.lessons.rules import zone_of
from thebot.services.reports import reading, rules, writing

UPCOMING = 5
HOMEWORK_DUE = 10
RECENT_GRADES = 5
LATEST_REPORTS = 3


def _open_invoices(viewer: User, student_id: int | None, statuses) -> list[Invoice]:
    """The viewer's invoices in these states (of one student, or all), newest first."""
    query = access.visible_invoices(viewer).where(Invoice.status.in_(statuses))
    if student_id is not None:
        query = query.where(Invoice.student_id == student_id)
    query = query.options(joinedload(Invoice.student), joinedload(Invoice.parent))
    return list(db.session.scalars(query.order_by(Invoice.id.desc())).unique())


def chat_rooms_of(viewer: User, student_id: int) -> list[dict]:
    """The student's subject and tutoring rooms the viewer may read, described for them."""
    query = chat_access.rooms_visible_to(viewer).where(
        ChatRoom.student_id == student_id, ChatRoom.kind != RoomKind.DIRECT
    )
    rooms = chat_serialize.rooms_for(viewer, chat_serialize.load_rooms(query.order_by(ChatRoom.id)))
    return sorted(rooms, key=lambda room: (room["kind"] != RoomKind.TUTOR.value, room["title"]))


def student_picture(viewer: User, student: User) -> dict:
    """Everything about one student the viewer may see, for the tutor's student page and the
    parent's child page: upcoming lessons, homework due and recent grades, the latest reports,
    the progress chart, open invoices and the student's chat rooms."""
    now = utcnow()
    upcoming, _more = lesson_listing.lessons_for(
        viewer,
        date_from=now,
        student_id=student.id,
        status=LessonStatus.SCHEDULED.value,
        limit=UPCOMING,
    )
    due, _more = homework_listing.homework_for(
        viewer, student_id=student.id, status="set", limit=HOMEWORK_DUE
    )
    returned, _more = homework_listing.homework_for(
        viewer, student_id=student.id, status="returned", limit=HOMEWORK_DUE
    )
    graded, _more = homework_listing.homework_for(
        viewer, student_id=student.id, status="graded", limit=RECENT_GRADES
    )
    return {
        "upcoming_lessons": upcoming,
        "homework_due": sorted(due + returned, key=lambda hw: (hw.due_at, hw.id)),
        "recent_grades": graded,
        "latest_reports": reading.reports_for(viewer, student_id=student.id, limit=LATEST_REPORTS),
        "progress_points": reading.progress_series(viewer, student.id),
        "open_invoices": _open_invoices(viewer, student.id, OPEN)
        if viewer.role in (Role.TUTOR, Role.PARENT)
        else [],
        "chat_rooms": chat_rooms_of(viewer, student.id),
    }


def todays_lessons(viewer: User) -> list:
    """The viewer's lessons of today (their time zone), cancelled ones included, by start."""
    zone = zone_of(viewer)
    today = utcnow().astimezone(zone).date()
    low = datetime.combine(today, time(), tzinfo=zone).astimezone(UTC)
    lessons, _more = lesson_listing.lessons_for(
        viewer, date_from=low, date_to=low + timedelta(days=1), limit=100
    )
    return lessons


def _sent_this_week(author: User):
    """The author's reports of this week that are sent (or read)."""
    return select(Report).where(
        Report.author_id == author.id,
        Report.week_start == rules.current_week_start(),
        Report.status.in_((ReportStatus.SENT, ReportStatus.READ)),
    )


def reports_due(author: User, roster: list | None = None) -> list:
    """This week's reports still to send: a tutor's students, or a teacher's active enrollments,
    without a sent report of this week (a draft still counts as due). `roster`: those students
    or enrollments when the caller has them loaded already."""
    if author.role is Role.TUTOR:
        done = set(db.session.scalars(_sent_this_week(author).with_only_columns(Report.student_id)))
        students = writing.writable_students(author) if roster is None else roster
        return [s for s in students if s.id not in done]
    done_pairs = set(
        db.session.execute(
            _sent_this_week(author).with_only_columns(Report.student_id, Report.subject_id)
        ).all()
    )
    enrollments = writing.writable_enrollments(author) if roster is None else roster
    return [e for e in enrollments if (e.student_id, e.subject_id) not in done_pairs]


def work_queues(viewer: User, roster: list | None = None) -> dict:
    """A dashboard's queues for the viewer's role: today's lessons (everyone with lessons),
    homework to grade (teacher), reports due this week (tutor, teacher), unpaid invoices
    (parent). `roster`: the tutor's students or the teacher's active enrollments, if loaded."""
    queues: dict = {"todays_lessons": todays_lessons(viewer)}
    if viewer.role is Role.TEACHER:
        queues["to_grade"] = homework_listing.to_grade(viewer)
    if viewer.role in (Role.TUTOR, Role.TEACHER):
        queues["reports_due"] = reports_due(viewer, roster)
        queues["week_start"] = rules.current_week_start()
    if viewer.role is Role.PARENT:
        queues["unpaid_invoices"] = _open_invoices(viewer, None, PAYABLE)
    return queues
