"""Every state-changing page route, taken from the app's URL map, refuses a signed-in request
without a CSRF token (400, the "form expired" page) and changes nothing in the database."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.support.http import text_of

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
ROLE_OF_PREFIX = {
    "/admin": "admin",
    "/tutor": "tutor",
    "/teacher": "teacher",
    "/parent": "parent",
    "/student": "student",
    "/notifications": "parent",
    "/chat": "parent",
}
ARG = re.compile(r"<(?:\w+:)?(\w+)>")
# Exempt on purpose: payment providers post without a session; the webhook verifies each
# confirmation itself (a signature, or the status fetched back from the provider).
CSRF_EXEMPT = {"payments.webhook"}

# Complete, valid forms for routes that create things, so a missing CSRF check would show as a
# change in the database and not only as a different page.
VALID_FORMS = {
    "tutor.new_student": {
        "student_name": "Csrf Student",
        "grade": "7",
        "goal": "none",
        "parent_name": "Csrf Parent",
        "parent_email": "csrf@example.test",
    },
    "admin.new_user": {
        "role": "teacher",
        "username": "csrf-teacher",
        "full_name": "Csrf Teacher",
        "password": "long-enough-1",
    },
    "admin.subjects": {"name": "Csrf Subject"},
    "main.set_language": {"lang": "ru", "next": "/"},
    "tutor.invoice_new": {
        "student_id": "",
        "amount": "1500.00",
        "description": "Csrf invoice",
        "due_date": "2999-01-01",
    },
    # Lessons and homework (ids and dates filled in by _real_ids); the profile's Regenerate.
    "teacher.lesson_new": {"start": "03:00", "end": "04:00", "repeat_weeks": "1"},
    "tutor.lesson_new": {"start": "05:00", "end": "06:00", "repeat_weeks": "1"},
    "teacher.homework_new": {"title": "Csrf homework", "due_time": "18:00", "max_score": "10"},
    "teacher.homework_grade": {"score": "5", "feedback": "Csrf"},
    "teacher.homework_return": {"rework": "Csrf"},
    "student.homework_submit": {"text": "Csrf answer"},
    "main.profile": {"action": "regenerate"},
}


def _unsafe_page_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api/", "/static/")) or rule.endpoint in CSRF_EXEMPT:
            continue
        for method in sorted((rule.methods or set()) & UNSAFE):
            yield rule, method


def _role_for(path: str) -> str:
    return next(
        (role for prefix, role in ROLE_OF_PREFIX.items() if path.startswith(prefix)), "tutor"
    )


def _real_ids(demo) -> dict[str, dict[str, int]]:
    """An id per route argument and role that the role may act on (so the view would run)."""
    from tests.support.data import draft_report
    from thebot.extensions import db
    from thebot.models import Enrollment, Invoice, InvoiceStatus, Notification, Report, ReportStatus
    from thebot.services import invitations, notify, signins

    enrollment = db.session.scalars(
        select(Enrollment).where(
            Enrollment.student_id == demo.student.id, Enrollment.ended_at.is_(None)
        )
    ).first()
    tutor_draft = db.session.scalars(
        select(Report).where(Report.author_id == demo.tutor.id, Report.status == ReportStatus.DRAFT)
    ).first()
    if tutor_draft is None:
        tutor_draft = draft_report(demo.tutor, demo.student4)
    teacher_draft = db.session.scalars(
        select(Report).where(
            Report.author_id == demo.teacher.id, Report.status == ReportStatus.DRAFT
        )
    ).first()
    notification = db.session.scalars(
        select(Notification).where(Notification.user_id == demo.parent.id)
    ).first()
    if notification is None:
        notification = notify.notify(demo.parent, "invoice_sent", title="Invoice", url="/")
    draft_invoice = db.session.scalars(
        select(Invoice).where(
            Invoice.tutor_id == demo.tutor.id, Invoice.status == InvoiceStatus.DRAFT
        )
    ).first()
    payable = db.session.scalars(
        select(Invoice).where(
            Invoice.parent_id == demo.parent.id,
            Invoice.status.in_([InvoiceStatus.SENT, InvoiceStatus.VIEWED]),
        )
    ).first()
    VALID_FORMS["tutor.invoice_new"]["student_id"] = str(demo.student.id)
    lesson_ids, homework_id = _lessons_and_homework(demo)
    _raw, device = signins.issue_token(demo.tutor, "CSRF test phone")
    invitation = invitations.invite(demo.tutor, demo.parent)  # the admin list's re-send
    db.session.commit()
    return {
        "admin": {
            "user_id": demo.student.id,
            "enrollment_id": enrollment.id,
            "invitation_id": invitation.id,
        },
        "tutor": {
            "student_id": demo.student.id,
            "enrollment_id": enrollment.id,
            "report_id": tutor_draft.id,
            "invoice_id": draft_invoice.id,
            "lesson_id": lesson_ids["tutor"],
            "user_id": demo.student.id,  # a family member (invitations, password reset)
            "device_id": f"t{device.id}",  # one of the tutor's own devices (an API token)
            "token": "not-a-valid-token",  # an e-mailed link's token
        },
        "teacher": {
            "report_id": (teacher_draft or tutor_draft).id,
            "lesson_id": lesson_ids["teacher"],
            "homework_id": homework_id,
        },
        "student": {"homework_id": homework_id},
        "parent": {
            "notification_id": notification.id,
            "student_id": demo.student.id,
            "report_id": tutor_draft.id,
            "invoice_id": payable.id,
        },
    }


def _lessons_and_homework(demo) -> tuple[dict[str, int], int]:
    """A far-off lesson of the teacher and of the tutor, and a handed-in homework (services)."""
    from datetime import timedelta

    from thebot.extensions import db
    from thebot.models import Enrollment
    from thebot.models.base import utcnow
    from thebot.services.homework import work
    from thebot.services.lessons import schedule

    maths = db.session.scalars(
        select(Enrollment).where(
            Enrollment.student_id == demo.student.id, Enrollment.teacher_id == demo.teacher.id
        )
    ).first()
    start = utcnow().replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=200)
    hour = timedelta(hours=1)
    (by_teacher,) = schedule.schedule_lessons(
        demo.teacher, enrollment_id=maths.id, starts_at=start, ends_at=start + hour
    )
    (by_tutor,) = schedule.schedule_lessons(
        demo.tutor, student_id=demo.student.id, starts_at=start + 2 * hour, ends_at=start + 3 * hour
    )
    homework = work.set_homework(
        demo.teacher, enrollment_id=maths.id, title="Csrf", due_at=start, max_score=10
    )
    work.submit_homework(demo.student, homework.id, text="Done")
    day = (start + timedelta(days=7)).date().isoformat()
    VALID_FORMS["teacher.lesson_new"].update(enrollment_id=str(maths.id), day=day)
    VALID_FORMS["tutor.lesson_new"].update(student_id=str(demo.student.id), day=day)
    VALID_FORMS["teacher.homework_new"].update(enrollment_id=str(maths.id), due_day=day)
    return {"teacher": by_teacher.id, "tutor": by_tutor.id}, homework.id


# Written by the server processes other tests start (heartbeats, their sockets), not by requests.
PROCESS_TABLES = {"server_processes", "socket_connections", "chat_socket_joins"}


def _snapshot(app) -> dict[str, list]:
    """Every row of every table requests write, for comparing before and after."""
    from thebot.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        return {
            table.name: sorted(map(repr, conn.execute(select(table)).all()))
            for table in db.metadata.sorted_tables
            if table.name not in PROCESS_TABLES
        }


def test_the_url_map_has_the_forms_this_test_must_cover(app):
    endpoints = {rule.endpoint for rule, _ in _unsafe_page_rules(app)}
    assert {
        "tutor.new_student",
        "admin.new_user",
        "admin.set_active",
        "auth.logout",
        "main.set_language",
        "notifications.mark_read",
        "tutor.enroll",
    } <= endpoints
    assert len(endpoints) >= 25


def test_every_state_changing_page_route_refuses_a_missing_csrf_token(app, demo, web_factory):
    ids = _real_ids(demo)
    clients = {}
    refused = []
    for rule, method in _unsafe_page_rules(app):
        role = _role_for(rule.rule)
        if role not in clients:
            clients[role] = web_factory()
            assert clients[role].login(role).status_code == 302
        client = clients[role]
        path = ARG.sub(lambda m, role=role: str(ids[role][m.group(1)]), rule.rule)
        before = _snapshot(app)
        response = client.http.open(path, method=method, data=VALID_FORMS.get(rule.endpoint, {}))
        assert response.status_code == 400, (method, path, response.status_code)
        assert "Form expired" in text_of(response), (method, path)
        assert _snapshot(app) == before, (method, path)
        refused.append(rule.endpoint)
    assert "tutor.new_student" in refused and len(refused) >= 25
    # the clients are still signed in: the refusals did not end their sessions either
    assert clients["tutor"].get("/tutor/").status_code == 200


@pytest.mark.parametrize("token", ["", "forged-token", "IjEyMyI.aaaa.bbbb"])
def test_a_wrong_csrf_token_is_refused_like_a_missing_one(demo, web, token):
    web.login("tutor")
    response = web.http.post(
        "/tutor/students/new", data={**VALID_FORMS["tutor.new_student"], "csrf_token": token}
    )
    assert response.status_code == 400 and "Form expired" in text_of(response)
    from thebot.extensions import db
    from thebot.models import User

    assert db.session.scalar(select(User).where(User.full_name == "Csrf Student")) is None


def test_the_same_form_with_its_token_does_create_the_family(demo, web):
    """The control: with the token the refused request above changes the database."""
    from thebot.extensions import db
    from thebot.models import User

    web.login("tutor")
    response = web.post("/tutor/students/new", VALID_FORMS["tutor.new_student"])
    assert response.status_code in (200, 302, 303)
    db.session.expire_all()
    assert db.session.scalar(select(User).where(User.full_name == "Csrf Student")) is not None
