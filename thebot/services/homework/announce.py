"""What is told about a homework and to whom: `homework_updated` on /notifications to everyone
who follows it, `progress_updated` on /reports when it is graded or returned, and the
notifications (homework_set; homework_graded, also for a return, whose params say so)."""

from __future__ import annotations

from thebot import realtime
from thebot.models import Homework, Role, User
from thebot.models.base import iso
from thebot.services import access, notify
from thebot.services.homework.serialize import homework_dict

FEEDBACK_SNIPPET = 300


def emit_updated(homework: Homework) -> None:
    """After commit, `homework_updated` (the homework as each may see it) to its student,
    teacher, and the student's parent and tutor."""
    for user in access.homework_audience(homework):
        realtime.emit(
            "homework_updated",
            homework_dict(homework, user),
            to=realtime.user_room(user.id),
            namespace=realtime.NOTIFICATIONS,
        )


def emit_progress(homework: Homework) -> None:
    """After commit, `progress_updated` on /reports to the student, their parent and tutor."""
    submission = homework.submission
    payload = {
        "student_id": homework.student_id,
        "homework_id": homework.id,
        "status": homework.status.value,
        "score": submission.score if submission is not None else None,
        "max_score": homework.max_score,
        "graded_at": iso(submission.graded_at) if submission is not None else None,
    }
    for user in access.homework_audience(homework):
        if user.role is not Role.TEACHER:
            realtime.emit(
                "progress_updated",
                payload,
                to=realtime.user_room(user.id),
                namespace=realtime.REPORTS,
            )


def homework_path(homework: Homework, user: User) -> str:
    """The page where this user opens the homework (/<role>/homework/<id>)."""
    return f"/{user.role.value}/homework/{homework.id}"


def params(homework: Homework, **extra) -> dict:
    """What a homework notification is made of (rendered in the reader's language when shown)."""
    return {
        "homework": homework.id,
        "title": homework.title,
        "subject": homework.enrollment.title,
        "teacher": homework.teacher.full_name,
        "student": homework.student.full_name,
        "due": iso(homework.due_at),
        **extra,
    }


def tell_family(homework: Homework, kind: str, **extra) -> None:
    """Notify the student and their current parent (homework_set, homework_graded)."""
    values = params(homework, **extra)
    for user in access.homework_audience(homework):
        if user.role in (Role.STUDENT, Role.PARENT):
            notify.notify(user, kind, params=values, url=homework_path(homework, user))


def newly_set(homework: Homework) -> None:
    """A homework was set: live to everyone following it, a notification to the family."""
    emit_updated(homework)
    tell_family(homework, "homework_set")


def assessed(homework: Homework, outcome: str) -> None:
    """A homework was graded or returned: live (also as progress) and a notification."""
    submission = homework.submission
    emit_updated(homework)
    emit_progress(homework)
    tell_family(
        homework,
        "homework_graded",
        outcome=outcome,
        score=submission.score if submission is not None else None,
        max_score=homework.max_score,
        feedback=(submission.feedback if submission is not None else "")[:FEEDBACK_SNIPPET],
    )
