"""Data for tests: a small family built through the services (the notification tests' people),
a family created by a tutor, a draft report (the reports service), and lookups of users and
subjects by name."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select


@pytest.fixture
def family(ctx, make_user):
    """A tutor, a parent (both with e-mail), their student, a second family's parent, an admin."""
    from thebot.services import links

    tag = uuid.uuid4().hex[:6]
    admin = make_user("admin")
    tutor = make_user("tutor", email=f"tutor-{tag}@example.test", full_name="Tess Tutor")
    parent = make_user("parent", email=f"parent-{tag}@example.test", full_name="Paula Parent")
    other_parent = make_user("parent", email=f"other-{tag}@example.test", full_name="Olga Other")
    student = make_user("student", full_name="Sam Student")
    links.set_links(admin, student.id, tutor_id=tutor.id, parent_id=parent.id)
    return SimpleNamespace(
        admin=admin, tutor=tutor, parent=parent, other_parent=other_parent, student=student
    )


def new_family(tutor, student_name: str = "Lev Orlov"):
    """A family the tutor creates (families service; no parent e-mail): (child, parent) with
    their one-time credentials revealed."""
    from thebot.services import families

    created = families.create_family(
        tutor,
        student_name=student_name,
        grade=7,
        goal="",
        parent_name="Olga Orlova",
        parent_email=None,
        parent_phone="",
    )
    return families.reveal_family_credentials(tutor, created.id)


def draft_report(tutor, student, summary: str = "A good week: fractions are solid now."):
    """A tutor's draft report about the student for this week (reports service)."""
    from thebot.services.reports import rules, writing

    return writing.create_report(
        tutor,
        kind="tutor",
        week_start=rules.current_week_start(),
        student_id=student.id,
        fields={"summary": summary},
    )


def user_count() -> int:
    from thebot.extensions import db
    from thebot.models import User

    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(User))


def find_user(username: str):
    from thebot.extensions import db
    from thebot.models import User

    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == username))


def subject_id(name: str) -> int:
    from thebot.extensions import db
    from thebot.models import Subject

    return db.session.scalar(select(Subject.id).where(Subject.name == name))
