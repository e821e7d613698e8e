"""Forgotten password over HTTP and the API: the same answer whether or not the account exists,
a link that works once and expires, every other sign-in and token ended, rate limits; and the
profile's Account section (own details, e-mail confirmed by a link, password change)."""

from __future__ import annotations

import logging
import re

from tests.support import PASSWORD
from tests.support.http import api_token, text_of

LINK = re.compile(r"https?://\S+/auth/(?:reset|confirm-email)/[\w.\-]+")
NEW = "a-brand-new-password"


def _links(caplog) -> list[str]:
    return LINK.findall(caplog.text)


def test_reset_answers_the_same_and_mails_only_existing_accounts(web, make_user, caplog):
    user = make_user("parent", "reset-parent", email="reset@example.com")
    caplog.set_level(logging.INFO, logger="thebot.services.mailer")
    known = web.api("POST", "/api/v1/auth/password-reset", {"login": "reset@example.com"})
    unknown = web.api("POST", "/api/v1/auth/password-reset", {"login": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 202
    assert known.get_json() == unknown.get_json()
    assert "ask your tutor" in known.get_json()["message"]
    assert len(_links(caplog)) == 1  # one e-mail: to the account that exists
    assert "To: reset@example.com" in caplog.text and user.username in caplog.text
    page = web.post("/auth/forgot", {"login": "nobody-here"})
    assert "a link to set a new password is on its way" in text_of(page)
    assert "Ask your tutor" in text_of(page)


def test_reset_link_sets_the_password_once_and_ends_every_sign_in(
    web, web_factory, make_user, caplog
):
    user = make_user("student", "reset-student", email="kid@example.com")
    other = web_factory()
    other.login("reset-student")
    token = api_token(user)
    assert web.get("/auth/login").status_code == 200
    assert "Forgot password?" in text_of(web.get("/auth/login"))
    caplog.set_level(logging.INFO, logger="thebot.services.mailer")
    web.post("/auth/forgot", {"login": "reset-student"})
    [link] = _links(caplog)
    path = "/" + link.split("/", 3)[3]
    done = web.post(path, {"password": NEW, "confirm": NEW})
    assert done.status_code == 303
    assert other.get("/student/").status_code == 302  # the other browser is signed out
    assert web.api("GET", "/api/v1/me", token=token).status_code == 401
    again = web.get(path)
    assert again.status_code == 400 and "already used" in text_of(again)
    assert web_factory().login("reset-student", NEW).status_code == 302


def test_api_confirm_refuses_short_passwords_and_expired_links(web, make_user, app, caplog):
    make_user("parent", "reset-api", email="api@example.com")
    caplog.set_level(logging.INFO, logger="thebot.services.mailer")
    web.api("POST", "/api/v1/auth/password-reset", {"login": "reset-api"})
    [link] = _links(caplog)
    token = link.rsplit("/", 1)[1]
    short = web.api(
        "POST", "/api/v1/auth/password-reset/confirm", {"token": token, "password": "x"}
    )
    assert short.status_code == 400 and "password" in short.get_json()["error"]["fields"]
    app.config["PASSWORD_RESET_TTL_SECONDS"] = -1
    try:
        expired = web.api(
            "POST", "/api/v1/auth/password-reset/confirm", {"token": token, "password": NEW}
        )
    finally:
        app.config["PASSWORD_RESET_TTL_SECONDS"] = 3600
    assert expired.status_code == 400 and "token" in expired.get_json()["error"]["fields"]
    ok = web.api("POST", "/api/v1/auth/password-reset/confirm", {"token": token, "password": NEW})
    assert ok.status_code == 200 and ok.get_json() == {"ok": True}


def test_reset_requests_are_rate_limited_per_account(web_factory, make_user):
    make_user("parent", "reset-limit", email="limit@example.com")
    for _ in range(3):
        answer = web_factory().api("POST", "/api/v1/auth/password-reset", {"login": "reset-limit"})
        assert answer.status_code == 202
    blocked = web_factory().api("POST", "/api/v1/auth/password-reset", {"login": "reset-limit"})
    assert blocked.status_code == 429
    assert blocked.get_json()["error"]["code"] == "rate_limited"


def test_profile_password_needs_the_current_one_and_ends_other_sign_ins(
    web, web_factory, make_user
):
    make_user("tutor", "own-tutor")
    other = web_factory()
    other.login("own-tutor")
    web.login("own-tutor")
    form = {"action": "password", "new_password": NEW, "confirm": NEW}
    wrong = web.post("/profile", {**form, "current_password": "not-it"})
    assert wrong.status_code == 400 and "current password is wrong" in text_of(wrong)
    assert other.get("/tutor/").status_code == 200
    done = web.post("/profile", {**form, "current_password": PASSWORD})
    assert done.status_code == 303
    assert other.get("/tutor/").status_code == 302
    assert web.get("/tutor/").status_code == 200  # this sign-in stays


def test_profile_email_change_waits_for_the_link(web, make_user, caplog):
    from thebot.extensions import db
    from thebot.models import User

    user = make_user("parent", "own-parent", email="old@example.com")
    web.login("own-parent")
    caplog.set_level(logging.INFO, logger="thebot.services.mailer")
    form = {
        "action": "details",
        "full_name": "New Name",
        "email": "new@example.com",
        "language": "ru",
    }
    assert web.post("/profile", form).status_code == 303
    db.session.expire_all()
    stored = db.session.get(User, user.id)
    assert (stored.full_name, stored.email, stored.locale) == ("New Name", "old@example.com", "ru")
    [link] = _links(caplog)
    assert "To: new@example.com" in caplog.text
    assert web.get("/" + link.split("/", 3)[3]).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).email == "new@example.com"
    assert web.get("/" + link.split("/", 3)[3]).status_code == 400  # once only
