"""Homework's life: a teacher sets it (set), the student hands it in (submitted), the teacher
returns it for rework (returned, then submitted again) or grades it (graded, final).

Each change is one function: it checks who may (rules), moves the state with a conditional
UPDATE (so two concurrent requests cannot both submit, or both grade), commits, and is announced
after commit (announce). Scores are written here only, by the homework's teacher.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO

from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from thebot import realtime
from thebot.extensions import db
from thebot.models import Homework, HomeworkStatus, HomeworkSubmission, User
from thebot.models.base import execute_dml, utcnow
from thebot.services import access, attachments
from thebot.services.errors import Conflict, Forbidden, Invalid
from thebot.services.homework import announce, rules
from thebot.services.homework.rules import (  # noqa: F401  (part of this module's interface)
    is_overdue,
    may_grade,
    may_return,
    may_submit,
)
from thebot.services.ids import parse_id


def _move(homework: Homework, allowed: tuple[HomeworkStatus, ...], to: HomeworkStatus) -> None:
    """Move the homework to `to` if it is still in one of `allowed` in the database; Conflict
    if a concurrent request (or an earlier one) moved it first."""
    result = execute_dml(
        update(Homework)
        .where(Homework.id == homework.id, Homework.status.in_(allowed))
        .values(status=to, updated_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise Conflict(_l("This homework has just changed. Reload it and try again."))


def _active_enrollment(homework: Homework) -> None:
    if not homework.enrollment.is_active:
        raise Conflict(_l("This enrollment has ended: its homework is read-only."))


def _checked(**parsers: Callable[[], object]) -> tuple[dict, dict[str, str]]:
    """Every value parsed, and the field errors of all that failed (shown together)."""
    values, fields = {}, {}
    for name, parse in parsers.items():
        try:
            values[name] = parse()
        except Invalid as error:
            fields.update(error.fields)
    return values, fields


def _submission_of(homework: Homework) -> HomeworkSubmission:
    row = homework.submission
    if row is None:  # never: a handed-in homework has its submission
        raise Conflict(_l("This homework has not been handed in."))
    return row


# --- the teacher sets -------------------------------------------------------------------------


def set_homework(
    teacher: User, *, enrollment_id, title, instructions="", due_at, max_score
) -> Homework:
    """The enrollment's teacher sets homework for its student (the enrollment must be active)."""
    enrollment = access.visible_enrollment(teacher, parse_id(enrollment_id, "enrollment_id"))
    if enrollment.teacher_id != teacher.id:
        raise Forbidden(_l("Only the enrollment's teacher sets homework."))
    if not enrollment.is_active:
        raise Conflict(_l("This enrollment has ended: its homework is read-only."))
    values, fields = _checked(
        title=lambda: rules.text_value(title, "title", maximum=rules.TITLE_MAX, required=True),
        instructions=lambda: rules.text_value(
            instructions, "instructions", maximum=rules.INSTRUCTIONS_MAX, required=False
        ),
        due_at=lambda: rules.due_at_value(due_at),
        max_score=lambda: rules.max_score_value(max_score),
    )
    if fields:
        raise Invalid(_l("Check the homework's fields."), fields)
    now = utcnow()
    homework = Homework(
        enrollment=enrollment,
        teacher_id=teacher.id,
        student_id=enrollment.student_id,
        status=HomeworkStatus.SET,
        created_at=now,
        updated_at=now,
        **values,
    )
    db.session.add(homework)
    db.session.flush()
    announce.newly_set(homework)
    db.session.commit()
    return homework


# --- the student submits ----------------------------------------------------------------------


def submit_homework(
    student: User,
    homework_id,
    *,
    text="",
    file: IO[bytes] | None = None,
    filename: str | None = None,
) -> Homework:
    """Its student hands it in: text and/or one file (the attachment rules), once until the
    teacher returns it; after the due time it is accepted and marked late. A resubmission
    replaces the returned one (its file too); the teacher's feedback stays until graded."""
    homework = access.visible_homework_item(student, parse_id(homework_id, "homework_id"))
    if student.id != homework.student_id:
        raise Forbidden(_l("Only the student hands in their homework."))
    _active_enrollment(homework)
    if homework.status not in rules.OPEN_FOR_SUBMISSION:
        raise Conflict(
            _l("This homework has been handed in already; it can be sent again once returned.")
        )
    answer = rules.text_value(text, "text", maximum=rules.ANSWER_MAX, required=False)
    if not answer and file is None:
        message = _l("Write an answer or attach a file.")
        raise Invalid(message, {"text": message, "file": message})
    stored = (
        attachments.store(file, filename, f"homework/{homework.id}") if file is not None else None
    )
    try:
        now = utcnow()
        _move(homework, rules.OPEN_FOR_SUBMISSION, HomeworkStatus.SUBMITTED)
        row = homework.submission
        if row is None:
            row = HomeworkSubmission(homework=homework, feedback="")
            db.session.add(row)
        replaced = row.attachment_key
        row.text = answer
        row.attachment_key = stored.key if stored else None
        row.attachment_name = stored.name if stored else None
        row.attachment_size = stored.size if stored else None
        row.attachment_type = stored.content_type if stored else None
        row.submitted_at = now
        row.late = now > homework.due_at
        row.score, row.graded_at = None, None
        db.session.flush()
        if replaced:
            realtime.after_commit(lambda: attachments.discard(replaced))
        announce.emit_updated(homework)
        db.session.commit()
    except BaseException:
        if stored is not None:
            attachments.discard(stored.key)  # no record, no file
        raise
    return homework


# --- the teacher returns or grades ------------------------------------------------------------


def _assessable(teacher: User, homework_id) -> Homework:
    homework = access.visible_homework_item(teacher, parse_id(homework_id, "homework_id"))
    if teacher.id != homework.teacher_id:
        raise Forbidden(_l("Only the homework's teacher returns or grades it."))
    _active_enrollment(homework)
    if homework.status is not HomeworkStatus.SUBMITTED:
        raise Conflict(_l("Only handed-in homework can be returned or graded."))
    return homework


def return_homework(teacher: User, homework_id, *, feedback) -> Homework:
    """Its teacher sends a submitted homework back for rework, saying what to change."""
    homework = _assessable(teacher, homework_id)
    note = rules.text_value(feedback, "feedback", maximum=rules.FEEDBACK_MAX, required=True)
    _move(homework, (HomeworkStatus.SUBMITTED,), HomeworkStatus.RETURNED)
    row = _submission_of(homework)
    row.feedback, row.returned_at, row.score, row.graded_at = note, utcnow(), None, None
    db.session.flush()
    announce.assessed(homework, "returned")
    db.session.commit()
    return homework


def grade_homework(teacher: User, homework_id, *, score, feedback="") -> Homework:
    """Its teacher grades a submitted homework: a whole score from 0 to its max, with optional
    feedback. Graded is final."""
    homework = _assessable(teacher, homework_id)
    points = rules.whole_number(score, "score", 0, homework.max_score)
    note = rules.text_value(feedback, "feedback", maximum=rules.FEEDBACK_MAX, required=False)
    _move(homework, (HomeworkStatus.SUBMITTED,), HomeworkStatus.GRADED)
    row = _submission_of(homework)
    row.score, row.feedback, row.graded_at = points, note, utcnow()
    db.session.flush()
    announce.assessed(homework, "graded")
    db.session.commit()
    return homework
