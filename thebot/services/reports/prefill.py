"""A new weekly report's numbers, pre-filled from that week's lessons and homework (the author
still edits them before saving).

- Tutor report: days planned = the days of the week with a lesson of the student's that is not
  cancelled, days present = the days with a completed one. All the student's lessons count
  (tutoring and the teachers' lessons): the tutor reports on the student's whole week.
- Teacher report: homework done of set and the average grade (homework due that week,
  `homework_stats`, on the 5-point scale, never below 1.00, the scale's lowest mark) and the
  attendance (completed of scheduled-or-completed lessons of the enrollment that week).

The week runs from its Monday 00:00 to the next Monday 00:00 in the student's time zone (where
the lessons happen; the homework figures count days there too).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from thebot.extensions import db
from thebot.models import Enrollment, LessonStatus, ReportKind, Role, User
from thebot.services import access
from thebot.services.errors import NotFound
from thebot.services.homework import listing as homework_listing
from thebot.services.ids import payload_id
from thebot.services.lessons import listing as lesson_listing
from thebot.services.lessons.rules import zone_of
from thebot.services.reports.rules import GRADE_MAX, GRADE_MIN, HOMEWORK_MAX, parse_kind, parse_week


def week_bounds(student: User, week_start: date) -> tuple[datetime, datetime]:
    """The week as UTC instants: Monday 00:00 to the next Monday 00:00 in the student's zone."""
    zone = zone_of(student)
    low = datetime.combine(week_start, time(), tzinfo=zone)
    return low.astimezone(UTC), (low + timedelta(days=7)).astimezone(UTC)


def _tutor_student(actor: User, student_id) -> User:
    student = access.visible_student(actor, payload_id(student_id, "student_id"))
    if not access.can_manage_student(actor, student):
        raise NotFound(_l("No such student."))
    return student


def _teacher_enrollment(actor: User, enrollment_id) -> Enrollment:
    enrollment = db.session.get(Enrollment, payload_id(enrollment_id, "enrollment_id"))
    if enrollment is None or enrollment.teacher_id != actor.id:
        raise NotFound(
            _l("No such enrollment."), {"enrollment_id": _l("Choose one of your students.")}
        )
    return enrollment


def _percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def _tutor_fields(actor: User, student: User, low: datetime, high: datetime) -> tuple[dict, dict]:
    lessons, _more = lesson_listing.lessons_for(  # a student's week holds far fewer
        actor, date_from=low, date_to=high, student_id=student.id, limit=lesson_listing.MAX_LIMIT
    )
    zone = zone_of(student)
    planned, present = set(), set()
    for lesson in lessons:
        if lesson.status is LessonStatus.CANCELLED or not low <= lesson.starts_at < high:
            continue
        day = lesson.starts_at.astimezone(zone).date()
        planned.add(day)
        if lesson.status is LessonStatus.COMPLETED:
            present.add(day)
    completed, scheduled = lesson_listing.attendance(student.id, date_from=low, date_to=high)
    fields = {
        "days_present": len(present) if planned else None,
        "days_planned": len(planned) if planned else None,
    }
    return fields, {"lessons_completed": completed, "lessons_planned": scheduled}


def _teacher_fields(enrollment: Enrollment, week: date) -> tuple[dict, dict]:
    low, high = week_bounds(enrollment.student, week)
    stats = homework_listing.homework_stats(
        enrollment.id, date_from=week, date_to=week + timedelta(days=6)
    )
    completed, scheduled = lesson_listing.attendance(
        enrollment.student_id, date_from=low, date_to=high, enrollment_id=enrollment.id
    )
    given, done = min(stats["set"], HOMEWORK_MAX), min(stats["done"], HOMEWORK_MAX)
    grade = stats["average_grade"]
    if grade is not None:
        grade = min(max(Decimal(grade), GRADE_MIN), GRADE_MAX).quantize(Decimal("0.01"))
    fields = {
        "homework_done": done if given else None,
        "homework_set": given if given else None,
        "average_grade": grade,
        "attendance_percent": _percent(completed, scheduled),
    }
    basis = {
        "lessons_completed": completed,
        "lessons_planned": scheduled,
        "homework_set": stats["set"],
        "homework_done": stats["done"],
    }
    return fields, basis


def prefill(actor: User, kind, week_start, student_id=None, enrollment_id=None) -> dict:
    """The numbers of a new report of this kind for the week: {"kind", "week_start", "fields"
    (the report's number fields, None where the week has no data), "basis" (the counts)}."""
    kind = parse_kind(kind)
    week = parse_week(week_start)
    enrollment = None
    if kind is ReportKind.TUTOR:
        access.require_role(actor, Role.TUTOR)
        student = _tutor_student(actor, student_id)
        fields, basis = _tutor_fields(actor, student, *week_bounds(student, week))
    else:
        access.require_role(actor, Role.TEACHER)
        enrollment = _teacher_enrollment(actor, enrollment_id)
        student = enrollment.student
        fields, basis = _teacher_fields(enrollment, week)
    return {
        "kind": kind,
        "week_start": week,
        "student_id": student.id,
        "enrollment_id": enrollment.id if enrollment is not None else None,
        "fields": fields,
        "basis": basis,
    }


def prefill_dict(filled: dict) -> dict:
    """The pre-fill as JSON: the week as YYYY-MM-DD, the grade as a decimal string."""
    grade = filled["fields"].get("average_grade")
    return {
        **filled,
        "kind": filled["kind"].value,
        "week_start": filled["week_start"].isoformat(),
        "fields": {**filled["fields"], **({"average_grade": str(grade)} if grade else {})},
    }
