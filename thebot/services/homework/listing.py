"""Reading homework: the lists a viewer may see (filters, paging), the figures a weekly report
is pre-filled with, and a teacher's queue of homework to grade. Built on access.visible_homework."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, selectinload

from thebot.extensions import db
from thebot.models import Enrollment, Homework, HomeworkStatus, HomeworkSubmission, User
from thebot.services import access
from thebot.services.errors import Invalid
from thebot.services.ids import optional_id

MAX_LIMIT = 100
DONE = (HomeworkStatus.SUBMITTED, HomeworkStatus.GRADED)
REPORT_SCALE = Decimal(5)
LOWEST_REPORT_GRADE = Decimal("1.00")  # the report scale's floor (reports take 1.00–5.00)


def _loaded(query: Select) -> Select:
    """Everything homework_dict reads, loaded with the rows (a list is a few statements)."""
    return query.options(
        selectinload(Homework.submission),
        joinedload(Homework.enrollment).joinedload(Enrollment.subject),
        joinedload(Homework.student),
        joinedload(Homework.teacher),
    )


def _status(value) -> HomeworkStatus | None:
    if value is None or value == "":
        return None
    try:
        return HomeworkStatus(value)
    except ValueError:
        raise Invalid(
            _l("Unknown homework state."), {"status": _l("set, submitted, returned or graded.")}
        ) from None


def _limit(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_LIMIT:
        raise Invalid(
            _l("'limit' must be a whole number from 1 to %(max)d.", max=MAX_LIMIT),
            {"limit": _l("From 1 to %(max)d.", max=MAX_LIMIT)},
        )
    return value


def homework_for(
    viewer: User,
    *,
    student_id=None,
    status=None,
    enrollment_id=None,
    before_id=None,
    limit=50,
) -> tuple[list[Homework], bool]:
    """The homework this viewer may see, newest first, with the filters; (page, has_more)."""
    query = access.visible_homework(viewer)
    student = optional_id(student_id, "student_id")
    if student is not None:
        query = query.where(Homework.student_id == student)
    enrollment = optional_id(enrollment_id, "enrollment_id")
    if enrollment is not None:
        query = query.where(Homework.enrollment_id == enrollment)
    state = _status(status)
    if state is not None:
        query = query.where(Homework.status == state)
    before = optional_id(before_id, "before_id")
    if before is not None:
        query = query.where(Homework.id < before)
    size = _limit(limit)
    rows = list(
        db.session.scalars(_loaded(query).order_by(Homework.id.desc()).limit(size + 1)).unique()
    )
    return rows[:size], len(rows) > size


def to_grade(teacher: User) -> list[Homework]:
    """The teacher's handed-in homework waiting for a grade (active enrollments), the longest
    waiting first."""
    query = (
        access.visible_homework(teacher)
        .join(HomeworkSubmission, HomeworkSubmission.homework_id == Homework.id)
        .join(Enrollment, Enrollment.id == Homework.enrollment_id)
        .where(
            Homework.teacher_id == teacher.id,
            Homework.status == HomeworkStatus.SUBMITTED,
            Enrollment.is_active.is_(True),
        )
        .order_by(HomeworkSubmission.submitted_at, Homework.id)
    )
    return list(db.session.scalars(_loaded(query)).unique())


def report_grade(score: int, max_score: int) -> Decimal:
    """A score on the weekly report's 5-point scale: score/max*5, two decimals, at least 1.00."""
    value = (Decimal(score) / Decimal(max_score) * REPORT_SCALE).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    return max(value, LOWEST_REPORT_GRADE)


def homework_stats(enrollment_id: int, *, date_from: date, date_to: date) -> dict:
    """For a report's pre-fill: the enrollment's homework due in the period (dates inclusive,
    in the student's time zone): {"set": n, "done": n (handed in or graded), "average_grade":
    the graded ones' mean on the 5-point scale, or None}."""
    enrollment = db.session.get(Enrollment, enrollment_id)
    if enrollment is None:
        return {"set": 0, "done": 0, "average_grade": None}
    zone = ZoneInfo(enrollment.student.time_zone)
    start = datetime.combine(date_from, time(), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(date_to + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)
    rows = db.session.execute(
        select(Homework.status, Homework.max_score, HomeworkSubmission.score)
        .outerjoin(HomeworkSubmission, HomeworkSubmission.homework_id == Homework.id)
        .where(
            Homework.enrollment_id == enrollment_id,
            Homework.due_at >= start,
            Homework.due_at < end,
        )
    ).all()
    grades = [
        report_grade(score, top)
        for state, top, score in rows
        if state is HomeworkStatus.GRADED and score is not None
    ]
    average = None
    if grades:
        average = (sum(grades, Decimal(0)) / len(grades)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
    return {
        "set": len(rows),
        "done": sum(1 for state, _top, _score in rows if state in DONE),
        "average_grade": average,
    }
