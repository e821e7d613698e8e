"""The rules of homework that every module reads: the values a teacher and a student give
(checked here), and who may do what to a homework in its current state."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from thebot.models import Homework, HomeworkStatus, User
from thebot.models.base import utcnow
from thebot.models.homework import MAX_SCORE_LIMIT
from thebot.services.errors import Invalid

TITLE_MAX = 200
INSTRUCTIONS_MAX = 5_000
ANSWER_MAX = 10_000
FEEDBACK_MAX = 5_000
# A teacher may record homework already given (due up to this far back) and set it up to a
# school year ahead.
PAST_DUE_LIMIT = timedelta(days=60)
FUTURE_DUE_LIMIT = timedelta(days=366)
OPEN_FOR_SUBMISSION = (HomeworkStatus.SET, HomeworkStatus.RETURNED)


# --- who may ----------------------------------------------------------------------------------


def _writable(homework: Homework) -> bool:
    """Homework of an ended enrollment is read-only for everyone (as its subject room is)."""
    return homework.enrollment.is_active


def may_submit(user: User, homework: Homework) -> bool:
    """Its student, while it is set or returned for rework (and the enrollment is active)."""
    return (
        user.id == homework.student_id
        and homework.status in OPEN_FOR_SUBMISSION
        and _writable(homework)
    )


def may_grade(user: User, homework: Homework) -> bool:
    """Its teacher, while it is submitted (and the enrollment is active)."""
    return (
        user.id == homework.teacher_id
        and homework.status is HomeworkStatus.SUBMITTED
        and _writable(homework)
    )


def may_return(user: User, homework: Homework) -> bool:
    """Its teacher, while it is submitted: the same moment as grading, the other outcome."""
    return may_grade(user, homework)


def is_overdue(homework: Homework, now: datetime | None = None) -> bool:
    """Not handed in (set or returned) and its due time has passed."""
    return homework.status in OPEN_FOR_SUBMISSION and homework.due_at < (now or utcnow())


# --- values -----------------------------------------------------------------------------------


def text_value(value, field: str, *, maximum: int, required: bool) -> str:
    """A text field (surrounding space removed) of at most `maximum` characters."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Invalid(_l("'%(name)s' must be text.", name=field), {field: _l("This must be text.")})
    text = value.strip()
    if required and not text:
        raise Invalid(
            _l("'%(name)s' is required.", name=field), {field: _l("This field is required.")}
        )
    if len(text) > maximum:
        raise Invalid(
            _l("'%(name)s' is too long.", name=field),
            {field: _l("At most %(count)d characters.", count=maximum)},
        )
    return text


def whole_number(value, field: str, low: int, high: int) -> int:
    """A whole number from low to high: a JSON number or an int (never a boolean or float)."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise Invalid(
            _l(
                "'%(name)s' must be a whole number from %(low)d to %(high)d.",
                name=field,
                low=low,
                high=high,
            ),
            {field: _l("A whole number from %(low)d to %(high)d.", low=low, high=high)},
        )
    return value


def max_score_value(value) -> int:
    """The most points a homework can earn: 1 to 100."""
    return whole_number(value, "max_score", 1, MAX_SCORE_LIMIT)


def due_at_value(value, now: datetime | None = None) -> datetime:
    """A due time with its offset (a datetime or ISO 8601 text), from 60 days ago to a year
    ahead (a past one records homework already given in class)."""
    problem = {"due_at": _l("A time with its offset, e.g. 2026-12-10T18:00:00+03:00.")}
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise Invalid(_l("The due time must be a date and time with its offset."), problem)
    now = now or utcnow()
    if value < now - PAST_DUE_LIMIT or value > now + FUTURE_DUE_LIMIT:
        raise Invalid(
            _l("The due time must be within 60 days before and a year after today."),
            {"due_at": _l("From 60 days ago to a year ahead.")},
        )
    return value
