"""Scheduling lessons and changing them: schedule (one or a weekly series), record a lesson that
already took place, reschedule, cancel, complete (domain.md section 6).

Every action checks who may do it, writes one LessonEvent per lesson changed, notifies the
student and the parent, sends `lesson_updated` after commit and commits. The overlap check runs
inside the transaction after locking both people's rows (PostgreSQL: SELECT … FOR UPDATE;
SQLite: a no-op UPDATE of the same rows takes the database's single write lock), so concurrent
requests for the same teacher/tutor or student run one after another and never both pass.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import Table, or_, select, update

from thebot import signals
from thebot.extensions import db
from thebot.models import Enrollment, Lesson, LessonEvent, LessonStatus, Role, User
from thebot.models.base import iso, utcnow
from thebot.services import access
from thebot.services.errors import Conflict, Forbidden, Invalid, NotFound
from thebot.services.ids import parse_id
from thebot.services.lessons import announce, rules
from thebot.services.lessons.rules import may_change
from thebot.services.lessons.texts import local_text

__all__ = [
    "cancel_lesson",
    "cancel_upcoming_of",
    "complete_lesson",
    "may_change",
    "record_past_lesson",
    "reschedule_lesson",
    "schedule_lessons",
]


# --- who and with whom ------------------------------------------------------------------------


def _party(actor: User, enrollment_id, student_id) -> tuple[User, Enrollment | None]:
    """(student, enrollment) of a new lesson: a teacher's active enrollment, or a tutor's
    student; anything else the actor may not use is NotFound."""
    access.require_role(actor, Role.TEACHER, Role.TUTOR)
    if actor.role is Role.TEACHER:
        if enrollment_id is None:
            raise Invalid(
                _l("Choose the enrollment the lesson is for."),
                {"enrollment_id": _l("One of your students' subjects.")},
            )
        enrollment = db.session.get(Enrollment, parse_id(enrollment_id, "enrollment_id"))
        if enrollment is None or enrollment.teacher_id != actor.id:
            raise NotFound(
                _l("No such enrollment."), {"enrollment_id": _l("One of your students' subjects.")}
            )
        if not enrollment.is_active:
            raise Conflict(
                _l("This enrollment has ended: no new lessons."),
                {"enrollment_id": _l("An active enrollment.")},
            )
        return enrollment.student, enrollment
    if student_id is None:
        raise Invalid(_l("Choose the student."), {"student_id": _l("One of your students.")})
    student = db.session.get(User, parse_id(student_id, "student_id"))
    profile = student.student_profile if student is not None else None
    if student is None or profile is None or profile.tutor_id != actor.id:
        raise NotFound(_l("No such student."), {"student_id": _l("One of your students.")})
    return student, None


def _lock(*user_ids: int) -> None:
    """Serialise lesson writes touching these people until the transaction ends."""
    ids = sorted(set(user_ids))
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            select(User.id).where(User.id.in_(ids)).order_by(User.id).with_for_update()
        )
    else:  # SQLite has one write lock for the database: take it before reading.
        users = cast(Table, User.__table__)
        db.session.execute(update(users).where(users.c.id.in_(ids)).values(id=users.c.id))


def _clash(
    host_id: int, student_id: int, starts_at: datetime, ends_at: datetime, skip_id: int | None
) -> Lesson | None:
    """A lesson (not cancelled) of the host or the student that overlaps the interval."""
    query = select(Lesson).where(
        Lesson.status != LessonStatus.CANCELLED,
        Lesson.starts_at < ends_at,
        Lesson.ends_at > starts_at,
        or_(
            Lesson.teacher_id == host_id,
            Lesson.tutor_id == host_id,
            Lesson.student_id == student_id,
        ),
    )
    if skip_id is not None:
        query = query.where(Lesson.id != skip_id)
    return db.session.scalar(query.order_by(Lesson.starts_at).limit(1))


def _refuse_overlaps(
    actor: User, host_id: int, student_id: int, slots, skip_id: int | None = None
) -> None:
    """Conflict when any slot overlaps a lesson of the host or the student (a series whole)."""
    for starts_at, ends_at in slots:
        clash = _clash(host_id, student_id, starts_at, ends_at, skip_id)
        if clash is None:
            continue
        who = (
            _l("the student already has a lesson then")
            if clash.student_id == student_id and clash.host_id != host_id
            else _l("the teacher or tutor already has a lesson then")
        )
        when = local_text(starts_at, actor.time_zone)
        raise Conflict(
            _l("The lesson on %(when)s overlaps another: %(who)s.", when=when, who=who),
            {"starts_at": _l("Pick a time that is free for both.")},
        )


def _event(lesson: Lesson, actor: User, action: str, details=None, reason=None) -> None:
    db.session.add(
        LessonEvent(
            lesson=lesson,
            actor_id=actor.id,
            action=action,
            at=utcnow(),
            details=details,
            reason=reason,
        )
    )


def _values(starts_at, ends_at, topic, video_url) -> tuple[datetime, datetime, str, str]:
    """The parsed values of a new lesson, every field's problem reported at once."""
    errors: dict = {}
    parsed: dict = {}
    for name, parse in (
        ("starts_at", lambda: rules.parse_time(starts_at, "starts_at")),
        ("ends_at", lambda: rules.parse_time(ends_at, "ends_at")),
        ("topic", lambda: rules.parse_topic(topic)),
        ("video_url", lambda: rules.parse_video_url(video_url)),
    ):
        try:
            parsed[name] = parse()
        except Invalid as exc:
            errors.update(exc.fields)
    if errors:
        raise Invalid(_l("Please correct the marked fields."), errors)
    rules.check_times(parsed["starts_at"], parsed["ends_at"])
    return parsed["starts_at"], parsed["ends_at"], parsed["topic"], parsed["video_url"]


def _new_lesson(actor, student, enrollment, starts_at, ends_at, topic, video_url, series_id):
    return Lesson(
        student_id=student.id,
        teacher_id=actor.id if actor.role is Role.TEACHER else None,
        tutor_id=actor.id if actor.role is Role.TUTOR else None,
        enrollment_id=enrollment.id if enrollment is not None else None,
        starts_at=starts_at,
        ends_at=ends_at,
        topic=topic,
        video_url=video_url,
        status=LessonStatus.SCHEDULED,
        series_id=series_id,
        created_by_id=actor.id,
    )


# --- actions ----------------------------------------------------------------------------------


def schedule_lessons(
    actor: User,
    *,
    starts_at,
    ends_at,
    enrollment_id=None,
    student_id=None,
    topic="",
    video_url="",
    repeat_weeks=1,
) -> list[Lesson]:
    """Schedule a lesson, or a weekly series of `repeat_weeks` (1–20) refused whole on any
    overlap: a teacher for an active enrollment of theirs, a tutor with one of their students."""
    student, enrollment = _party(actor, enrollment_id, student_id)
    start, end, topic, video_url = _values(starts_at, ends_at, topic, video_url)
    weeks = rules.parse_weeks(repeat_weeks)
    rules.check_future(start)
    duration = end - start
    slots = [(s, s + duration) for s in rules.weekly(start, weeks, rules.zone_of(actor))]
    _lock(actor.id, student.id)
    _refuse_overlaps(actor, actor.id, student.id, slots)
    series_id = str(uuid.uuid4()) if weeks > 1 else None
    lessons = [
        _new_lesson(actor, student, enrollment, s, e, topic, video_url, series_id) for s, e in slots
    ]
    db.session.add_all(lessons)
    for lesson in lessons:
        _event(lesson, actor, "scheduled", {"starts_at": iso(lesson.starts_at)})
    db.session.flush()
    announce.tell("lesson_scheduled", lessons[0], count=len(lessons))
    for lesson in lessons:
        announce.emit_updated(lesson)
    db.session.commit()
    return lessons


def record_past_lesson(
    actor: User, *, starts_at, ends_at, enrollment_id=None, student_id=None, topic="", video_url=""
) -> Lesson:
    """Record a lesson that already took place (ended, within the last 90 days) as completed:
    a teacher or tutor who held it without scheduling it first. Same people and overlap rules."""
    student, enrollment = _party(actor, enrollment_id, student_id)
    start, end, topic, video_url = _values(starts_at, ends_at, topic, video_url)
    rules.check_past(start, end)
    _lock(actor.id, student.id)
    _refuse_overlaps(actor, actor.id, student.id, [(start, end)])
    lesson = _new_lesson(actor, student, enrollment, start, end, topic, video_url, None)
    db.session.add(lesson)
    _event(lesson, actor, "scheduled", {"starts_at": iso(start), "recorded": True})
    return _completed(actor, lesson)


def _changeable(actor: User, lesson_id) -> Lesson:
    """The lesson if the actor holds it and it is scheduled (NotFound if unseen), read again
    under the people's lock so concurrent changes of it run one after another."""
    lesson = access.visible_lesson(actor, parse_id(lesson_id, "lesson_id"))
    if lesson.host_id != actor.id:
        raise Forbidden(_l("Only the lesson's teacher or tutor may change it."))
    _lock(lesson.host_id, lesson.student_id)
    db.session.refresh(lesson)
    if lesson.status is not LessonStatus.SCHEDULED:
        raise Conflict(_l("This lesson is no longer scheduled."))
    return lesson


def reschedule_lesson(
    actor: User, lesson_id, *, starts_at=None, ends_at=None, topic=None, video_url=None
) -> Lesson:
    """Move a scheduled lesson or change its topic or link, with the checks of scheduling.

    A new start alone keeps the duration; fields left None stay as they are. Nothing changed:
    no event.
    """
    lesson = _changeable(actor, lesson_id)
    start = lesson.starts_at if starts_at is None else rules.parse_time(starts_at, "starts_at")
    if ends_at is not None:
        end = rules.parse_time(ends_at, "ends_at")
    else:
        end = start + (lesson.ends_at - lesson.starts_at)
    changes: dict = {}
    if (start, end) != (lesson.starts_at, lesson.ends_at):
        rules.check_times(start, end)
        rules.check_future(start)
        _refuse_overlaps(actor, lesson.host_id, lesson.student_id, [(start, end)], lesson.id)
        changes["starts_at"] = [iso(lesson.starts_at), iso(start)]
        changes["ends_at"] = [iso(lesson.ends_at), iso(end)]
    new_topic = lesson.topic if topic is None else rules.parse_topic(topic)
    new_url = lesson.video_url if video_url is None else rules.parse_video_url(video_url)
    if new_topic != lesson.topic:
        changes["topic"] = [lesson.topic, new_topic]
    if new_url != lesson.video_url:
        changes["video_url"] = [lesson.video_url, new_url]
    if not changes:
        return lesson
    old_start = lesson.starts_at
    lesson.starts_at, lesson.ends_at, lesson.topic, lesson.video_url = (
        start,
        end,
        new_topic,
        new_url,
    )
    _event(lesson, actor, "rescheduled", changes)
    db.session.flush()
    announce.tell("lesson_changed", lesson, action="rescheduled", old_starts_at=iso(old_start))
    announce.emit_updated(lesson)
    db.session.commit()
    return lesson


def cancel_lesson(actor: User, lesson_id, reason=None) -> Lesson:
    """Cancel a scheduled lesson, refused less than LESSON_CANCEL_MIN_HOURS before its start;
    cancelling it again changes nothing."""
    lesson = access.visible_lesson(actor, parse_id(lesson_id, "lesson_id"))
    if lesson.host_id == actor.id and lesson.status is LessonStatus.CANCELLED:
        return lesson
    lesson = _changeable(actor, lesson.id)
    text = rules.parse_reason(reason)
    if rules.too_late_to_cancel(lesson):
        raise Conflict(
            _l(
                "A lesson can be cancelled only up to %(hours)d hours before it starts.",
                hours=rules.cancel_min_hours(),
            )
        )
    _cancel(lesson, actor, reason=text)
    db.session.commit()
    return lesson


def _cancel(lesson: Lesson, actor: User, *, reason: str | None = None, details=None) -> None:
    """The one cancel transition: state, history row, notification, `lesson_updated`."""
    lesson.status = LessonStatus.CANCELLED
    lesson.cancelled_at = utcnow()
    lesson.cancel_reason = reason
    _event(lesson, actor, "cancelled", details=details, reason=reason)
    db.session.flush()
    announce.tell("lesson_cancelled", lesson, reason=reason or "")
    announce.emit_updated(lesson)


def cancel_upcoming_of(actor: User, user: User) -> int:
    """An account is being removed (services.removal, inside its transaction; no commit): its
    scheduled lessons that have not started are cancelled, whatever the notice, with a history
    row, the usual notifications and `lesson_updated`. Returns how many."""
    lessons = db.session.scalars(
        select(Lesson).where(
            Lesson.status == LessonStatus.SCHEDULED,
            Lesson.starts_at > utcnow(),
            or_(
                Lesson.student_id == user.id,
                Lesson.teacher_id == user.id,
                Lesson.tutor_id == user.id,
            ),
        )
    ).all()
    for lesson in lessons:
        _cancel(lesson, actor, details={"account_removed": user.id})
    return len(lessons)


def complete_lesson(actor: User, lesson_id) -> Lesson:
    """Mark a scheduled lesson held, once its start has passed; again changes nothing."""
    lesson = access.visible_lesson(actor, parse_id(lesson_id, "lesson_id"))
    if lesson.host_id == actor.id and lesson.status is LessonStatus.COMPLETED:
        return lesson
    lesson = _changeable(actor, lesson.id)
    if lesson.starts_at > utcnow():
        raise Conflict(_l("A lesson can be marked held only once it has started."))
    return _completed(actor, lesson)


def _completed(actor: User, lesson: Lesson) -> Lesson:
    lesson.status = LessonStatus.COMPLETED
    lesson.completed_at = utcnow()
    _event(lesson, actor, "completed")
    db.session.flush()
    signals.lesson_completed.send(lesson)
    announce.tell("lesson_changed", lesson, action="completed")
    announce.emit_updated(lesson)
    db.session.commit()
    return lesson
