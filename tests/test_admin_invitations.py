"""The administrator's invitations list (issue 11, point 2: every invitation, re-send and
password reset is recorded) over HTTP: who, for which account, by whom, when and what became
of it; a re-send from a row (POST + CSRF, through services/invitations.py) e-mails a working
link and replaces the earlier one; nobody else may see or use the page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.support.data import find_user
from tests.support.http import text_of
from tests.test_invitations import choose_password, invite_path, mails_to

ROW_RE = re.compile(r'<tr data-test="invitation-(\d+)">(.*?)</tr>', re.S)
STATUS_RE = re.compile(r'data-test="status">\s*<span class="badge[^"]*">([^<]+)</span>')
KIND_RE = re.compile(r'data-test="kind">([^<]+)<')


@pytest.fixture
def mail_log(caplog):
    import logging

    caplog.set_level(logging.INFO, logger="thebot.services.mailer")
    return caplog


@pytest.fixture
def admin_web(web, demo):
    assert web.login("admin").status_code == 302
    return web


def _family(tutor, parent_name: str, parent_email: str, student_name: str, student_email=None):
    from thebot.services import families

    return families.create_family(
        tutor,
        student_name=student_name,
        grade=7,
        goal="",
        parent_name=parent_name,
        parent_email=parent_email,
        parent_phone="",
        student_email=student_email,
    )


def _rows(response) -> dict[int, dict[str, str]]:
    """The list's rows by invitation id: kind, status and the row's text."""
    rows = {}
    for rid, html in ROW_RE.findall(response.get_data(as_text=True)):
        status = STATUS_RE.search(html)
        rows[int(rid)] = {
            "kind": KIND_RE.search(html).group(1),
            "status": status.group(1) if status else "",
            "html": html,
        }
    return rows


def _invitation_count() -> int:
    from thebot.extensions import db
    from thebot.models import AccountInvitation

    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(AccountInvitation))


def _ids(user) -> list[int]:
    from thebot.extensions import db
    from thebot.models import AccountInvitation

    return list(
        db.session.scalars(
            select(AccountInvitation.id)
            .where(AccountInvitation.user_id == user.id)
            .order_by(AccountInvitation.id)
        )
    )


@pytest.fixture
def recorded(demo, app, web_factory, mail_log):
    """One row of each status: sent, used, expired, replaced, a password reset not shown."""
    from thebot.extensions import db
    from thebot.models import AccountInvitation
    from thebot.services import invitations

    _family(demo.tutor, "Olga Sidorova", "olga@example.org", "Oleg Sidorov", "oleg@example.org")
    _family(demo.tutor, "Pavel Late", "pavel@example.org", "Petr Late")
    olga, oleg, pavel = (find_user(u) for u in ("olga.sidorova", "oleg.sidorov", "pavel.late"))
    [olga_mail] = mails_to(mail_log, "olga@example.org")
    # Oleg uses his link; Pavel's expired; a student's password is reset (not shown yet)
    [mail] = mails_to(mail_log, "oleg@example.org")
    assert choose_password(web_factory(), invite_path(mail), "chosen-secret-1").status_code == 303
    [late] = _ids(pavel)
    record = db.session.get(AccountInvitation, late)
    record.created_at -= timedelta(seconds=app.config["INVITATION_TTL_SECONDS"] + 60)
    db.session.commit()
    invitations.reset_member_password(demo.tutor, demo.student4.id, demo.student4.id)
    # (caplog keeps this setup's records apart: a test's mails_to sees only its own mails)
    return {"olga": olga, "oleg": oleg, "pavel": pavel, "olga_link": invite_path(olga_mail)}


def test_the_admin_sees_every_invitation_with_its_status(admin_web, demo, recorded):
    page = admin_web.get("/admin/invitations")
    assert page.status_code == 200
    rows = _rows(page)
    [olga_row] = _ids(recorded["olga"])
    [oleg_row] = _ids(recorded["oleg"])
    [pavel_row] = _ids(recorded["pavel"])
    [reset_row] = _ids(demo.student4)
    assert {rid: (r["kind"], r["status"]) for rid, r in rows.items()} == {
        olga_row: ("invited", "link sent"),
        oleg_row: ("invited", "link used"),
        pavel_row: ("invited", "link expired"),
        reset_row: ("password reset", "password not shown"),
    }
    assert list(rows) == sorted(rows, reverse=True), "newest first"
    assert "Olga Sidorova" in rows[olga_row]["html"] and "olga.sidorova" in rows[olga_row]["html"]
    assert demo.tutor.full_name in rows[olga_row]["html"], "created by"
    assert demo.student4.username in rows[reset_row]["html"]
    # a re-send button (a CSRF form) on invitations to active accounts with an e-mail only
    assert f"/admin/invitations/{olga_row}/resend" in rows[olga_row]["html"]
    assert 'name="csrf_token"' in rows[olga_row]["html"]
    assert "/resend" not in rows[reset_row]["html"]
    # the admin menu links to it
    assert 'href="/admin/invitations"' in admin_web.get("/admin/").get_data(as_text=True)


def test_a_re_send_e_mails_a_new_link_that_replaces_the_old_one(
    admin_web, web_factory, demo, recorded, mail_log
):
    olga = recorded["olga"]
    [first] = _ids(olga)
    answer = admin_web.post(f"/admin/invitations/{first}/resend")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/admin/invitations")
    page = admin_web.get(answer.headers["Location"])
    assert "The invitation is sent to olga@example.org." in text_of(page)
    [_, second] = _ids(olga)
    rows = _rows(page)
    assert (rows[first]["status"], rows[second]["status"]) == (
        "replaced by a later link",
        "link sent",
    )
    assert rows[second]["kind"] == "invitation re-sent"
    assert demo.admin.full_name in rows[second]["html"]
    [new_mail] = mails_to(mail_log, "olga@example.org")
    visitor = web_factory()
    assert visitor.get(recorded["olga_link"]).status_code == 404
    assert choose_password(visitor, invite_path(new_mail), "chosen-secret-2").status_code == 303
    assert web_factory().login("olga.sidorova", "chosen-secret-2").status_code == 302
    assert _rows(admin_web.get("/admin/invitations"))[second]["status"] == "link used"


def test_a_re_send_is_refused_for_a_deactivated_account_and_unknown_ids(
    admin_web, demo, recorded, mail_log
):
    from thebot.services import accounts

    pavel = recorded["pavel"]
    [row] = _ids(pavel)
    accounts.set_active(demo.admin, pavel.id, False)
    before = _invitation_count()
    answer = admin_web.post(f"/admin/invitations/{row}/resend")
    assert answer.status_code == 302
    page = text_of(admin_web.get("/admin/invitations"))
    assert "This account is not active: an invitation would not work." in page
    assert admin_web.post("/admin/invitations/999999/resend").status_code == 404
    assert _invitation_count() == before
    assert mails_to(mail_log, "pavel@example.org") == []


def test_without_a_csrf_token_nothing_is_sent(admin_web, recorded, mail_log):
    [row] = _ids(recorded["olga"])
    before = _invitation_count()
    answer = admin_web.post(f"/admin/invitations/{row}/resend", csrf=False)
    assert answer.status_code == 400 and "Form expired" in text_of(answer)
    assert _invitation_count() == before
    assert mails_to(mail_log, "olga@example.org") == []


@pytest.mark.parametrize("role", ["tutor", "parent", "teacher", "student"])
def test_only_admins_see_or_use_the_list(web, demo, recorded, role, mail_log):
    assert web.login(role).status_code == 302
    [row] = _ids(recorded["olga"])
    before = _invitation_count()
    page = web.get("/admin/invitations")
    assert page.status_code in (403, 404)
    assert "olga.sidorova" not in page.get_data(as_text=True)
    assert web.post(f"/admin/invitations/{row}/resend").status_code in (403, 404)
    assert _invitation_count() == before
    assert mails_to(mail_log, "olga@example.org") == []
    assert 'href="/admin/invitations"' not in web.get("/").get_data(as_text=True)


def test_the_service_is_for_admins_only(ctx, demo, recorded):
    from thebot.services import invitations
    from thebot.services.errors import Forbidden

    [row] = _ids(recorded["olga"])
    with pytest.raises(Forbidden):
        invitations.all_invitations(demo.tutor)
    with pytest.raises(Forbidden):
        invitations.resend_recorded(demo.tutor, row)
