"""The demo data of contract.md section 2, built through the services (idempotent)."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from thebot.extensions import db
from thebot.models import Enrollment, Role, Subject, User
from thebot.services import accounts, learning, links

log = logging.getLogger(__name__)
PASSWORD = "demo-pass-1"

ACCOUNTS: list[tuple[str, Role, str, str | None, dict[str, Any]]] = [
    # username, role, full name, e-mail, profile
    ("admin", Role.ADMIN, "Alexandra Admin", "admin@thebot.local", {}),
    (
        "tutor",
        Role.TUTOR,
        "Tatiana Smirnova",
        "tutor@thebot.local",
        {
            "bio": "Tutor for 12 years; exam preparation and study habits.",
            "subjects": "Study planning, Russian",
        },
    ),
    (
        "tutor2",
        Role.TUTOR,
        "Timur Karimov",
        "tutor2@thebot.local",
        {"bio": "Former school head of year.", "subjects": "Study planning"},
    ),
    (
        "teacher",
        Role.TEACHER,
        "Mikhail Orlov",
        "teacher@thebot.local",
        {"bio": "Mathematics teacher, olympiad coach.", "subjects": "Maths"},
    ),
    (
        "teacher2",
        Role.TEACHER,
        "Elena Volkova",
        "teacher2@thebot.local",
        {"bio": "Physics teacher.", "subjects": "Physics"},
    ),
    ("parent", Role.PARENT, "Irina Petrova", "parent@thebot.local", {"phone": "+7 900 111-22-33"}),
    (
        "parent2",
        Role.PARENT,
        "Sergey Ivanov",
        "parent2@thebot.local",
        {"phone": "+7 900 444-55-66"},
    ),
    ("student", Role.STUDENT, "Anna Petrova", None, {"grade": 9, "goal": "OGE maths at 5"}),
    ("student2", Role.STUDENT, "Pavel Petrov", None, {"grade": 6, "goal": "Catch up in maths"}),
    (
        "student3",
        Role.STUDENT,
        "Maria Ivanova",
        None,
        {"grade": 11, "goal": "EGE profile maths 80+"},
    ),
    ("student4", Role.STUDENT, "Daniil Sokolov", None, {"grade": 10, "goal": "Physics olympiad"}),
    # last, so the ids of the accounts above stay as they were
    (
        "guardian",
        Role.PARENT,
        "Oleg Petrov",
        "guardian@thebot.local",
        {"phone": "+7 900 777-88-99"},
    ),
]

LINKS = {
    "student": ("tutor", "parent"),
    "student2": ("tutor", "parent"),
    "student3": ("tutor2", "parent2"),
    "student4": ("tutor", None),
}

# A second guardian (domain.md section 1): Pavel's father sees and pays what his mother does.
GUARDIANS = {"student2": "guardian"}

SUBJECTS = [
    ("Maths", "Algebra and geometry"),
    ("Physics", "Mechanics, electricity, optics"),
    ("English", "Language and exam preparation"),
    ("Chemistry", ""),
    ("Russian", ""),
]

ENROLLMENTS = [
    ("student", "Maths", "teacher"),
    ("student", "Physics", "teacher2"),
    ("student2", "Maths", "teacher"),
    ("student3", "Maths", "teacher"),
    ("student4", "Physics", "teacher2"),
]


def _user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def _made(username: str) -> User:
    """A demo account `load` has made already (LookupError if it is missing)."""
    user = _user(username)
    if user is None:
        raise LookupError(f"the demo account {username!r} is missing")
    return user


def load(only_if_empty: bool = False) -> bool:
    """Create whatever part of the demo data is missing; False if skipped."""
    if only_if_empty and db.session.scalar(select(User.id).limit(1)) is not None:
        return False
    for username, role, full_name, email, fields in ACCOUNTS:
        if _user(username) is None:
            accounts.create_user(
                None,
                role=role,
                username=username,
                password=PASSWORD,
                full_name=full_name,
                email=email,
                **fields,
            )
    admin = _made("admin")
    for name, description in SUBJECTS:
        if db.session.scalar(select(Subject.id).where(Subject.name == name)) is None:
            learning.create_subject(None, name, description)
    for student_name, (tutor_name, parent_name) in LINKS.items():
        student = _made(student_name)
        profile = student.student_profile
        if profile is not None and profile.tutor_id is None and profile.parent_id is None:
            links.set_links(
                admin,
                student.id,
                tutor_id=_made(tutor_name).id,
                parent_id=_made(parent_name).id if parent_name else None,
            )
    for student_name, guardian_name in GUARDIANS.items():
        profile = _made(student_name).student_profile
        if profile is not None and profile.parent_id is not None and profile.guardian_id is None:
            links.set_links(admin, profile.user_id, guardian_id=_made(guardian_name).id)
    for student_name, subject_name, teacher_name in ENROLLMENTS:
        student = _made(student_name)
        subject = db.session.scalars(select(Subject).where(Subject.name == subject_name)).one()
        exists = db.session.scalar(
            select(Enrollment.id).where(
                Enrollment.student_id == student.id, Enrollment.subject_id == subject.id
            )
        )
        if exists is None:
            learning.enroll(
                admin,
                student_id=student.id,
                subject_id=subject.id,
                teacher_id=_made(teacher_name).id,
            )
    for part in HISTORY_PARTS:
        part.load_history(_user)
    log.info("demo data loaded")
    return True


from thebot.demo import (  # noqa: E402  (the parts, below)
    billing,
    chat,
    homework,
    lessons,
    notifications,
    reports,
)

# Each part's history: a module with load_history(user_by_username), idempotent, built through
# that part's services. Order matters: later parts may refer to earlier parts' records.
HISTORY_PARTS = [
    chat,
    reports,
    billing,
    lessons,
    homework,
    notifications,  # last: it works on the notifications the others caused
]
