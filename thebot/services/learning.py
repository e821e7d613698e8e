"""Subjects and enrollments."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from thebot import signals
from thebot.extensions import db
from thebot.models import Enrollment, Role, StudentProfile, Subject, User
from thebot.models.base import utcnow
from thebot.services import access
from thebot.services.errors import Conflict, Invalid, NotFound


def subjects() -> list[Subject]:
    """Every subject by name."""
    return list(db.session.scalars(select(Subject).order_by(func.lower(Subject.name))))


def create_subject(actor: User | None, name: str, description: str = "") -> Subject:
    """Add a subject (admins; actor None is the CLI and demo loader)."""
    if actor is not None:
        access.require_admin(actor)
    name = (name or "").strip()
    if not 1 <= len(name) <= 120:
        raise Invalid(
            _l("Enter a subject name."), {"name": _l("Enter a name of 1–120 characters.")}
        )
    if db.session.scalar(select(Subject.id).where(func.lower(Subject.name) == name.lower())):
        message = _l("This subject exists already.")
        raise Conflict(message, {"name": message})
    subject = Subject(name=name, description=(description or "").strip())
    db.session.add(subject)
    db.session.commit()
    return subject


def taught_subjects(teacher: User) -> set[str]:
    """The subject names (lower-case) a teacher's profile lists, comma, semicolon or line apart."""
    profile = teacher.teacher_profile
    if profile is None or not profile.subjects:
        return set()
    return {name.strip().lower() for name in re.split(r"[,;\n]", profile.subjects) if name.strip()}


def teaches(teacher: User, subject: Subject) -> bool:
    """Whether the teacher teaches this subject: its name is in their profile's subjects."""
    return subject.name.strip().lower() in taught_subjects(teacher)


def enroll(
    actor: User,
    *,
    student_id: int,
    subject_id: int,
    teacher_id: int,
    custom_title: str | None = None,
) -> Enrollment:
    """Enroll a student in a subject with a teacher (admin, or the student's tutor)."""
    student = access.managed_student(actor, student_id)
    subject = db.session.get(Subject, subject_id)
    if subject is None:
        raise NotFound(_l("No such subject."), {"subject_id": _l("Choose a subject.")})
    teacher = db.session.get(User, teacher_id)
    if teacher is None or teacher.role is not Role.TEACHER:
        raise NotFound(_l("No such teacher."), {"teacher_id": _l("Choose a teacher.")})
    if not teacher.active:
        message = _l("This teacher's account is deactivated.")
        raise Invalid(message, {"teacher_id": message})
    title = (custom_title or "").strip() or None
    if title and len(title) > 120:
        raise Invalid(_l("The title is too long."), {"custom_title": _l("At most 120 characters.")})
    duplicate = {"subject_id": _l("The student already studies this subject.")}
    if db.session.scalar(
        select(Enrollment.id).where(
            Enrollment.student_id == student.id,
            Enrollment.subject_id == subject.id,
            Enrollment.is_active.is_(True),
        )
    ):
        raise Conflict(
            _l("The student already has an active enrollment in this subject."), duplicate
        )
    if not teaches(teacher, subject):
        message = _l(
            "%(teacher)s does not teach %(subject)s.",
            teacher=teacher.full_name,
            subject=subject.name,
        )
        raise Invalid(message, {"teacher_id": message})
    enrollment = Enrollment(
        student_id=student.id, subject_id=subject.id, teacher_id=teacher.id, custom_title=title
    )
    db.session.add(enrollment)
    try:
        db.session.flush()
    except IntegrityError:  # a concurrent request won the race; the index decided
        db.session.rollback()
        raise Conflict(
            _l("The student already has an active enrollment in this subject."), duplicate
        ) from None
    signals.enrolled.send(enrollment)
    db.session.commit()
    return enrollment


def end_enrollment(actor: User, enrollment_id: int) -> Enrollment:
    """Deactivate an enrollment; its history stays (admin, or the student's tutor)."""
    enrollment = access.managed_enrollment(actor, enrollment_id)
    close_enrollment(enrollment)
    db.session.commit()
    return enrollment


def close_enrollment(enrollment: Enrollment) -> None:
    """End an active enrollment inside the caller's transaction (its room turns read-only);
    the caller has checked the right to and commits. An ended one stays as it is."""
    if not enrollment.is_active:
        return
    enrollment.is_active = False
    enrollment.ended_at = utcnow()
    signals.enrollment_ended.send(enrollment)


def enrollments_of_students(student_ids: list[int], *, active_only: bool = True) -> dict[int, list]:
    """Enrollments grouped by student id, with subject and teacher loaded in one query."""
    if not student_ids:
        return {}
    query = (
        select(Enrollment)
        .where(Enrollment.student_id.in_(student_ids))
        .options(db.joinedload(Enrollment.subject), db.joinedload(Enrollment.teacher))
        .order_by(Enrollment.created_at)
    )
    if active_only:
        query = query.where(Enrollment.is_active.is_(True))
    grouped: dict[int, list] = {sid: [] for sid in student_ids}
    for enrollment in db.session.scalars(query):
        grouped[enrollment.student_id].append(enrollment)
    return grouped


def enrollments_taught_by(teacher: User, *, active_only: bool = True) -> list[Enrollment]:
    """A teacher's enrollments with student (and the student's links), subject loaded."""
    query = (
        select(Enrollment)
        .where(Enrollment.teacher_id == teacher.id)
        .options(
            db.joinedload(Enrollment.subject),
            db.joinedload(Enrollment.student)
            .joinedload(User.student_profile)
            .joinedload(StudentProfile.tutor),
            db.joinedload(Enrollment.student)
            .joinedload(User.student_profile)
            .joinedload(StudentProfile.parent),
        )
        .order_by(Enrollment.created_at)
    )
    if active_only:
        query = query.where(Enrollment.is_active.is_(True))
    return list(db.session.scalars(query).unique())
