"""The contract's JSON shape of a lesson (API answers and `lesson_updated`)."""

from __future__ import annotations

from thebot.models import Lesson, User
from thebot.models.base import iso
from thebot.services.lessons import rules


def _person(user: User | None) -> dict | None:
    return None if user is None else {"id": user.id, "full_name": user.full_name}


def lesson_dict(lesson: Lesson, viewer: User | None = None) -> dict:
    """A lesson as JSON (contract.md 3a); with a viewer, what they may do to it as `can_*`."""
    enrollment = lesson.enrollment
    data = {
        "id": lesson.id,
        "status": lesson.status.value,
        "student": _person(lesson.student),
        "teacher": _person(lesson.teacher),
        "tutor": _person(lesson.tutor),
        "enrollment_id": lesson.enrollment_id,
        "subject": None
        if enrollment is None
        else {
            "id": enrollment.subject.id,
            "name": enrollment.subject.name,
            "title": enrollment.title,
        },
        "starts_at": iso(lesson.starts_at),
        "ends_at": iso(lesson.ends_at),
        "topic": lesson.topic,
        "video_url": lesson.video_url,
        "series_id": lesson.series_id,
        "created_at": iso(lesson.created_at),
        "updated_at": iso(lesson.updated_at),
        "completed_at": iso(lesson.completed_at),
        "cancelled_at": iso(lesson.cancelled_at),
        "cancel_reason": lesson.cancel_reason,
    }
    if viewer is not None:
        data.update(
            can_change=rules.may_change(viewer, lesson),
            can_cancel=rules.may_cancel(viewer, lesson),
            can_complete=rules.may_complete(viewer, lesson),
        )
    return data
