"""Writing weekly reports: drafts (create, edit, delete) and sending them.

A tutor report goes from the student's tutor to the student's parent; a teacher report from the
teacher of an active enrollment to the student's tutor. Only the author changes a report, and only
while it is a draft (`rules.may_edit`).
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from thebot.extensions import db
from thebot.models import Enrollment, Report, ReportKind, ReportStatus, Role, User
from thebot.models.base import execute_dml, utcnow
from thebot.services import access, learning, notify, people
from thebot.services.errors import Conflict, Forbidden, Invalid, NotFound
from thebot.services.ids import payload_id
from thebot.services.reports.announce import (
    about,
    emit_to_audience,
    report_key,
    report_path,
    told_of_sending,
)
from thebot.services.reports.constraints import flush_or_conflict
from thebot.services.reports.rules import (
    NoRecipient,
    clean_fields,
    intended_recipient,
    may_edit,
    parse_kind,
    parse_week,
)
from thebot.services.reports.serialize import report_dict


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
        raise NotFound(
            _l("No such enrollment."), {"enrollment_id": _l("Choose one of your students.")}
        )
    if not enrollment.is_active:
        raise Conflict(
            _l("This enrollment has ended: reports are written for active ones only."),
            {"enrollment_id": _l("This enrollment has ended.")},
        )
    return enrollment


def _still_author_of(actor: User, report: Report) -> None:
    """The author still writes for this student: still their tutor / the enrollment is active."""
    if report.kind is ReportKind.TUTOR:
        profile = report.student.student_profile
        if profile is None or profile.tutor_id != actor.id:
            raise Forbidden(_l("You are no longer this student's tutor."))
    else:
        _teacher_enrollment(actor, report.enrollment_id)


def writable_students(tutor: User) -> list[User]:
    """The tutor's students, for the compose page's picker (with parents loaded)."""
    return [s for s in people.students_visible_to(tutor) if access.can_manage_student(tutor, s)]


def writable_enrollments(teacher: User) -> list[Enrollment]:
    """The teacher's active enrollments, for the compose page's picker."""
    return learning.enrollments_taught_by(teacher)


def _duplicate(
    kind: ReportKind,
    author_id: int,
    student_id: int,
    subject_id: int | None,
    week: date,
    exclude_id: int | None = None,
) -> Report | None:
    query = select(Report).where(
        Report.kind == kind,
        Report.author_id == author_id,
        Report.student_id == student_id,
        Report.week_start == week,
    )
    if kind is ReportKind.TEACHER:
        query = query.where(Report.subject_id == subject_id)
    if exclude_id is not None:
        query = query.where(Report.id != exclude_id)
    return db.session.scalar(query.limit(1))


def _refuse_duplicate(existing: Report) -> None:
    if existing.is_draft:
        raise Conflict(
            _l("There is already a draft for this student and week."),
            {"week_start": _l("There is already a draft for this week.")},
        )
    raise Conflict(
        _l("There is already a sent report for this student and week."),
        {"week_start": _l("There is already a sent report for this week.")},
    )


def create_report(
    actor: User,
    *,
    kind,
    week_start,
    student_id=None,
    enrollment_id=None,
    fields: dict | None = None,
) -> Report:
    """Create a draft: a tutor about one of their students, a teacher for an active enrollment."""
    kind = parse_kind(kind)
    if kind is ReportKind.TUTOR:
        access.require_role(actor, Role.TUTOR)
        if enrollment_id is not None:
            raise Invalid(
                _l("A tutor report is about a student, not an enrollment."),
                {"enrollment_id": _l("Leave this out for a tutor report.")},
            )
        student, enrollment = _tutor_student(actor, student_id), None
    else:
        access.require_role(actor, Role.TEACHER)
        enrollment = _teacher_enrollment(actor, enrollment_id)
        student = enrollment.student
        if student_id is not None and student_id != student.id:
            raise Invalid(
                _l("The student is not the enrollment's student."),
                {"student_id": _l("Must be the enrollment's student.")},
            )
    week = parse_week(week_start)
    values = clean_fields(kind, dict(fields or {}), None)
    subject_id = enrollment.subject_id if enrollment else None
    existing = _duplicate(kind, actor.id, student.id, subject_id, week)
    if existing is not None:
        _refuse_duplicate(existing)
    now = utcnow()
    report = Report(
        kind=kind,
        status=ReportStatus.DRAFT,
        author_id=actor.id,
        student_id=student.id,
        enrollment_id=enrollment.id if enrollment else None,
        subject_id=subject_id,
        week_start=week,
        created_at=now,
        updated_at=now,
        **values,
    )
    db.session.add(report)
    flush_or_conflict()
    db.session.commit()
    return report


def _own_draft(actor: User, report_id) -> Report:
    """A draft of the actor's: NotFound if unseen, Forbidden if not theirs, Conflict if sent."""
    report = access.visible_report(actor, payload_id(report_id, "report_id"))
    if may_edit(actor, report):
        return report
    if report.author_id != actor.id:
        raise Forbidden(_l("Only the author may change a report."))
    raise Conflict(_l("A sent report is never changed."))


def update_report(actor: User, report_id, changes: dict) -> Report:
    """Change a draft's week and fields (the author only; only while it is a draft)."""
    report = _own_draft(actor, report_id)
    changes = dict(changes)
    _still_author_of(actor, report)
    week = parse_week(changes.pop("week_start")) if "week_start" in changes else report.week_start
    for fixed in ("kind", "student_id", "enrollment_id"):
        if fixed in changes:
            raise Invalid(
                _l("'%(name)s' cannot be changed; write a new report instead.", name=fixed),
                {fixed: _l("Cannot be changed.")},
            )
    values = clean_fields(report.kind, changes, report)
    if week != report.week_start:
        existing = _duplicate(
            report.kind, actor.id, report.student_id, report.subject_id, week, exclude_id=report.id
        )
        if existing is not None:
            _refuse_duplicate(existing)
    report.week_start = week
    for name, value in values.items():
        setattr(report, name, value)
    report.updated_at = utcnow()
    flush_or_conflict()
    db.session.commit()
    return report


def delete_report(actor: User, report_id) -> None:
    """Delete a draft (the author only); sent reports stay forever."""
    report = _own_draft(actor, report_id)
    db.session.delete(report)
    db.session.commit()


def send_report(actor: User, report_id) -> Report:
    """Send a draft to the recipient taken from the student's links now; push it live."""
    report = _own_draft(actor, report_id)
    _still_author_of(actor, report)
    recipient = intended_recipient(report.kind, report.student)
    if recipient is None:
        raise NoRecipient(
            _l("The student has no parent linked, so there is nobody to send it to.")
            if report.kind is ReportKind.TUTOR
            else _l("The student has no tutor linked, so there is nobody to send it to.")
        )
    now = utcnow()
    done = execute_dml(
        update(Report)
        .where(Report.id == report.id, Report.status == ReportStatus.DRAFT)
        .values(status=ReportStatus.SENT, recipient_id=recipient.id, sent_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # sent meanwhile by another request
        db.session.rollback()
        raise Conflict(_l("This report has been sent already."))
    db.session.refresh(report)
    for user in told_of_sending(report, recipient):
        notify.notify(
            user,
            "report_sent",
            params={**about(report), "summary": report.summary[:300]},
            url=report_path(report, user),
            dedupe_key=report_key(report.id),
        )
    emit_to_audience("report_sent", report, lambda user: report_dict(report, user))
    db.session.commit()
    return report
