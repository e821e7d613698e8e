"""Invitations instead of passwords on screen (issue 11, point 2) and the tutor's editing of a
student's and parent's details (point 3), over HTTP: the e-mailed link (from the development
log here; through the SMTP sink in tests/e2e/test_invitations_browser.py), single use, expiry,
re-send, a password reset shown once that ends the account's sign-ins, and other tutors' 404."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import select

from tests.support.data import find_user
from tests.support.http import api_token, field_errors, text_of

INVITE_LINK_RE = re.compile(r"http://127\.0\.0\.1:5000(/auth/invite/[A-Za-z0-9_.-]+)")
PASSWORD_RE = re.compile(r'data-test="password">([^<]+)<')
FORM_KEY_RE = re.compile(r'name="form_key" type="hidden" value="([^"]+)"')
FAMILY = {
    "student_name": "Oleg Sidorov",
    "grade": "8",
    "goal": "Geometry",
    "parent_name": "Olga Sidorova",
    "parent_email": "Olga@Example.org",
    "parent_phone": "+7 901 222-33-44",
}


@pytest.fixture
def mail_log(caplog):
    caplog.set_level(logging.INFO, logger="thebot.services.mailer")
    return caplog


@pytest.fixture
def tutor_web(web, demo):
    assert web.login("tutor").status_code == 302
    return web


def mails_to(caplog, address: str) -> list[str]:
    """The logged e-mails (MAIL_SERVER unset) to this address, oldest first."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "thebot.services.mailer" and f"To: {address}\n" in r.getMessage()
    ]


def invite_path(mail: str) -> str:
    match = INVITE_LINK_RE.search(mail)
    assert match, mail
    return match.group(1)


def submit_family(web, data: dict):
    match = FORM_KEY_RE.search(web.get("/tutor/students/new").get_data(as_text=True))
    assert match
    response = web.post("/tutor/students/new", {"form_key": match.group(1), **data})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    return web.get(response.headers["Location"])


def records(user_id: int) -> list[tuple[str, int | None, bool]]:
    from thebot.extensions import db
    from thebot.models import AccountInvitation

    db.session.expire_all()
    return [
        (r.kind, r.actor_id, r.used_at is not None)
        for r in db.session.scalars(
            select(AccountInvitation)
            .where(AccountInvitation.user_id == user_id)
            .order_by(AccountInvitation.id)
        )
    ]


def choose_password(client, path: str, password: str):
    page = client.get(path)
    assert page.status_code == 200 and 'data-test="invite-form"' in page.get_data(as_text=True)
    return client.post(path, {"password": password, "confirm": password})


def test_a_parent_with_an_e_mail_is_invited_and_chooses_a_password(
    tutor_web, web_factory, demo, mail_log
):
    page = submit_family(tutor_web, {**FAMILY, "student_email": "oleg@example.org"})
    html = page.get_data(as_text=True)
    assert not PASSWORD_RE.search(html), "no password is shown for invited accounts"
    assert "An invitation to choose a password was sent to olga@example.org." in text_of(page)
    parent, student = find_user("olga.sidorova"), find_user("oleg.sidorov")
    assert records(parent.id) == [("invite", demo.tutor.id, False)]
    assert records(student.id) == [("invite", demo.tutor.id, False)]
    [mail] = mails_to(mail_log, "olga@example.org")
    assert "Subject: THE BOT: choose your password" in mail
    assert "Your username: olga.sidorova" in mail and "Tatiana Smirnova" in mail
    assert len(mails_to(mail_log, "oleg@example.org")) == 1
    path = invite_path(mail)
    visitor = web_factory()
    answer = visitor.post(path, {"password": "short", "confirm": "short"})
    assert answer.status_code == 400 and "password" in field_errors(answer)
    answer = visitor.post(path, {"password": "chosen-secret-1", "confirm": "different-2"})
    assert field_errors(answer) == {"confirm": ["The passwords differ."]}
    answer = choose_password(visitor, path, "chosen-secret-1")
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/auth/login")
    assert "chosen-secret-1" not in find_user("olga.sidorova").password_hash
    assert records(parent.id) == [("invite", demo.tutor.id, True)]
    # single use
    again = visitor.get(path)
    assert again.status_code == 404 and 'data-test="invite-gone"' in again.get_data(as_text=True)
    assert visitor.post(path, {"password": "x" * 10, "confirm": "x" * 10}).status_code == 404
    # the chosen password signs in, by e-mail too, and the parent sees the child
    person = web_factory()
    assert person.login("olga@example.org", "chosen-secret-1").status_code == 302
    assert "Oleg Sidorov" in text_of(person.get("/parent/"))


def test_accounts_without_an_e_mail_still_get_credentials_shown_once(
    tutor_web, web_factory, mail_log
):
    page = submit_family(tutor_web, FAMILY)  # the parent has an e-mail, the student none
    html = page.get_data(as_text=True)
    assert 'data-test="credentials-student"' in html and 'data-test="invited-parent"' in html
    assert 'data-test="credentials-parent"' not in html
    [password] = PASSWORD_RE.findall(html)
    assert web_factory().login("oleg.sidorov", password).status_code == 302
    assert len(mails_to(mail_log, "olga@example.org")) == 1
    assert records(find_user("oleg.sidorov").id) == []


def test_an_invitation_link_expires(tutor_web, web_factory, app, mail_log, monkeypatch):
    submit_family(tutor_web, FAMILY)
    path = invite_path(mails_to(mail_log, "olga@example.org")[0])
    monkeypatch.setitem(app.config, "INVITATION_TTL_SECONDS", -1)
    visitor = web_factory()
    assert visitor.get(path).status_code == 404
    before = find_user("olga.sidorova").password_hash
    answer = visitor.post(path, {"password": "chosen-secret-1", "confirm": "chosen-secret-1"})
    assert answer.status_code == 404 and find_user("olga.sidorova").password_hash == before
    assert visitor.get("/auth/invite/garbage").status_code == 404


def test_a_re_sent_invitation_replaces_the_earlier_link(tutor_web, web_factory, demo, mail_log):
    submit_family(tutor_web, FAMILY)
    parent, student = find_user("olga.sidorova"), find_user("oleg.sidorov")
    first = invite_path(mails_to(mail_log, "olga@example.org")[0])
    answer = tutor_web.post(f"/tutor/students/{student.id}/members/{parent.id}/invite")
    assert answer.status_code == 302
    page = text_of(tutor_web.get(answer.headers["Location"]))
    assert "The invitation is sent to olga@example.org." in page
    assert "invitation re-sent" in page
    assert records(parent.id) == [
        ("invite", demo.tutor.id, False),
        ("resend", demo.tutor.id, False),
    ]
    mails = mails_to(mail_log, "olga@example.org")
    assert len(mails) == 2
    visitor = web_factory()
    assert visitor.get(first).status_code == 404
    assert choose_password(visitor, invite_path(mails[1]), "chosen-secret-2").status_code == 303
    assert web_factory().login("olga.sidorova", "chosen-secret-2").status_code == 302


def test_a_tutor_cannot_re_send_to_a_deactivated_family_member(tutor_web, demo, mail_log):
    from thebot.services import accounts

    submit_family(tutor_web, FAMILY)
    parent, student = find_user("olga.sidorova"), find_user("oleg.sidorov")
    accounts.set_active(demo.admin, parent.id, False)
    answer = tutor_web.post(f"/tutor/students/{student.id}/members/{parent.id}/invite")
    # Back to the student page, told why.
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/tutor/students/{student.id}")
    page = text_of(tutor_web.get(answer.headers["Location"]))
    assert "This account is not active: an invitation would not work." in page
    assert records(parent.id) == [("invite", demo.tutor.id, False)]
    assert len(mails_to(mail_log, "olga@example.org")) == 1


def test_a_password_reset_is_shown_once_and_ends_the_accounts_sign_ins(
    tutor_web, web_factory, demo, mail_log
):
    parent = web_factory()
    assert parent.login("parent").status_code == 302
    token = api_token(demo.parent)
    assert parent.api("GET", "/api/v1/me", token=token).status_code == 200
    answer = tutor_web.post(f"/tutor/students/{demo.student.id}/members/{demo.parent.id}/password")
    # Post/Redirect/Get: the POST answers with a redirect, never with the password
    assert answer.status_code == 303 and not PASSWORD_RE.findall(answer.get_data(as_text=True))
    reveal = answer.headers["Location"]
    assert reveal.startswith(f"/tutor/students/{demo.student.id}/password-resets/")
    # the reset happened at the POST: the old sign-in and token are gone already
    assert parent.get("/parent/").status_code == 302
    assert parent.api("GET", "/api/v1/me", token=token).status_code == 401
    shown = tutor_web.get(reveal)
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    [password] = PASSWORD_RE.findall(shown.get_data(as_text=True))
    hash_after_reveal = find_user("parent").password_hash
    assert len(password) >= 8 and password not in hash_after_reveal
    assert records(demo.parent.id) == [("password_reset", demo.tutor.id, True)]
    # a reload (or Back) shows no password and resets nothing
    again = tutor_web.get(reveal)
    assert again.status_code == 200 and again.headers["Cache-Control"] == "no-store"
    page = text_of(again)
    assert not PASSWORD_RE.findall(again.get_data(as_text=True)) and password not in page
    assert "This new password was shown once already" in page and demo.parent.username in page
    assert find_user("parent").password_hash == hash_after_reveal
    assert records(demo.parent.id) == [("password_reset", demo.tutor.id, True)]
    # the shown password signs in, and the student page does not show it
    assert web_factory().login("parent", password).status_code == 302
    page = tutor_web.get(f"/tutor/students/{demo.student.id}").get_data(as_text=True)
    assert password not in page and "password reset" in page


def test_a_password_reset_page_is_only_its_tutors_and_expires(
    tutor_web, web_factory, demo, make_user
):
    from datetime import timedelta

    from thebot.extensions import db
    from thebot.models import AccountInvitation
    from thebot.services import invitations

    sid, pid = demo.student.id, demo.parent.id
    reveal = tutor_web.post(f"/tutor/students/{sid}/members/{pid}/password").headers["Location"]
    before = find_user("parent").password_hash
    make_user("tutor", "other-tutor3", full_name="Other Tutor")
    other = web_factory()
    assert other.login("other-tutor3").status_code == 302
    answer = other.get(reveal)
    assert answer.status_code == 404 and not PASSWORD_RE.findall(answer.get_data(as_text=True))
    # the same reset under a student of the tutor's whose family the parent is not in: 404
    record_id = reveal.rsplit("/", 1)[1]
    assert (
        tutor_web.get(f"/tutor/students/{demo.student4.id}/password-resets/{record_id}").status_code
        == 404
    )
    assert find_user("parent").password_hash == before
    assert records(pid) == [("password_reset", demo.tutor.id, False)]
    # past RESET_REVEAL_TTL the page shows no password and the unknown one stays
    record = db.session.get(AccountInvitation, int(record_id))
    record.created_at -= invitations.RESET_REVEAL_TTL + timedelta(seconds=1)
    db.session.commit()
    late = tutor_web.get(reveal)
    assert late.status_code == 200 and not PASSWORD_RE.findall(late.get_data(as_text=True))
    assert find_user("parent").password_hash == before


def test_tutor_edits_the_student_and_the_parent(tutor_web, demo):
    sid = demo.student.id
    answer = tutor_web.post(
        f"/tutor/students/{sid}/edit", {"full_name": "Ivan Petrov Jr", "grade": "9", "goal": "OGE"}
    )
    assert answer.status_code == 302
    student = find_user(demo.student.username)
    assert (student.full_name, student.student_profile.grade, student.student_profile.goal) == (
        "Ivan Petrov Jr",
        9,
        "OGE",
    )
    answer = tutor_web.post(
        f"/tutor/students/{sid}/parent/edit",
        {"full_name": "Maria Petrova", "email": "Maria@Example.ORG", "phone": "+7 900 1"},
    )
    assert answer.status_code == 302
    parent = find_user(demo.parent.username)
    assert (parent.full_name, parent.email, parent.parent_profile.phone) == (
        "Maria Petrova",
        "maria@example.org",
        "+7 900 1",
    )
    assert "Ivan Petrov Jr" in text_of(tutor_web.get(f"/tutor/students/{sid}"))


def test_tutor_edit_errors_are_shown_and_change_nothing(tutor_web, demo):
    sid = demo.student.id
    before = find_user(demo.parent.username)
    name, email = before.full_name, before.email
    answer = tutor_web.post(f"/tutor/students/{sid}/edit", {"full_name": "", "grade": "13"})
    assert answer.status_code == 400
    assert set(field_errors(answer)) == {"full_name", "grade"}
    answer = tutor_web.post(
        f"/tutor/students/{sid}/parent/edit",
        {"full_name": "New Name", "email": demo.tutor.email or "tutor@thebot.local"},
    )
    assert answer.status_code == 400
    assert field_errors(answer) == {"email": ["This e-mail is used by another account."]}
    answer = tutor_web.post(f"/tutor/students/{sid}/parent/edit", {"full_name": "N", "email": "x"})
    assert field_errors(answer) == {"email": ["Enter a valid e-mail address."]}
    after = find_user(demo.parent.username)
    assert (after.full_name, after.email) == (name, email)


def test_other_tutors_students_are_not_found(web, demo, make_user):
    make_user("tutor", "other-tutor", full_name="Other Tutor")
    assert web.login("other-tutor").status_code == 302
    sid, pid = demo.student.id, demo.parent.id
    for path, data in (
        (f"/tutor/students/{sid}/edit", {"full_name": "Hacked"}),
        (f"/tutor/students/{sid}/parent/edit", {"full_name": "Hacked"}),
        (f"/tutor/students/{sid}/members/{pid}/invite", {}),
        (f"/tutor/students/{sid}/members/{pid}/password", {}),
    ):
        assert web.post(path, data).status_code == 404, path
    assert find_user(demo.parent.username).full_name != "Hacked"
    assert find_user(demo.student.username).full_name != "Hacked"
    assert records(pid) == []


def test_the_service_keeps_tutors_to_their_own_families(ctx, demo, make_user):
    from thebot.services import accounts
    from thebot.services.errors import Forbidden, NotFound

    other = make_user("tutor", "other-tutor2", full_name="Other Tutor")
    with pytest.raises(NotFound):
        accounts.update_user(other, demo.parent.id, full_name="X", email=None)
    with pytest.raises(NotFound):
        accounts.update_user(demo.tutor, demo.teacher.id, full_name="X", email=None)
    with pytest.raises(Forbidden):
        accounts.update_user(
            demo.tutor, demo.parent.id, full_name="X", email=None, password="new-password-1"
        )
    with pytest.raises(Forbidden):
        accounts.update_user(demo.tutor, demo.student.id, full_name="X", email="kid@example.org")
