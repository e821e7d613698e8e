"""Weekly reports (domain.md section 4): drafts, sending, reading, lists and progress.

A tutor report goes from the student's tutor to the student's parent; a teacher report from the
teacher of an active enrollment to the student's tutor. Who may see a report is decided in one
place, `access.reports_visible_clause`; every list, lookup and live event here goes through it.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from thebot.extensions import db
from thebot.models import Enrollment, Report, ReportKind, ReportStatus, Role, User
from thebot.models.base import utcnow
from thebot.services import access, events, learning, notify, people
from thebot.services.errors import Conflict, Forbidden, Invalid, NotFound
from thebot.services.ids import payload_id
from thebot.sockets.base import user_room

NAMESPACE = "/reports"
TEXT_FIELDS = ("summary", "progress_notes", "achievements", "concerns", "recommendations")
TEXT_MAX = 5_000
KIND_FIELDS = {
    ReportKind.TUTOR: ("days_present", "days_planned", "progress_percent"),
    ReportKind.TEACHER: ("homework_done", "homework_set", "average_grade", "attendance_percent"),
}
HOMEWORK_MAX = 100
GRADE_MIN, GRADE_MAX = Decimal("1.00"), Decimal("5.00")  # the Russian school scale, 2 decimals
EARLIEST_WEEK = date(2000, 1, 3)
BOXES = ("all", "sent", "received")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_WHOLE = re.compile(r"\s*\d{1,9}\s*")


class NoRecipient(Conflict):
    """The report cannot be sent: the student has no parent (tutor report) or no tutor."""

    code = "no_recipient"


# --- input ------------------------------------------------------------------------------------

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
        raise Invalid(_l("A report's week starts on a Monday."),
                      {"week_start": _l("Choose a Monday: a report's week starts on a Monday.")})
    # A week has started somewhere once UTC+14 has reached its Monday.
    if value < EARLIEST_WEEK or value > (utcnow() + timedelta(hours=14)).date():
        raise Invalid(_l("Reports are written for weeks that have started."),
                      {"week_start": _l("Choose this week or an earlier one.")})
    return value


def _whole(value, name: str, low: int, high: int) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and _WHOLE.fullmatch(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(_l("'%(name)s' must be a whole number.", name=name),
                      {name: _l("Enter a whole number.")})
    if not low <= value <= high:
        raise Invalid(_l("'%(name)s' must be from %(low)d to %(high)d.", name=name, low=low,
                         high=high), {name: _l("From %(low)d to %(high)d.", low=low, high=high)})
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
    if (not grade.is_finite() or grade.as_tuple().exponent < -2
            or not GRADE_MIN <= grade <= GRADE_MAX):
        raise Invalid(_l("'average_grade' must be from 1.00 to 5.00."), field)
    return grade.quantize(Decimal("0.01"))


def _text(value, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Invalid(_l("'%(name)s' must be text.", name=name), {name: _l("Enter text.")})
    value = value.strip()
    if "\x00" in value:
        raise Invalid(_l("'%(name)s' contains a character that is not allowed.", name=name),
                      {name: _l("Remove the invisible control character.")})
    if len(value) > TEXT_MAX:
        raise Invalid(_l("'%(name)s' is too long.", name=name),
                      {name: _l("At most %(count)d characters.", count=TEXT_MAX)})
    return value


def _clean(kind: ReportKind, changes: dict, report: Report | None) -> dict:
    """Validated field values merged over the report's current ones (all fields when new)."""
    allowed = set(TEXT_FIELDS) | set(KIND_FIELDS[kind])
    unknown = sorted(set(changes) - allowed)
    if unknown:
        names = ", ".join(unknown)[:200]
        message = (_l("Unknown field(s) for a tutor report: %(names)s.", names=names)
                   if kind is ReportKind.TUTOR else
                   _l("Unknown field(s) for a teacher report: %(names)s.", names=names))
        raise Invalid(message,
                      {name: _l("Not a field of this kind of report.") for name in unknown[:10]})
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
    _check_pair(values, "days_present", "days_planned",
                _l("Days present cannot exceed days planned."))
    _check_pair(values, "homework_done", "homework_set",
                _l("Homework done cannot exceed homework set."))
    return values


def _check_pair(values: dict, part: str, whole: str, message) -> None:
    if part not in values:
        return
    if (values[part] is None) != (values[whole] is None):
        missing = part if values[part] is None else whole
        raise Invalid(_l("Give both numbers or neither."),
                      {missing: _l("Give both numbers or neither.")})
    if values[part] is not None and values[part] > values[whole]:
        raise Invalid(message, {part: message})


def _kind(value) -> ReportKind:
    if isinstance(value, ReportKind):
        return value
    if value not in {k.value for k in ReportKind}:
        raise Invalid(_l("'kind' must be \"tutor\" or \"teacher\"."),
                      {"kind": _l("tutor or teacher.")})
    return ReportKind(value)


# --- who writes for whom ----------------------------------------------------------------------

def _tutor_student(actor: User, student_id) -> User:
    """One of the tutor's own students (others' answer NotFound)."""
    student = access.visible_student(actor, payload_id(student_id, "student_id"))
    if not access.can_manage_student(actor, student):
        raise NotFound(_l("No such student."))
    return student


def _teacher_enrollment(actor: User, enrollment_id) -> Enrollment:
    """One of the teacher's own active enrollments (others' answer NotFound)."""
    enrollment = db.session.get(Enrollment, payload_id(enrollment_id, "enrollment_id"))
    if enrollment is None or enrollment.teacher_id != actor.id:
        raise NotFound(_l("No such enrollment."),
                       {"enrollment_id": _l("Choose one of your students.")})
    if not enrollment.is_active:
        raise Conflict(_l("This enrollment has ended: reports are written for active ones only."),
                       {"enrollment_id": _l("This enrollment has ended.")})
    return enrollment


def _still_author_of(actor: User, report: Report) -> None:
    """The author still writes for this student: still their tutor / the enrollment is active."""
    if report.kind is ReportKind.TUTOR:
        profile = report.student.student_profile
        if profile is None or profile.tutor_id != actor.id:
            raise Forbidden(_l("You are no longer this student's tutor."))
    else:
        _teacher_enrollment(actor, report.enrollment_id)


def intended_recipient(kind: ReportKind, student: User) -> User | None:
    """Who would receive a report of this kind about the student if it were sent now."""
    profile = student.student_profile
    if profile is None:
        return None
    user = profile.parent if kind is ReportKind.TUTOR else profile.tutor
    return user if user is not None and user.active else None


def writable_students(tutor: User) -> list[User]:
    """The tutor's students, for the compose page's picker (with parents loaded)."""
    return [s for s in people.students_visible_to(tutor) if access.can_manage_student(tutor, s)]


def writable_enrollments(teacher: User) -> list[Enrollment]:
    """The teacher's active enrollments, for the compose page's picker."""
    return learning.enrollments_taught_by(teacher)


# --- drafts -----------------------------------------------------------------------------------

def _duplicate(kind: ReportKind, author_id: int, student_id: int, subject_id: int | None,
               week: date, exclude_id: int | None = None) -> Report | None:
    query = select(Report).where(Report.kind == kind, Report.author_id == author_id,
                                 Report.student_id == student_id, Report.week_start == week)
    if kind is ReportKind.TEACHER:
        query = query.where(Report.subject_id == subject_id)
    if exclude_id is not None:
        query = query.where(Report.id != exclude_id)
    return db.session.scalar(query.limit(1))


def _refuse_duplicate(existing: Report) -> None:
    if existing.is_draft:
        raise Conflict(_l("There is already a draft for this student and week."),
                       {"week_start": _l("There is already a draft for this week.")})
    raise Conflict(_l("There is already a sent report for this student and week."),
                   {"week_start": _l("There is already a sent report for this week.")})


def _flush_or_conflict() -> None:
    try:
        db.session.flush()
    except IntegrityError as exc:  # a race the checks above could not see; the database decided
        db.session.rollback()
        raise integrity_error(exc) from None


def _failed_constraint(exc: IntegrityError) -> str | None:
    """The name of the constraint the database refused, on PostgreSQL and SQLite alike."""
    name = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
    if name:
        return name
    text = str(exc.orig)
    check = re.search(r"CHECK constraint failed: (\w+)", text)
    if check:
        return check.group(1)
    unique = re.search(r"UNIQUE constraint failed: ([\w., ]+)", text)
    if unique:  # SQLite names the columns of a unique index, not the index
        columns = [part.strip().rsplit(".", 1)[-1] for part in unique.group(1).split(",")]
        for index in Report.__table__.indexes:
            if index.unique and [c.name for c in index.columns] == columns:
                return index.name
    if "FOREIGN KEY constraint failed" in text:
        return "foreign_key"
    return None


def _constraint_errors() -> dict[str, tuple]:
    """What each refused constraint of the reports table means, in the reader's language."""
    week = (_l("There is already a report for this student and week."),
            {"week_start": _l("There is already a report for this week.")})
    days = _l("Days present cannot exceed days planned.")
    homework = _l("Homework done cannot exceed homework set.")
    return {
        "uq_reports_tutor_week": (Conflict, *week),
        "uq_reports_teacher_week": (Conflict, *week),
        "ck_reports_days_present_range": (Invalid, days, {"days_present": days}),
        "ck_reports_days_planned_range": (Invalid, _l("'%(name)s' must be from %(low)d to "
                                                      "%(high)d.", name="days_planned", low=0,
                                                      high=7),
                                          {"days_planned": _l("From %(low)d to %(high)d.",
                                                              low=0, high=7)}),
        "ck_reports_homework_done_range": (Invalid, homework, {"homework_done": homework}),
        "ck_reports_homework_set_range": (Invalid, _l("'%(name)s' must be a whole number.",
                                                      name="homework_set"),
                                          {"homework_set": _l("Enter a whole number.")}),
        "ck_reports_progress_range": (Invalid, _l("'%(name)s' must be from %(low)d to %(high)d.",
                                                  name="progress_percent", low=0, high=100),
                                      {"progress_percent": _l("From %(low)d to %(high)d.",
                                                              low=0, high=100)}),
        "ck_reports_attendance_range": (Invalid, _l("'%(name)s' must be from %(low)d to "
                                                    "%(high)d.", name="attendance_percent",
                                                    low=0, high=100),
                                        {"attendance_percent": _l("From %(low)d to %(high)d.",
                                                                  low=0, high=100)}),
        "ck_reports_average_grade_range": (Invalid, _l("'average_grade' must be from 1.00 to "
                                                       "5.00."),
                                           {"average_grade": _l("A grade from 1.00 to 5.00, at "
                                                                "most two decimals.")}),
        "ck_reports_sent_has_recipient": (Conflict, _l("A sent report needs a recipient."), {}),
        "ck_reports_subject_per_kind": (Invalid, _l("A teacher report is about one subject; a "
                                                    "tutor report about none."), {}),
        "foreign_key": (Conflict, _l("The student, subject or enrollment of this report no "
                                     "longer exists."), {}),
    }


def integrity_error(exc: IntegrityError) -> Exception:
    """The domain error for a constraint the database refused; an unknown one stays a bug."""
    known = _constraint_errors().get(_failed_constraint(exc) or "")
    if known is None:
        return exc
    error_cls, message, fields = known
    return error_cls(message, fields)


def create_report(actor: User, *, kind, week_start, student_id=None, enrollment_id=None,
                  fields: dict | None = None) -> Report:
    """Create a draft: a tutor about one of their students, a teacher for an active enrollment."""
    kind = _kind(kind)
    if kind is ReportKind.TUTOR:
        access.require_role(actor, Role.TUTOR)
        if enrollment_id is not None:
            raise Invalid(_l("A tutor report is about a student, not an enrollment."),
                          {"enrollment_id": _l("Leave this out for a tutor report.")})
        student, enrollment = _tutor_student(actor, student_id), None
    else:
        access.require_role(actor, Role.TEACHER)
        enrollment = _teacher_enrollment(actor, enrollment_id)
        student = enrollment.student
        if student_id is not None and student_id != student.id:
            raise Invalid(_l("The student is not the enrollment's student."),
                          {"student_id": _l("Must be the enrollment's student.")})
    week = parse_week(week_start)
    values = _clean(kind, dict(fields or {}), None)
    subject_id = enrollment.subject_id if enrollment else None
    existing = _duplicate(kind, actor.id, student.id, subject_id, week)
    if existing is not None:
        _refuse_duplicate(existing)
    now = utcnow()
    report = Report(kind=kind, status=ReportStatus.DRAFT, author_id=actor.id,
                    student_id=student.id, enrollment_id=enrollment.id if enrollment else None,
                    subject_id=subject_id, week_start=week, created_at=now, updated_at=now,
                    **values)
    db.session.add(report)
    _flush_or_conflict()
    db.session.commit()
    return report


def _own_draft(actor: User, report_id) -> Report:
    """A draft of the actor's: NotFound if unseen, Forbidden if not theirs, Conflict if sent."""
    report = access.visible_report(actor, payload_id(report_id, "report_id"))
    if report.author_id != actor.id:
        raise Forbidden(_l("Only the author may change a report."))
    if not report.is_draft:
        raise Conflict(_l("A sent report is never changed."))
    return report


def update_report(actor: User, report_id, changes: dict) -> Report:
    """Change a draft's week and fields (the author only; only while it is a draft)."""
    report = _own_draft(actor, report_id)
    changes = dict(changes)
    _still_author_of(actor, report)
    week = parse_week(changes.pop("week_start")) if "week_start" in changes else report.week_start
    for fixed in ("kind", "student_id", "enrollment_id"):
        if fixed in changes:
            raise Invalid(_l("'%(name)s' cannot be changed; write a new report instead.",
                             name=fixed), {fixed: _l("Cannot be changed.")})
    values = _clean(report.kind, changes, report)
    if week != report.week_start:
        existing = _duplicate(report.kind, actor.id, report.student_id, report.subject_id, week,
                              exclude_id=report.id)
        if existing is not None:
            _refuse_duplicate(existing)
    report.week_start = week
    for name, value in values.items():
        setattr(report, name, value)
    report.updated_at = utcnow()
    _flush_or_conflict()
    db.session.commit()
    return report


def delete_report(actor: User, report_id) -> None:
    """Delete a draft (the author only); sent reports stay forever."""
    report = _own_draft(actor, report_id)
    db.session.delete(report)
    db.session.commit()


# --- sending and reading ----------------------------------------------------------------------

def send_report(actor: User, report_id) -> Report:
    """Send a draft to the recipient taken from the student's links now; push it live."""
    report = _own_draft(actor, report_id)
    _still_author_of(actor, report)
    recipient = intended_recipient(report.kind, report.student)
    if recipient is None:
        raise NoRecipient(
            _l("The student has no parent linked, so there is nobody to send it to.")
            if report.kind is ReportKind.TUTOR else
            _l("The student has no tutor linked, so there is nobody to send it to."))
    now = utcnow()
    done = db.session.execute(
        update(Report).where(Report.id == report.id, Report.status == ReportStatus.DRAFT)
        .values(status=ReportStatus.SENT, recipient_id=recipient.id, sent_at=now, updated_at=now)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:  # sent meanwhile by another request
        db.session.rollback()
        raise Conflict(_l("This report has been sent already."))
    db.session.refresh(report)
    notify.notify(recipient, "report_sent",
                  params={**_about(report), "summary": report.summary[:300]},
                  url=report_path(report, recipient), dedupe_key=report_key(report.id))
    _emit_to_audience("report_sent", report_dict(report), report)
    db.session.commit()
    return report


def _mark_read(report: Report, reader: User) -> None:
    """Mark a sent report read once (by its recipient) and tell the author and the audience."""
    now = utcnow()
    done = db.session.execute(
        update(Report).where(Report.id == report.id, Report.status == ReportStatus.SENT)
        .values(status=ReportStatus.READ, read_at=now)
        .execution_options(synchronize_session=False))
    db.session.refresh(report)
    if done.rowcount != 1:  # read meanwhile by another request: nothing more to tell
        return
    notify.mark_read_by_key(reader.id, report_key(report.id))  # its "new report" is seen now
    notify.notify(report.author_id, "report_read",
                  params={**_about(report), "reader": reader.full_name},
                  url=report_path(report, report.author))
    payload = {"report_id": report.id, "read_at": report.read_at.isoformat(),
               "reader": {"id": reader.id, "full_name": reader.full_name}}
    _emit_to_audience("report_read", payload, report)


def open_report(viewer: User, report_id) -> Report:
    """A report the viewer may see; opening it as its recipient marks it read."""
    report = access.visible_report(viewer, payload_id(report_id, "report_id"))
    if report.status is ReportStatus.SENT and access.is_report_reader(viewer, report):
        _mark_read(report, viewer)
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


def _emit_to_audience(name: str, data: dict, report: Report) -> None:
    """After commit, send an event to the private room of everyone who may see the report."""
    for user in access.report_audience(report):
        events.emit(name, data, to=user_room(user.id), namespace=NAMESPACE)


def report_key(report_id: int) -> str:
    """The dedupe key of a report's "new report" notification (marked read when it is opened)."""
    return f"report:{report_id}"


def _about(report: Report) -> dict:
    """What a report notification says the report is about (rendered in the reader's language
    when shown: notify.render)."""
    return {"student": report.student.full_name, "week": report.week_start.isoformat(),
            "subject": report.subject_title if report.kind is ReportKind.TEACHER else None}


def report_path(report: Report, user: User) -> str:
    """The page where this user reads the report (each role's area has /<role>/reports/<id>)."""
    return f"/{user.role.value}/reports/{report.id}"


# --- lists ------------------------------------------------------------------------------------

def _loaded(query):
    return query.options(joinedload(Report.author), joinedload(Report.student),
                         joinedload(Report.recipient), joinedload(Report.subject),
                         joinedload(Report.enrollment).joinedload(Enrollment.subject))


def reports_for(viewer: User, *, student_id=None, kind=None, box: str = "all", status=None,
                author_id=None, limit: int | None = None) -> list[Report]:
    """The reports this viewer may see, newest week first, optionally narrowed.

    box: "sent" (written by the viewer), "received" (written by others), "all".
    status: "draft", "sent", "read" or "unread" (sent, not yet read).
    """
    query = select(Report).where(access.reports_visible_clause(viewer))
    if student_id is not None:
        query = query.where(Report.student_id == payload_id(student_id, "student_id"))
    if kind is not None:
        query = query.where(Report.kind == _kind(kind))
    if box not in BOXES:
        raise Invalid(_l("'box' must be sent, received or all."),
                      {"box": _l("sent, received or all.")})
    if box == "sent":
        query = query.where(Report.author_id == viewer.id)
    elif box == "received":
        query = query.where(Report.author_id != viewer.id)
    if status is not None:
        if status not in {"draft", "sent", "read", "unread"}:
            raise Invalid(_l("'status' must be draft, sent, read or unread."),
                          {"status": _l("draft, sent, read or unread.")})
        query = query.where(Report.status == ReportStatus("sent" if status == "unread" else status))
    if author_id is not None:
        query = query.where(Report.author_id == payload_id(author_id, "author_id"))
    query = _loaded(query).join(Report.student).order_by(
        Report.week_start.desc(), func.lower(User.full_name), Report.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query).unique())


def is_unread_for(report: Report, viewer: User) -> bool:
    """Whether the report waits for this viewer to read it (they are who it is for now)."""
    return report.status is ReportStatus.SENT and access.is_report_reader(viewer, report)


def unread_count(viewer: User) -> int:
    """How many reports wait for this viewer to read them."""
    return db.session.scalar(select(func.count(Report.id)).where(
        access.report_reader_clause(viewer), Report.status == ReportStatus.SENT)) or 0


def progress_series(viewer: User, student_id: int, weeks: int = 12) -> list[dict]:
    """By week (oldest first, the latest `weeks` with data) from the sent reports the viewer may
    see: attendance and progress (tutor report), homework done of set and its share, and the
    average grade (teacher reports of that week, summed / averaged over subjects)."""
    by_week: dict[date, list[Report]] = {}
    for report in reports_for(viewer, student_id=student_id):
        if not report.is_draft:
            by_week.setdefault(report.week_start, []).append(report)
    points = []
    for week in sorted(by_week):
        tutor = max((r for r in by_week[week] if r.kind is ReportKind.TUTOR),
                    key=lambda r: r.id, default=None)
        teacher = [r for r in by_week[week] if r.kind is ReportKind.TEACHER]
        counted = [r for r in teacher if r.homework_set]
        done, given = (sum(r.homework_done for r in counted), sum(r.homework_set for r in counted))
        grades = [r.average_grade for r in teacher if r.average_grade is not None]
        point = {"week_start": week,
                 "attendance": tutor.attendance_share if tutor else None,
                 "progress": tutor.progress_percent if tutor else None,
                 "homework": round(100 * done / given) if given else None,
                 "homework_done": done if given else None, "homework_set": given or None,
                 "grade": (sum(grades) / len(grades)).quantize(Decimal("0.01")) if grades else None}
        if any(point[key] is not None for key in SERIES):
            points.append(point)
    return points[-weeks:]


# The chart's series: (key, scale) — percentages 0–100, or the 1–5 grade scale.
SERIES = ("attendance", "progress", "homework", "grade")


# --- JSON -------------------------------------------------------------------------------------

def _person(user: User | None) -> dict | None:
    return None if user is None else {"id": user.id, "full_name": user.full_name}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def report_dict(report: Report) -> dict:
    """The contract's JSON shape of a report (API answers, socket acks and events)."""
    data = {
        "id": report.id, "kind": report.kind.value, "status": report.status.value,
        "student": _person(report.student),
        "subject": None if report.subject is None else {
            "id": report.subject.id, "name": report.subject.name, "title": report.subject_title},
        "enrollment_id": report.enrollment_id,
        "week_start": report.week_start.isoformat(),
        "author": _person(report.author), "recipient": _person(report.recipient),
        **{name: getattr(report, name) for name in TEXT_FIELDS},
    }
    for name in KIND_FIELDS[report.kind]:
        value = getattr(report, name)
        data[name] = str(value) if isinstance(value, Decimal) else value
    if report.kind is ReportKind.TUTOR:
        data["attendance_share"] = report.attendance_share
    data.update(sent_at=_iso(report.sent_at), read_at=_iso(report.read_at),
                created_at=_iso(report.created_at), updated_at=_iso(report.updated_at))
    return data
