"""The contract's JSON shape of a homework (contract.md 3a), with its current submission."""

from __future__ import annotations

from thebot.models import Homework, HomeworkSubmission, User
from thebot.models.base import iso
from thebot.services.homework import rules


def _person(user: User) -> dict:
    return {"id": user.id, "full_name": user.full_name}


def attachment_url(homework: Homework) -> str:
    """Where a submission's file is downloaded (members only)."""
    return f"/api/v1/homework/{homework.id}/attachment"


def _submission(homework: Homework, row: HomeworkSubmission | None) -> dict | None:
    if row is None:
        return None
    attachment = None
    if row.attachment_key:
        attachment = {
            "url": attachment_url(homework),
            "name": row.attachment_name,
            "size": row.attachment_size,
            "content_type": row.attachment_type,
        }
    return {
        "text": row.text,
        "attachment": attachment,
        "submitted_at": iso(row.submitted_at),
        "late": row.late,
        "score": row.score,
        "feedback": row.feedback,
        "graded_at": iso(row.graded_at),
        "returned_at": iso(row.returned_at),
    }


def homework_dict(homework: Homework, viewer: User | None = None) -> dict:
    """A homework as JSON; with a viewer, what they may do to it as `can_submit`, `can_grade`,
    `can_return` (computed by the service, never re-derived by clients)."""
    enrollment = homework.enrollment
    data = {
        "id": homework.id,
        "enrollment_id": homework.enrollment_id,
        "subject": {
            "id": enrollment.subject.id,
            "name": enrollment.subject.name,
            "title": enrollment.title,
        },
        "student": _person(homework.student),
        "teacher": _person(homework.teacher),
        "title": homework.title,
        "instructions": homework.instructions,
        "due_at": iso(homework.due_at),
        "max_score": homework.max_score,
        "status": homework.status.value,
        "overdue": rules.is_overdue(homework),
        "created_at": iso(homework.created_at),
        "updated_at": iso(homework.updated_at),
        "submission": _submission(homework, homework.submission),
    }
    if viewer is not None:
        data.update(
            can_submit=rules.may_submit(viewer, homework),
            can_grade=rules.may_grade(viewer, homework),
            can_return=rules.may_return(viewer, homework),
        )
    return data
