"""Removing an account (issue 11 point 5), through the admin's pages and DELETE
/api/v1/admin/users/<id>: the row stays as a tombstone named "Deleted user" (in the reader's
language), its messages, reports and lessons stay readable by the others, every link to it
empties (the student stays), its memberships and credentials end; an account with invoices is
refused with the reason and deactivation is offered, and nothing changes."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from tests.support import PASSWORD
from tests.support.data import draft_report
from tests.support.http import api_token, text_of
from tests.support.realtime import subject_room, tutor_room
from thebot.extensions import db
from thebot.models import (
    ApiToken,
    CalendarFeed,
    ChatMember,
    ChatMessage,
    Enrollment,
    LoginSession,
    Notification,
    StudentProfile,
    User,
)
from thebot.models.base import utcnow

RU = {"Accept-Language": "ru"}


@pytest.fixture
def school(family, make_user):
    """The family (admin, tutor, parent, student) plus a Maths teacher and enrollment, a message
    from each of tutor, parent and teacher, a report the tutor sent and a lesson they set."""
    from thebot.services import learning
    from thebot.services.chat import messages
    from thebot.services.lessons import calendar, schedule
    from thebot.services.reports import writing

    f = family
    f.teacher = make_user("teacher", full_name="Mark Maths", subjects="Maths")
    maths = learning.create_subject(f.admin, "Maths")
    f.enrollment = learning.enroll(
        f.admin, student_id=f.student.id, subject_id=maths.id, teacher_id=f.teacher.id
    )
    f.tutor_room = tutor_room(f.student)
    f.maths_room = subject_room(f.student, "Maths")
    messages.send_message(f.tutor, f.tutor_room, "Homework is on page 12.")
    messages.send_message(f.parent, f.tutor_room, "Thank you!")
    messages.send_message(f.teacher, f.maths_room, "See you on Monday.")
    f.report = draft_report(f.tutor, f.student, "Fractions are solid now.")
    writing.send_report(f.tutor, f.report.id)
    start = utcnow().replace(microsecond=0) + timedelta(days=10)
    (f.lesson,) = schedule.schedule_lessons(
        f.tutor, student_id=f.student.id, starts_at=start, ends_at=start + timedelta(hours=1)
    )
    calendar.feed_url_for(f.tutor)
    return f


@pytest.fixture
def admin_web(web, school):
    assert web.login(school.admin.username).status_code == 302
    return web


def fresh(user) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def members(room_id: int) -> set[int]:
    return set(db.session.scalars(select(ChatMember.user_id).where(ChatMember.room_id == room_id)))


def profile_of(student) -> StudentProfile:
    db.session.expire_all()
    return db.session.get(StudentProfile, student.id)


def remove_through_page(admin_web, user):
    page = admin_web.get(f"/admin/users/{user.id}/delete")
    assert page.status_code == 200
    assert 'shown as from "Deleted user"' in text_of(page)
    return admin_web.post(f"/admin/users/{user.id}/delete")


def history(web, room_id: int, **headers) -> list[dict]:
    answer = web.get(f"/api/v1/chat/rooms/{room_id}/messages", headers=headers)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["messages"]


def make_invoice(tutor, student):
    from thebot.services.billing import invoices

    return invoices.create_invoice(
        tutor,
        student_id=student.id,
        amount="1500.00",
        description="Lessons in October",
        due_date=date.today() + timedelta(days=7),
    )


# --- a tutor removed ----------------------------------------------------------------------------


def test_a_removed_tutor_is_erased_and_what_they_wrote_stays_as_deleted_user(
    admin_web, school, web_factory, caplog
):
    tutor_id = school.tutor.id
    tutor_token = api_token(school.tutor)
    username, email = school.tutor.username, school.tutor.email
    with caplog.at_level("INFO", logger="thebot.services.removal"):
        answer = remove_through_page(admin_web, school.tutor)
    # Who removed whom is logged, by ids only.
    (line,) = [r.getMessage() for r in caplog.records if r.name == "thebot.services.removal"]
    assert line == f"account {tutor_id} (tutor) removed by admin {school.admin.id}"
    assert username not in caplog.text and email not in caplog.text
    assert answer.status_code == 302
    assert "The account is removed." in text_of(admin_web.get(answer.headers["Location"]))

    tutor = fresh(school.tutor)
    assert tutor.username == f"deleted-{tutor_id}"
    assert tutor.email is None and tutor.stored_name == ""
    assert tutor.active is False and tutor.deleted_at is not None
    assert tutor.tutor_profile.bio == "" and tutor.tutor_profile.subjects == ""
    assert tutor.full_name == "Deleted user"
    assert db.session.get(CalendarFeed, tutor_id) is None
    # Every credential ended; the token answers 401.
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(ApiToken)
            .where(ApiToken.user_id == tutor_id, ApiToken.revoked_at.is_(None))
        )
        == 0
    )
    me = admin_web.api("GET", "/api/v1/me", token=tutor_token)
    assert me.status_code == 401 and me.get_json()["error"]["code"] == "unauthorized"
    # The student stays, with an empty tutor link; the parent link is untouched.
    profile = profile_of(school.student)
    assert profile.tutor_id is None and profile.parent_id == school.parent.id
    assert fresh(school.student).active is True
    # The tutor left the tutor room; its messages stay, shown as from "Deleted user".
    assert tutor_id not in members(school.tutor_room)
    assert {school.student.id, school.parent.id} <= members(school.tutor_room)
    assert (
        db.session.scalar(
            select(func.count()).select_from(ChatMessage).where(ChatMessage.sender_id == tutor_id)
        )
        == 1
    )

    parent = web_factory()
    parent.login(school.parent.username)
    english = history(parent, school.tutor_room)
    by_tutor = next(m for m in english if m["content"] == "Homework is on page 12.")
    assert by_tutor["sender"] == {"id": tutor_id, "full_name": "Deleted user", "role": "tutor"}
    russian = history(parent, school.tutor_room, **RU)
    by_tutor = next(m for m in russian if m["content"] == "Homework is on page 12.")
    assert by_tutor["sender"]["full_name"] == "Удалённый пользователь"
    assert "Tess Tutor" not in parent.get("/api/v1/chat/rooms").get_data(as_text=True)

    # The report the tutor sent stays readable by the parent, from "Deleted user".
    report = parent.get(f"/parent/reports/{school.report.id}")
    assert report.status_code == 200
    assert "Fractions are solid now." in text_of(report)
    assert "Deleted user" in text_of(report) and "Tess Tutor" not in text_of(report)
    assert "Удалённый пользователь" in text_of(
        parent.get(f"/parent/reports/{school.report.id}", headers=RU)
    )
    # The lesson stays readable, its tutor "Deleted user"; not yet held, it is cancelled and
    # the family is told.
    lesson = parent.api("GET", f"/api/v1/lessons/{school.lesson.id}")
    assert lesson.status_code == 200
    assert lesson.get_json()["tutor"] == {"id": tutor_id, "full_name": "Deleted user"}
    assert lesson.get_json()["status"] == "cancelled"
    notes = parent.api("GET", "/api/v1/notifications").get_json()["notifications"]
    assert [n["kind"] for n in notes].count("lesson_cancelled") == 1


def test_a_removed_tutor_cannot_sign_in_the_answer_is_that_of_a_wrong_password(
    admin_web, school, web_factory
):
    username = school.tutor.username
    email = school.tutor.email
    remove_through_page(admin_web, school.tutor)

    wrong, removed = web_factory(), web_factory()
    wrong_page = wrong.login(school.parent.username, "not-the-password")
    removed_page = removed.login(username, PASSWORD)
    assert removed_page.status_code == wrong_page.status_code == 200
    assert text_of(removed_page) == text_of(wrong_page)
    bounced = removed.get("/tutor/")
    assert bounced.status_code == 302  # not signed in
    assert urlsplit(bounced.headers["Location"]).path == "/auth/login"

    for login in (username, email, f"deleted-{school.tutor.id}"):
        answer = removed.api(
            "POST", "/api/v1/auth/login", json={"login": login, "password": PASSWORD}
        )
        wrong_answer = wrong.api(
            "POST", "/api/v1/auth/login", json={"login": "nobody-at-all", "password": PASSWORD}
        )
        assert answer.status_code == wrong_answer.status_code == 401
        assert answer.get_json() == wrong_answer.get_json()


def test_the_removed_account_leaves_lists_pickers_and_the_login_search(admin_web, school):
    from thebot.services import accounts, people

    remove_through_page(admin_web, school.parent)
    listing = text_of(admin_web.get("/admin/users"))
    assert "Paula Parent" not in listing and f"deleted-{school.parent.id}" not in listing
    removed = text_of(admin_web.get("/admin/users?removed=1"))
    assert f"deleted-{school.parent.id}" in removed and "Deleted user" in removed
    assert "Tess Tutor" not in removed
    assert school.parent.id not in {u.id for u in accounts.users_by_role(school.parent.role)}
    assert people.find_by_login(f"deleted-{school.parent.id}") is None
    student_page = text_of(admin_web.get(f"/admin/users/{school.student.id}"))
    assert "Deleted user" not in student_page and "Paula Parent" not in student_page
    tombstone = admin_web.get(f"/admin/users/{school.parent.id}")
    assert "This account was deleted on" in text_of(tombstone)
    assert 'data-test="edit-user"' not in tombstone.get_data(as_text=True)
    # A removed account is never edited or reactivated.
    again = admin_web.post(f"/admin/users/{school.parent.id}/active", {"active": "1"})
    assert again.status_code == 404
    assert fresh(school.parent).active is False


# --- a parent removed ---------------------------------------------------------------------------


def test_a_removed_parent_leaves_the_student_with_an_empty_link_and_the_rooms(
    admin_web, school, web_factory
):
    parent_id = school.parent.id
    assert parent_id in members(school.tutor_room) and parent_id in members(school.maths_room)
    assert remove_through_page(admin_web, school.parent).status_code == 302

    profile = profile_of(school.student)
    assert profile.parent_id is None and profile.tutor_id == school.tutor.id
    assert parent_id not in members(school.tutor_room)
    assert parent_id not in members(school.maths_room)
    assert school.tutor.id in members(school.tutor_room)
    parent = fresh(school.parent)
    assert parent.parent_profile.phone == "" and parent.deleted_at is not None
    assert (
        db.session.scalar(
            select(func.count()).select_from(Notification).where(Notification.user_id == parent_id)
        )
        == 0
    )

    # The student still signs in and reads their rooms, the parent's words as "Deleted user".
    student = web_factory()
    assert student.login(school.student.username).status_code == 302
    thanks = next(m for m in history(student, school.tutor_room) if m["content"] == "Thank you!")
    assert thanks["sender"]["full_name"] == "Deleted user"
    # The tutor's student page no longer names a parent.
    tutor = web_factory()
    tutor.login(school.tutor.username)
    page = text_of(tutor.get(f"/tutor/students/{school.student.id}"))
    assert "Sam Student" in page and "Paula Parent" not in page


def test_a_removed_second_guardian_leaves_the_family_and_the_rooms(admin_web, school):
    from thebot.services import links

    links.set_links(school.admin, school.student.id, guardian_id=school.other_parent.id)
    guardian_id = school.other_parent.id
    assert guardian_id in members(school.tutor_room) and guardian_id in members(school.maths_room)
    assert remove_through_page(admin_web, school.other_parent).status_code == 302

    profile = profile_of(school.student)
    assert (profile.parent_id, profile.guardian_id) == (school.parent.id, None)
    assert guardian_id not in members(school.tutor_room) | members(school.maths_room)
    assert school.parent.id in members(school.tutor_room) & members(school.maths_room)


def test_a_removed_primary_parent_leaves_the_second_guardian_as_the_parent(admin_web, school):
    from thebot.services import links

    links.set_links(school.admin, school.student.id, guardian_id=school.other_parent.id)
    assert remove_through_page(admin_web, school.parent).status_code == 302

    profile = profile_of(school.student)
    assert (profile.parent_id, profile.guardian_id) == (school.other_parent.id, None)
    assert school.parent.id not in members(school.tutor_room) | members(school.maths_room)
    assert school.other_parent.id in members(school.tutor_room) & members(school.maths_room)


# --- a student and a teacher removed ------------------------------------------------------------


def test_a_removed_student_ends_their_enrollments_and_links(admin_web, school):
    student_id = school.student.id
    assert remove_through_page(admin_web, school.student).status_code == 302

    db.session.expire_all()
    enrollment = db.session.get(Enrollment, school.enrollment.id)
    assert enrollment.is_active is False and enrollment.ended_at is not None
    profile = profile_of(school.student)
    assert (profile.tutor_id, profile.parent_id, profile.guardian_id) == (None, None, None)
    assert profile.goal == "" and profile.grade is None
    assert student_id not in members(school.tutor_room)
    assert school.tutor.id not in members(school.tutor_room)
    assert school.parent.id not in members(school.maths_room)
    # Nobody links the removed student again (the form is gone; a POST is refused).
    relink = admin_web.post(
        f"/admin/users/{student_id}/links",
        {"tutor_id": school.tutor.id, "parent_id": school.parent.id},
    )
    assert relink.status_code == 400 and "No such student." in text_of(relink)
    assert profile_of(school.student).tutor_id is None
    # The tutor, the parent and the teacher are untouched.
    for other in (school.tutor, school.parent, school.teacher):
        assert fresh(other).active is True and fresh(other).deleted_at is None


def test_a_removed_teacher_ends_their_enrollments_and_rooms_turn_read_only(
    admin_web, school, web_factory
):
    assert remove_through_page(admin_web, school.teacher).status_code == 302
    db.session.expire_all()
    assert db.session.get(Enrollment, school.enrollment.id).is_active is False
    student = web_factory()
    student.login(school.student.username)
    room = student.api("GET", f"/api/v1/chat/rooms/{school.maths_room}").get_json()["room"]
    assert room["read_only"] is True and room["can_post"] is False
    assert [m["full_name"] for m in room["members"] if m["id"] == school.teacher.id] == []
    said = next(
        m for m in history(student, school.maths_room) if m["content"] == "See you on Monday."
    )
    assert said["sender"]["full_name"] == "Deleted user"
    assert fresh(school.student).deleted_at is None


def test_a_direct_room_names_the_removed_person_deleted_user(admin_web, school, web_factory):
    from thebot.services.chat import rooms

    room = rooms.open_direct_room(school.parent, school.tutor.id)
    db.session.commit()
    remove_through_page(admin_web, school.tutor)
    parent = web_factory()
    parent.login(school.parent.username)
    described = parent.api("GET", f"/api/v1/chat/rooms/{room['id']}").get_json()["room"]
    assert described["title"] == "Deleted user" and described["read_only"] is True
    russian = parent.api("GET", f"/api/v1/chat/rooms/{room['id']}", headers=RU).get_json()["room"]
    assert russian["title"] == "Удалённый пользователь"


# --- refused: financial records -----------------------------------------------------------------


def test_an_account_with_invoices_is_refused_with_the_reason_and_deactivation_offered(
    admin_web, school
):
    make_invoice(school.tutor, school.student)
    before = (fresh(school.parent).username, members(school.tutor_room))

    page = admin_web.get(f"/admin/users/{school.parent.id}/delete")
    assert page.status_code == 200
    assert "This account has 1 invoice; deactivate it instead." in text_of(page)
    assert "Deactivate instead" in text_of(page)
    assert 'data-test="remove-user"' not in page.get_data(as_text=True)
    russian = text_of(admin_web.get(f"/admin/users/{school.parent.id}/delete", headers=RU))
    assert "1 счёт" in russian and "Деактивировать вместо удаления" in russian

    refused = admin_web.post(f"/admin/users/{school.parent.id}/delete")
    assert refused.status_code == 409
    assert "This account has 1 invoice; deactivate it instead." in text_of(refused)
    parent = fresh(school.parent)
    assert parent.deleted_at is None and parent.active is True
    assert (parent.username, members(school.tutor_room)) == before
    assert profile_of(school.student).parent_id == school.parent.id

    # The offered deactivation works (the existing route).
    admin_web.post(f"/admin/users/{school.parent.id}/active", {"active": "0"})
    assert fresh(school.parent).active is False and fresh(school.parent).deleted_at is None


def test_the_api_refuses_an_account_with_invoices_with_409_and_the_counts(web, school):
    make_invoice(school.tutor, school.student)
    token = api_token(school.admin)
    for who in (school.tutor, school.student, school.parent):
        answer = web.api("DELETE", f"/api/v1/admin/users/{who.id}", token=token)
        assert answer.status_code == 409
        assert answer.get_json() == {
            "error": {
                "code": "has_financial_records",
                "message": "This account has 1 invoice; deactivate it instead.",
                "details": {"invoices": 1, "payments": 0},
            }
        }
        assert fresh(who).deleted_at is None and fresh(who).active is True
    # The teacher has none: removed.
    assert (
        web.api("DELETE", f"/api/v1/admin/users/{school.teacher.id}", token=token).status_code
        == 204
    )
    assert fresh(school.teacher).deleted_at is not None


# --- the API, 404s, permissions, CSRF -----------------------------------------------------------


def test_api_delete_removes_and_answers_204_then_404(web, school):
    token = api_token(school.admin)
    answer = web.api("DELETE", f"/api/v1/admin/users/{school.parent.id}", token=token)
    assert answer.status_code == 204 and answer.get_data() == b""
    assert fresh(school.parent).full_name == "Deleted user"
    again = web.api("DELETE", f"/api/v1/admin/users/{school.parent.id}", token=token)
    assert again.status_code == 404 and again.get_json()["error"]["code"] == "not_found"
    unknown = web.api("DELETE", "/api/v1/admin/users/999999", token=token)
    assert unknown.status_code == 404
    own = web.api("DELETE", f"/api/v1/admin/users/{school.admin.id}", token=token)
    assert own.status_code == 409 and own.get_json()["error"]["code"] == "conflict"
    assert fresh(school.admin).deleted_at is None


def test_nobody_but_an_admin_removes_and_nothing_changes(web, school, web_factory):
    for who in (school.tutor, school.parent, school.teacher, school.student):
        token = api_token(who)
        answer = web.api("DELETE", f"/api/v1/admin/users/{school.other_parent.id}", token=token)
        assert answer.status_code == 403
        assert answer.get_json()["error"]["code"] == "forbidden"
        browser = web_factory()
        browser.login(who.username)
        assert browser.get(f"/admin/users/{school.other_parent.id}/delete").status_code == 403
        assert browser.post(f"/admin/users/{school.other_parent.id}/delete").status_code == 403
    assert fresh(school.other_parent).deleted_at is None


def test_the_pages_404_for_unknown_or_removed_and_refuse_self(admin_web, school):
    assert admin_web.get("/admin/users/999999/delete").status_code == 404
    assert admin_web.post("/admin/users/999999/delete").status_code == 404
    remove_through_page(admin_web, school.other_parent)
    assert admin_web.get(f"/admin/users/{school.other_parent.id}/delete").status_code == 404
    assert admin_web.post(f"/admin/users/{school.other_parent.id}/delete").status_code == 404
    own = admin_web.post(f"/admin/users/{school.admin.id}/delete", follow_redirects=True)
    assert "You cannot remove your own account." in text_of(own)
    assert fresh(school.admin).deleted_at is None


def test_the_delete_form_needs_its_csrf_token(admin_web, school):
    answer = admin_web.post(f"/admin/users/{school.parent.id}/delete", csrf=False)
    assert answer.status_code == 400
    assert fresh(school.parent).deleted_at is None
    session_api = admin_web.api("DELETE", f"/api/v1/admin/users/{school.parent.id}")
    assert session_api.status_code == 400  # a browser-session caller needs X-CSRFToken
    assert fresh(school.parent).deleted_at is None
    with_token = admin_web.api("DELETE", f"/api/v1/admin/users/{school.parent.id}", csrf=True)
    assert with_token.status_code == 204


def test_the_user_page_offers_delete_account_but_not_for_oneself(admin_web, school):
    page = admin_web.get(f"/admin/users/{school.parent.id}").get_data(as_text=True)
    assert f'href="/admin/users/{school.parent.id}/delete"' in page
    own = admin_web.get(f"/admin/users/{school.admin.id}").get_data(as_text=True)
    assert "/delete" not in own


def test_an_old_sign_in_of_the_removed_account_ends(admin_web, school, web_factory):
    tutor = web_factory()
    assert tutor.login(school.tutor.username).status_code == 302
    assert tutor.get("/tutor/").status_code == 200
    remove_through_page(admin_web, school.tutor)
    assert tutor.get("/tutor/").status_code == 302
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(LoginSession)
            .where(LoginSession.user_id == school.tutor.id, LoginSession.ended_at.is_(None))
        )
        == 0
    )
