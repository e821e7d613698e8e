"""The rules of a weekly report's content (domain.md section 4): the week, the fields and their
ranges, the kinds, who receives a report and who may edit it."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from thebot.models import Report, ReportKind, User
from thebot.models.base import utcnow
from thebot.services.errors import Conflict, Invalid

TEXT_FIELDS = ("summary", "progress_notes", "achievements", "concerns", "recommendations")
TEXT_MAX = 5_000
KIND_FIELDS = {
    ReportKind.TUTOR: ("days_present", "days_planned", "progress_percent"),
    ReportKind.TEACHER: ("homework_done", "homework_set", "average_grade", "attendance_percent"),
}
HOMEWORK_MAX = 100
GRADE_MIN, GRADE_MAX = Decimal("1.00"), Decimal("5.00")  # the Russian school scale, 2 decimals
EARLIEST_WEEK = date(2000, 1, 3)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_WHOLE = re.compile(r"\s*\d{1,9}\s*")


class NoRecipient(Conflict):
    """The report cannot be sent: the student has no parent (tutor report) or no tutor."""

    code = "no_recipient"


def current_week_start(today: date | None = None) -> date:
    """The Monday of the current (UTC) week."""
    today = today or utcnow().date()
    return today - timedelta(days=today.weekday())


def parse_week(value) -> date:
    """A week's Monday from a date or "YYYY-MM-DD"; not before 2000, not a week yet to start."""
    field = {"week_start": _l("Give the week's Monday as YYYY-MM-DD.")}
    if isinstance(value, datetime) or not isinstance(value, (date, str)):
        raise Invalid(_l("'week_start' must be a date (YYYY-MM-DD)."), field)
    if isinstance(value, str):
        if not _ISO_DATE.fullmatch(value.strip()):
            raise Invalid(_l("'week_start' must be a date (YYYY-MM-DD)."), field)
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise Invalid(_l("'week_start' is not a real date."), field) from None
    if value.weekday() != 0:
        raise Invalid(
            _l("A report's week starts on a Monday."),
            {"week_start": _l("Choose a Monday: a report's week starts on a Monday.")},
        )
    # A week has started somewhere once UTC+14 has reached its Monday.
    if value < EARLIEST_WEEK or value > (utcnow() + timedelta(hours=14)).date():
        raise Invalid(
            _l("Reports are written for weeks that have started."),
            {"week_start": _l("Choose this week or an earlier one.")},
        )
    return value


def _whole(value, name: str, low: int, high: int) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and _WHOLE.fullmatch(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(
            _l("'%(name)s' must be a whole number.", name=name), {name: _l("Enter a whole number.")}
        )
    if not low <= value <= high:
        raise Invalid(
            _l("'%(name)s' must be from %(low)d to %(high)d.", name=name, low=low, high=high),
            {name: _l("From %(low)d to %(high)d.", low=low, high=high)},
        )
    return value


def _grade(value) -> Decimal | None:
    if value is None or value == "":
        return None
    field = {"average_grade": _l("A grade from 1.00 to 5.00, at most two decimals.")}
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise Invalid(_l("'average_grade' must be a number."), field)
    try:
        grade = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise Invalid(_l("'average_grade' must be a number."), field) from None
    exponent = grade.as_tuple().exponent  # a str ("n", "N", "F") only when not finite
    if (
        not grade.is_finite()
        or not isinstance(exponent, int)
        or exponent < -2
        or not GRADE_MIN <= grade <= GRADE_MAX
    ):
        raise Invalid(_l("'average_grade' must be from 1.00 to 5.00."), field)
    return grade.quantize(Decimal("0.01"))


def _text(value, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Invalid(_l("'%(name)s' must be text.", name=name), {name: _l("Enter text.")})
    value = value.strip()
    if "\x00" in value:
        raise Invalid(
            _l("'%(name)s' contains a character that is not allowed.", name=name),
            {name: _l("Remove the invisible control character.")},
        )
    if len(value) > TEXT_MAX:
        raise Invalid(
            _l("'%(name)s' is too long.", name=name),
            {name: _l("At most %(count)d characters.", count=TEXT_MAX)},
        )
    return value


def clean_fields(kind: ReportKind, changes: dict, report: Report | None) -> dict:
    """Validated field values merged over the report's current ones (all fields when new)."""
    allowed = set(TEXT_FIELDS) | set(KIND_FIELDS[kind])
    unknown = sorted(set(changes) - allowed)
    if unknown:
        names = ", ".join(unknown)[:200]
        message = (
            _l("Unknown field(s) for a tutor report: %(names)s.", names=names)
            if kind is ReportKind.TUTOR
            else _l("Unknown field(s) for a teacher report: %(names)s.", names=names)
        )
        raise Invalid(
            message, {name: _l("Not a field of this kind of report.") for name in unknown[:10]}
        )
    values = {name: getattr(report, name) for name in allowed} if report else {}
    for name in allowed:
        if report is not None and name not in changes:
            continue
        value = changes.get(name)
        if name in TEXT_FIELDS:
            values[name] = _text(value, name)
        elif name == "average_grade":
            values[name] = _grade(value)
        elif name in ("days_present", "days_planned"):
            values[name] = _whole(value, name, 0, 7)
        elif name in ("homework_done", "homework_set"):
            values[name] = _whole(value, name, 0, HOMEWORK_MAX)
        else:
            values[name] = _whole(value, name, 0, 100)
    if not values["summary"]:
        raise Invalid(_l("The summary is required."), {"summary": _l("Write a short summary.")})
    _check_pair(
        values, "days_present", "days_planned", _l("Days present cannot exceed days planned.")
    )
    _check_pair(
        values, "homework_done", "homework_set", _l("Homework done cannot exceed homework set.")
    )
    return values


def _check_pair(values: dict, part: str, whole: str, message) -> None:
    if part not in values:
        return
    if (values[part] is None) != (values[whole] is None):
        missing = part if values[part] is None else whole
        raise Invalid(
            _l("Give both numbers or neither."), {missing: _l("Give both numbers or neither.")}
        )
    if values[part] is not None and values[part] > values[whole]:
        raise Invalid(message, {part: message})


def parse_kind(value) -> ReportKind:
    """A report kind from a ReportKind or its value ("tutor", "teacher")."""
    if isinstance(value, ReportKind):
        return value
    if value not in {k.value for k in ReportKind}:
        raise Invalid(
            _l('\'kind\' must be "tutor" or "teacher".'), {"kind": _l("tutor or teacher.")}
        )
    return ReportKind(value)


def intended_recipient(kind: ReportKind, student: User) -> User | None:
    """Who would receive a report of this kind about the student if it were sent now."""
    profile = student.student_profile
    if profile is None:
        return None
    user = profile.parent if kind is ReportKind.TUTOR else profile.tutor
    return user if user is not None and user.active else None


def may_edit(user: User, report: Report) -> bool:
    """Whether the user may change, delete or send the report: their own draft."""
    return report.author_id == user.id and report.is_draft
