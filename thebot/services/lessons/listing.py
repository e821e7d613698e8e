"""Reading lessons: the lists every role sees (by start time, with filters and paging), a week
in the viewer's zone, attendance counts (report pre-fill) and a tutor's completed lessons of a
period (billing). Lists are built on `access.visible_lessons`.

Bounds: `date_from`/`date_to` are datetimes (from inclusive, to exclusive, on the start), dates
(whole days in the viewer's zone — UTC where there is no viewer — `date_to` inclusive), or their
ISO strings.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import joinedload

from thebot.extensions import db
from thebot.models import Enrollment, Lesson, LessonStatus, User
from thebot.services import access
from thebot.services.errors import Invalid
from thebot.services.ids import optional_id
from thebot.services.lessons.rules import zone_of

MAX_LIMIT = 100
WEEK_MAX = 500  # more lessons than any week can hold for one viewer's filters


def _bound(value, field: str, zone: ZoneInfo, *, upper: bool) -> datetime | None:
    """A datetime bound from a datetime, a date (a day in `zone`) or an ISO string."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            value = None
    try:
        if isinstance(value, datetime):
            if value.tzinfo is None:
                value = None
            else:
                return value.astimezone(UTC)
        if isinstance(value, date) and not isinstance(value, datetime):
            day = value + timedelta(days=1) if upper else value
            return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)
    except OverflowError:  # the first or last representable day, shifted past the range
        raise Invalid(
            _l("'%(name)s' is out of range.", name=field),
            {field: _l("A date such as 2026-12-01, or 2026-12-01T15:00:00+03:00.")},
        ) from None
    raise Invalid(
        _l("'%(name)s' must be a date or a date and time with an offset.", name=field),
        {field: _l("A date such as 2026-12-01, or 2026-12-01T15:00:00+03:00.")},
    )


def _status(value) -> LessonStatus | None:
    if value is None or value == "":
        return None
    try:
        return LessonStatus(value)
    except ValueError:
        raise Invalid(
            _l("Unknown lesson state."), {"status": _l("scheduled, completed or cancelled.")}
        ) from None


def _filtered(
    viewer: User, *, date_from=None, date_to=None, student_id=None, subject_id=None, status=None
) -> Select:
    zone = zone_of(viewer)
    query = access.visible_lessons(viewer)
    low = _bound(date_from, "from", zone, upper=False)
    high = _bound(date_to, "to", zone, upper=True)
    if low is not None:
        query = query.where(Lesson.starts_at >= low)
    if high is not None:
        query = query.where(Lesson.starts_at < high)
    student = optional_id(student_id, "student_id")
    if student is not None:
        query = query.where(Lesson.student_id == student)
    subject = optional_id(subject_id, "subject_id")
    if subject is not None:
        query = query.where(
            Lesson.enrollment_id.in_(select(Enrollment.id).where(Enrollment.subject_id == subject))
        )
    state = _status(status)
    if state is not None:
        query = query.where(Lesson.status == state)
    return query.options(
        joinedload(Lesson.student),
        joinedload(Lesson.teacher),
        joinedload(Lesson.tutor),
        joinedload(Lesson.enrollment).joinedload(Enrollment.subject),
    )


def _check_limit(limit) -> int:
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
        raise Invalid(
            _l("'limit' must be a whole number from 1 to %(max)d.", max=MAX_LIMIT),
            {"limit": _l("From 1 to %(max)d.", max=MAX_LIMIT)},
        )
    return limit


def _anchor(viewer: User, lesson_id, field: str) -> Lesson | None:
    key = optional_id(lesson_id, field)
    return None if key is None else access.visible_lesson(viewer, key)


def lessons_for(
    viewer: User,
    *,
    date_from=None,
    date_to=None,
    student_id=None,
    subject_id=None,
    status=None,
    before_id=None,
    after_id=None,
    limit=50,
) -> tuple[list[Lesson], bool]:
    """The lessons the viewer may see, by start time (earliest first), and whether there are
    more. Paging is by a lesson of the previous page: `after_id` continues with the lessons
    after it, `before_id` gives the ones right before it (both in the same order)."""
    limit = _check_limit(limit)
    query = _filtered(
        viewer,
        date_from=date_from,
        date_to=date_to,
        student_id=student_id,
        subject_id=subject_id,
        status=status,
    )
    before, after = _anchor(viewer, before_id, "before_id"), _anchor(viewer, after_id, "after_id")
    if after is not None:
        query = query.where(
            or_(
                Lesson.starts_at > after.starts_at,
                and_(Lesson.starts_at == after.starts_at, Lesson.id > after.id),
            )
        )
    if before is not None:
        query = query.where(
            or_(
                Lesson.starts_at < before.starts_at,
                and_(Lesson.starts_at == before.starts_at, Lesson.id < before.id),
            )
        )
        rows = list(
            db.session.scalars(
                query.order_by(Lesson.starts_at.desc(), Lesson.id.desc()).limit(limit + 1)
            ).unique()
        )
        return list(reversed(rows[:limit])), len(rows) > limit
    rows = list(
        db.session.scalars(query.order_by(Lesson.starts_at, Lesson.id).limit(limit + 1)).unique()
    )
    return rows[:limit], len(rows) > limit


def week_of(viewer: User, week_start: date, **filters) -> list[Lesson]:
    """The viewer's lessons starting in the seven days from `week_start` (days in their zone)."""
    zone = zone_of(viewer)
    low = datetime.combine(week_start, time(), tzinfo=zone)
    high = datetime.combine(week_start + timedelta(days=7), time(), tzinfo=zone)
    filters = {k: v for k, v in filters.items() if k in ("student_id", "subject_id", "status")}
    query = _filtered(viewer, date_from=low, date_to=high, **filters)
    return list(
        db.session.scalars(query.order_by(Lesson.starts_at, Lesson.id).limit(WEEK_MAX)).unique()
    )


def attendance(
    student_id: int, *, date_from, date_to, enrollment_id=None, tutor_only=False
) -> tuple[int, int]:
    """(completed, scheduled or completed) lessons of the student starting in the period; of
    one enrollment, or only tutoring sessions with `tutor_only`."""
    low = _bound(date_from, "date_from", ZoneInfo("UTC"), upper=False)
    high = _bound(date_to, "date_to", ZoneInfo("UTC"), upper=True)
    conditions = [Lesson.student_id == student_id, Lesson.status != LessonStatus.CANCELLED]
    if low is not None:
        conditions.append(Lesson.starts_at >= low)
    if high is not None:
        conditions.append(Lesson.starts_at < high)
    if enrollment_id is not None:
        conditions.append(Lesson.enrollment_id == enrollment_id)
    if tutor_only:
        conditions.append(Lesson.tutor_id.is_not(None))
    completed = func.count(Lesson.id).filter(Lesson.status == LessonStatus.COMPLETED)
    row = db.session.execute(select(completed, func.count(Lesson.id)).where(*conditions)).one()
    return int(row[0]), int(row[1])


def completed_unbilled(tutor: User, student_id: int, date_from, date_to) -> list[Lesson]:
    """The tutor's completed sessions with the student starting in the period (days in the
    tutor's zone, both ends included), earliest first. Which of them are already on an invoice
    is billing's to decide."""
    zone = zone_of(tutor)
    low = _bound(date_from, "date_from", zone, upper=False)
    high = _bound(date_to, "date_to", zone, upper=True)
    query = select(Lesson).where(
        Lesson.tutor_id == tutor.id,
        Lesson.student_id == student_id,
        Lesson.status == LessonStatus.COMPLETED,
    )
    if low is not None:
        query = query.where(Lesson.starts_at >= low)
    if high is not None:
        query = query.where(Lesson.starts_at < high)
    return list(db.session.scalars(query.order_by(Lesson.starts_at, Lesson.id)))
