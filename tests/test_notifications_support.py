"""Shared data for the notification tests: a small family built through the services, and
the report actions (another area's real service) that notify people. No tests here."""
from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest


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
    return SimpleNamespace(admin=admin, tutor=tutor, parent=parent, other_parent=other_parent,
                           student=student)


def draft_report(tutor, student, summary: str = "A good week: fractions are solid now."):
    """A tutor's draft report about the student for this week (reports service)."""
    from thebot.services.reports import rules, writing
    return writing.create_report(tutor, kind="tutor", week_start=rules.current_week_start(),
                                 student_id=student.id, fields={"summary": summary})


def token_for(user) -> str:
    """A fresh API token for the user (accounts service)."""
    from thebot.services import accounts
    raw, _ = accounts.issue_token(user, "notification tests")
    return raw
