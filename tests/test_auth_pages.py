"""Browser sign-in over HTTP: login by username or e-mail, one answer for failures, CSRF,
rate limits, sign-out that ends the session server-side, inactive accounts."""

from __future__ import annotations

from tests.support import PASSWORD
from tests.support.http import text_of


def test_login_by_username_any_case_lands_on_own_dashboard(web, demo):
    response = web.login("TuToR")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/")
    page = web.get("/", follow_redirects=True)
    assert "My students" in text_of(page)
    assert "Anna Petrova" in text_of(page)  # the tutor's student


def test_login_by_email_case_insensitive(web, demo):
    web.login("Parent@TheBot.Local")
    page = web.get("/", follow_redirects=True)
    assert page.request.path == "/parent/"
    assert "Anna Petrova" in text_of(page) and "Pavel Petrov" in text_of(page)


def test_unknown_user_and_wrong_password_get_the_same_answer(web, demo):
    unknown = web.login("nobody-at-all", "whatever-pass")
    wrong = web.login("tutor", "wrong-password")
    assert unknown.status_code == wrong.status_code == 200
    assert "Wrong login or password." in text_of(unknown)
    assert "Wrong login or password." in text_of(wrong)
    assert web.get("/tutor/").status_code == 302  # still signed out


def test_login_form_without_csrf_token_is_refused(web, demo):
    response = web.post("/auth/login", {"login": "tutor", "password": PASSWORD}, csrf=False)
    assert response.status_code == 400
    assert "expired" in text_of(response)
    assert web.get("/tutor/").status_code == 302


def test_session_cookie_is_httponly_and_samesite(web, demo):
    response = web.login("tutor")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_failed_logins_are_rate_limited_per_account(web_factory, demo):
    # Five failures for one account (from different clients) lock that account for a minute...
    for _ in range(5):
        assert "Wrong login" in text_of(web_factory().login("teacher", "bad-password"))
    blocked = web_factory().login("teacher", PASSWORD)
    assert blocked.status_code == 429
    assert "Too many attempts" in text_of(blocked)
    # ...but not another account.
    assert web_factory().login("tutor").status_code == 302


def test_failed_logins_are_rate_limited_per_address(web, demo, app):
    limit = int(app.config["LOGIN_LIMIT_PER_IP"].split()[0])
    for i in range(limit):
        assert "Wrong login or password." in text_of(web.login(f"someone-{i}", "bad-password"))
    blocked = web.login("tutor")
    assert blocked.status_code == 429 and "Too many attempts" in text_of(blocked)
    assert web.get("/tutor/").headers["Location"].startswith("/auth/login")  # not signed in


def test_logout_ends_the_session_server_side(web, demo):
    web.login("tutor")
    stolen_cookie = web.http.get_cookie("session").value
    assert "Anna Petrova" in text_of(web.get("/tutor/"))
    assert web.logout().headers["Location"] == "/auth/login"
    assert web.get("/tutor/").headers["Location"].startswith("/auth/login")
    # A copy of the old cookie no longer works either.
    web.http.set_cookie("session", stolen_cookie)
    again = web.get("/tutor/", follow_redirects=True)
    assert again.request.path == "/auth/login" and "Anna Petrova" not in text_of(again)


def test_logout_needs_csrf(web, demo):
    web.login("tutor")
    refused = web.post("/auth/logout", csrf=False)
    assert refused.status_code == 400 and "expired" in text_of(refused)
    assert "Anna Petrova" in text_of(web.get("/tutor/"))  # still signed in


def test_deactivated_user_loses_session_and_cannot_sign_in(web, web_factory, demo):
    from thebot.services import accounts

    web.login("teacher")
    assert web.get("/teacher/").status_code == 200
    accounts.set_active(demo.admin, demo.teacher.id, False)
    assert web.get("/teacher/").status_code == 302
    again = web_factory().login("teacher")
    assert again.status_code == 200 and "This account is deactivated." in text_of(again)
    assert web_factory().get("/teacher/").status_code == 302  # and not signed in


def test_next_parameter_only_redirects_within_the_site(web, demo):
    page = web.get("/auth/login?next=https://evil.example/")
    token = web.csrf()
    response = web.post(
        "/auth/login",
        {
            "login": "tutor",
            "password": PASSWORD,
            "next": "https://evil.example/",
            "csrf_token": token,
        },
    )
    assert page.status_code == 200
    assert response.headers["Location"] == "/"
    web._csrf = None  # signing in renewed the session and its CSRF token
    assert web.logout().status_code == 302
    response = web.post("/auth/login", {"login": "tutor", "password": PASSWORD, "next": "/tutor/"})
    assert response.headers["Location"] == "/tutor/"
