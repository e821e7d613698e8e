"""Reading weekly reports: opening one (its reader marks it read), lists, inbox counters and the
progress chart. Who may see a report is decided in one place, `access.reports_visible_clause`;
every list and lookup here goes through it."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from thebot.extensions import db
from thebot.models import (
    Enrollment,
    Homework,
    HomeworkStatus,
    HomeworkSubmission,
    Lesson,
    LessonStatus,
    Report,
    ReportKind,
    ReportStatus,
    User,
)
from thebot.models.base import execute_dml, iso, utcnow
from thebot.services import access, notify
from thebot.services.errors import Forbidden, Invalid
from thebot.services.homework.listing import report_grade
from thebot.services.ids import payload_id
from thebot.services.reports.announce import about, emit_to_audience, report_key, report_path
from thebot.services.reports.rules import parse_kind

BOXES = ("all", "sent", "received")


def _mark_read(report: Report, reader: User) -> None:
    """Mark a sent report read once (by its recipient) and tell the author and the audience."""
    now = utcnow()
    done = execute_dml(
        update(Report)
        .where(Report.id == report.id, Report.status == ReportStatus.SENT)
        .values(status=ReportStatus.READ, read_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(report)
    if done.rowcount != 1:  # read meanwhile by another request: nothing more to tell
        return
    notify.mark_read_by_key(reader.id, report_key(report.id))  # its "new report" is seen now
    notify.notify(
        report.author_id,
        "report_read",
        params={**about(report), "reader": reader.full_name},
        url=report_path(report, report.author),
    )
    payload = {
        "report_id": report.id,
        "read_at": iso(report.read_at),
        "reader": {"id": reader.id, "full_name": reader.full_name},
    }
    emit_to_audience("report_read", report, lambda _user: payload)


def open_report(viewer: User, report_id) -> Report:
    """A report the viewer may see; opening it as its recipient marks it read.

    A reader opening a report already read by the other guardian still sees their own "new
    report" notification marked read."""
    report = access.visible_report(viewer, payload_id(report_id, "report_id"))
    if report.status is ReportStatus.SENT and access.is_report_reader(viewer, report):
        _mark_read(report, viewer)
        db.session.commit()
    elif (
        report.status is ReportStatus.READ
        and access.is_report_reader(viewer, report)
        and notify.mark_read_by_key(viewer.id, report_key(report.id))
    ):
        db.session.commit()
    return report


def mark_read(viewer: User, report_id) -> Report:
    """Mark a report read: its recipient only (others are refused); a repeat is a no-op."""
    report = access.visible_report(viewer, payload_id(report_id, "report_id"))
    if not access.is_report_reader(viewer, report):
        raise Forbidden(_l("Only the report's recipient marks it read."))
    if report.status is ReportStatus.SENT:
        _mark_read(report, viewer)
        db.session.commit()
    return report


def _loaded(query):
    return query.options(
        joinedload(Report.author),
        # the profile too: is_new (report_dict) reads the student's current links
        joinedload(Report.student).joinedload(User.student_profile),
        joinedload(Report.recipient),
        joinedload(Report.subject),
        joinedload(Report.enrollment).joinedload(Enrollment.subject),
    )


def reports_for(
    viewer: User,
    *,
    student_id=None,
    kind=None,
    box: str = "all",
    status=None,
    author_id=None,
    limit: int | None = None,
) -> list[Report]:
    """The reports this viewer may see, newest week first, optionally narrowed.

    box: "sent" (written by the viewer), "received" (written by others), "all".
    status: "draft", "sent", "read" or "unread" (sent, not yet read).
    """
    query = select(Report).where(access.reports_visible_clause(viewer))
    if student_id is not None:
        query = query.where(Report.student_id == payload_id(student_id, "student_id"))
    if kind is not None:
        query = query.where(Report.kind == parse_kind(kind))
    if box not in BOXES:
        raise Invalid(
            _l("'box' must be sent, received or all."), {"box": _l("sent, received or all.")}
        )
    if box == "sent":
        query = query.where(Report.author_id == viewer.id)
    elif box == "received":
        query = query.where(Report.author_id != viewer.id)
    if status is not None:
        if status not in {"draft", "sent", "read", "unread"}:
            raise Invalid(
                _l("'status' must be draft, sent, read or unread."),
                {"status": _l("draft, sent, read or unread.")},
            )
        query = query.where(Report.status == ReportStatus("sent" if status == "unread" else status))
    if author_id is not None:
        query = query.where(Report.author_id == payload_id(author_id, "author_id"))
    query = (
        _loaded(query)
        .join(Report.student)
        .order_by(Report.week_start.desc(), func.lower(User.full_name), Report.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query).unique())


def is_unread_for(report: Report, viewer: User) -> bool:
    """Whether the report waits for this viewer to read it (they are who it is for now)."""
    return report.status is ReportStatus.SENT and access.is_report_reader(viewer, report)


def unread_count(viewer: User) -> int:
    """How many reports wait for this viewer to read them."""
    return (
        db.session.scalar(
            select(func.count(Report.id)).where(
                access.report_reader_clause(viewer), Report.status == ReportStatus.SENT
            )
        )
        or 0
    )


def _week_of(moment: datetime, zone: ZoneInfo) -> date:
    """The Monday of the week a moment falls in, in the zone."""
    day = moment.astimezone(zone).date()
    return day - timedelta(days=day.weekday())


def _activity_by_week(viewer: User, student: User, weeks: int) -> dict[date, dict]:
    """From the lessons and homework the viewer may see, by week (the student's zone): lesson
    attendance (completed of those held so far, cancelled ones left out) and the graded
    homework's average on the 5-point scale (by due date). Two queries whatever the data."""
    zone = ZoneInfo(student.time_zone or "Europe/Moscow")
    now = utcnow()
    since = datetime.combine(_week_of(now, zone) - timedelta(weeks=weeks - 1), time(), zone)
    lessons = db.session.execute(
        select(Lesson.starts_at, Lesson.status).where(
            access.lessons_visible_clause(viewer),
            Lesson.student_id == student.id,
            Lesson.status != LessonStatus.CANCELLED,
            Lesson.starts_at >= since,
            Lesson.starts_at < now,
        )
    ).all()
    graded = db.session.execute(
        select(Homework.due_at, Homework.max_score, HomeworkSubmission.score)
        .join(HomeworkSubmission, HomeworkSubmission.homework_id == Homework.id)
        .where(
            access.homework_visible_clause(viewer),
            Homework.student_id == student.id,
            Homework.status == HomeworkStatus.GRADED,
            HomeworkSubmission.score.is_not(None),
            Homework.due_at >= since,
        )
    ).all()
    held: dict[date, list[bool]] = {}
    for starts_at, status in lessons:
        held.setdefault(_week_of(starts_at, zone), []).append(status is LessonStatus.COMPLETED)
    grades: dict[date, list[Decimal]] = {}
    for due_at, top, score in graded:
        grades.setdefault(_week_of(due_at, zone), []).append(report_grade(score, top))
    return {
        week: {
            "lessons": round(100 * sum(held[week]) / len(held[week])) if held.get(week) else None,
            "lessons_completed": sum(held[week]) if held.get(week) else None,
            "lessons_held": len(held[week]) if held.get(week) else None,
            "homework_grade": _mean(grades[week]) if grades.get(week) else None,
        }
        for week in set(held) | set(grades)
    }


def _mean(values: list[Decimal]) -> Decimal:
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01"))


def progress_series(viewer: User, student_id: int, weeks: int = 12) -> list[dict]:
    """By week (oldest first, the latest `weeks` with data) from the sent reports the viewer may
    see: attendance and progress (tutor report), homework done of set and its share, and the
    average grade (teacher reports of that week, summed / averaged over subjects); and from the
    lessons and homework the viewer may see: lesson attendance and the homework grade."""
    student = access.visible_student(viewer, payload_id(student_id, "student_id"))
    by_week: dict[date, list[Report]] = {}
    for report in reports_for(viewer, student_id=student.id):
        if not report.is_draft:
            by_week.setdefault(report.week_start, []).append(report)
    activity = _activity_by_week(viewer, student, weeks)
    points = []
    for week in sorted(set(by_week) | set(activity)):
        reports = by_week.get(week, [])
        tutor = max(
            (r for r in reports if r.kind is ReportKind.TUTOR),
            key=lambda r: r.id,
            default=None,
        )
        teacher = [r for r in reports if r.kind is ReportKind.TEACHER]
        # Both homework numbers or neither (rules._check_pair): done is set where set is.
        counted = [(r.homework_done or 0, r.homework_set) for r in teacher if r.homework_set]
        done, given = sum(d for d, _s in counted), sum(s for _d, s in counted)
        grades = [r.average_grade for r in teacher if r.average_grade is not None]
        point = {
            "week_start": week,
            "attendance": tutor.attendance_share if tutor else None,
            "progress": tutor.progress_percent if tutor else None,
            "homework": round(100 * done / given) if given else None,
            "homework_done": done if given else None,
            "homework_set": given or None,
            "grade": _mean(grades) if grades else None,
            "lessons": None,
            "lessons_completed": None,
            "lessons_held": None,
            "homework_grade": None,
            **activity.get(week, {}),
        }
        if any(point[key] is not None for key in SERIES):
            points.append(point)
    return points[-weeks:]


# The chart's series: percentages 0–100, or (GRADE_SERIES) the 1–5 grade scale.
SERIES = ("attendance", "progress", "homework", "grade", "lessons", "homework_grade")
GRADE_SERIES = ("grade", "homework_grade")
