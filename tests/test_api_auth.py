"""The JSON API's sign-in (contract.md section 3): bearer tokens that are stored hashed, one per
device, expiring and revocable; `/api/v1/me`; 401 JSON (never a redirect); inactive users;
the browser session as an API credential with CSRF on unsafe calls."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from tests.support import PASSWORD
from tests.support.http import api_token


def api_login(web, login: str, password: str = PASSWORD, **extra):
    body = {"login": login, "password": password, **extra}
    return web.api("POST", "/api/v1/auth/login", json=body)


def assert_envelope(response, status: int, code: str) -> dict:
    """The contract's error envelope with this status and code; returns the error object."""
    assert response.status_code == status
    assert response.is_json, response.get_data(as_text=True)[:200]
    error = response.get_json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    return error


def test_login_answers_exactly_the_contract_shape(web, demo):
    response = api_login(web, "tutor", device="Pixel 8")
    body = response.get_json()
    assert response.status_code == 200
    assert set(body) == {"token", "token_type", "expires_at", "user"}
    assert body["token_type"] == "Bearer"
    assert body["user"] == {
        "id": demo.tutor.id,
        "username": "tutor",
        "full_name": "Tatiana Smirnova",
        "role": "tutor",
    }
    expires = datetime.fromisoformat(body["expires_at"])
    assert expires.utcoffset() == timedelta(0)
    days = (expires - datetime.now(UTC)).total_seconds() / 86400
    assert 29.9 < days <= 30


def test_login_by_email_or_username_in_any_case(web, demo):
    for login in ("Parent@TheBot.Local", "  PARENT  ", "parent"):
        assert api_login(web, login).get_json()["user"]["username"] == "parent"


def test_token_is_stored_only_as_its_digest(web, demo, ctx):
    from thebot.extensions import db
    from thebot.models import ApiToken

    raw = api_token("teacher", via=web, device="phone")
    stored = db.session.scalars(select(ApiToken).where(ApiToken.user_id == demo.teacher.id)).one()
    assert stored.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert stored.device == "phone"
    columns = [getattr(stored, c.key) for c in ApiToken.__table__.columns]
    assert raw not in [str(v) for v in columns]


def test_me_with_bearer_token(web, demo):
    token = api_token("student", via=web)
    response = web.api("GET", "/api/v1/me", token=token)
    assert response.status_code == 200
    assert response.get_json() == {
        "id": demo.student.id,
        "username": "student",
        "full_name": "Anna Petrova",
        "email": None,
        "role": "student",
        "profile": {
            "grade": 9,
            "goal": "OGE maths at 5",
            "tutor": {"id": demo.tutor.id, "full_name": "Tatiana Smirnova", "role": "tutor"},
            "parent": {"id": demo.parent.id, "full_name": "Irina Petrova", "role": "parent"},
            "guardian": None,
        },
    }


def test_me_of_each_role_has_its_profile(web, demo):
    expected = {
        "admin": None,
        "parent": {"phone": "+7 900 111-22-33"},
        "teacher": {"bio": "Mathematics teacher, olympiad coach.", "subjects": "Maths"},
    }
    for username, profile in expected.items():
        body = web.api("GET", "/api/v1/me", token=api_token(username, via=web)).get_json()
        assert body["role"] == username and body["profile"] == profile


def test_me_with_missing_profile_row_is_null_not_500(web, demo, ctx):
    from thebot.extensions import db
    from thebot.models import StudentProfile, TutorProfile

    token_student, token_tutor = api_token("student2", via=web), api_token("tutor2", via=web)
    db.session.delete(db.session.get(StudentProfile, demo.student2.id))
    db.session.delete(db.session.get(TutorProfile, demo.tutor2.id))
    db.session.commit()
    for token, username in ((token_student, "student2"), (token_tutor, "tutor2")):
        response = web.api("GET", "/api/v1/me", token=token)
        assert response.status_code == 200
        assert response.get_json()["username"] == username
        assert response.get_json()["profile"] is None
    # Lists stay answers, not errors: the student's links lived on the missing row, so they are
    # empty; the tutor's students are linked on the students' rows and still listed.
    mine = web.api("GET", "/api/v1/students", token=token_student)
    assert mine.status_code == 200 and mine.get_json() == {"students": []}
    people = web.api("GET", "/api/v1/people", token=token_student).get_json()["people"]
    assert [p["full_name"] for p in people if p["role"] == "student"] == ["Pavel Petrov"]
    theirs = web.api("GET", "/api/v1/students", token=token_tutor).get_json()["students"]
    assert [s["full_name"] for s in theirs] == ["Maria Ivanova"]


def test_each_login_issues_a_new_token_and_others_stay_valid(web, demo):
    phone = api_token("tutor", via=web, device="phone")
    laptop = api_token("tutor", via=web, device="laptop")
    assert phone != laptop
    for token in (phone, laptop):
        assert web.api("GET", "/api/v1/me", token=token).get_json()["username"] == "tutor"


def test_logout_revokes_only_that_token(web, demo, ctx):
    from thebot.extensions import db
    from thebot.models import ApiToken

    phone, laptop = api_token("tutor", via=web), api_token("tutor", via=web)
    response = web.api("POST", "/api/v1/auth/logout", token=phone)
    assert response.status_code == 200 and response.get_json() == {"ok": True}
    assert_envelope(web.api("GET", "/api/v1/me", token=phone), 401, "unauthorized")
    assert web.api("GET", "/api/v1/me", token=laptop).get_json()["username"] == "tutor"
    revoked = db.session.scalars(select(ApiToken).where(ApiToken.revoked_at.is_not(None))).all()
    assert len(revoked) == 1
    # Logging out twice with the same token is refused as unauthenticated.
    assert_envelope(web.api("POST", "/api/v1/auth/logout", token=phone), 401, "unauthorized")


def test_expired_token_is_refused(web, demo, ctx):
    from thebot.extensions import db
    from thebot.models import ApiToken
    from thebot.models.base import utcnow

    token = api_token("teacher", via=web)
    record = db.session.scalars(select(ApiToken)).one()
    record.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    error = assert_envelope(web.api("GET", "/api/v1/me", token=token), 401, "unauthorized")
    assert "expired" in error["message"]


def test_token_lifetime_follows_the_setting(web, demo, app, monkeypatch):
    monkeypatch.setitem(app.config, "API_TOKEN_TTL_DAYS", 2)
    body = api_login(web, "tutor").get_json()
    days = (datetime.fromisoformat(body["expires_at"]) - datetime.now(UTC)).total_seconds()
    assert 1.99 * 86400 < days <= 2 * 86400


def test_unknown_user_and_wrong_password_get_the_same_answer(web, demo):
    unknown = api_login(web, "nobody@nowhere.example", "whatever-pass")
    wrong = api_login(web, "tutor", "wrong-password")
    assert unknown.status_code == wrong.status_code == 401
    assert (
        unknown.get_json()
        == wrong.get_json()
        == {"error": {"code": "unauthorized", "message": "Wrong login or password."}}
    )


def test_login_body_errors_are_envelopes(web, demo):
    assert_envelope(
        web.api(
            "POST",
            "/api/v1/auth/login",
            data="not json",
            headers={"Content-Type": "application/json"},
        ),
        400,
        "bad_request",
    )
    assert_envelope(
        web.api("POST", "/api/v1/auth/login", json=["tutor", PASSWORD]), 400, "bad_request"
    )
    error = assert_envelope(
        web.api("POST", "/api/v1/auth/login", json={"login": "tutor"}), 400, "validation_error"
    )
    assert set(error["fields"]) == {"password"}
    not_a_string = web.api("POST", "/api/v1/auth/login", json={"login": 5, "password": PASSWORD})
    error = assert_envelope(not_a_string, 400, "validation_error")
    assert set(error["fields"]) == {"login"}


def test_api_answers_401_json_and_never_redirects(web, demo):
    for method, path in (
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/students"),
        ("GET", "/api/v1/people"),
        ("POST", "/api/v1/auth/logout"),
    ):
        response = web.api(method, path)
        assert "Location" not in response.headers
        assert_envelope(response, 401, "unauthorized")
    bad = web.api("GET", "/api/v1/me", token="not-a-real-token")
    assert_envelope(bad, 401, "unauthorized")
    assert_envelope(
        web.api("GET", "/api/v1/me", headers={"Authorization": "Bearer " + "x" * 500}),
        401,
        "unauthorized",
    )


def test_inactive_user_cannot_get_a_token_and_loses_existing_ones(web, demo):
    from thebot.services import accounts

    token = api_token("teacher2", via=web)
    accounts.set_active(demo.admin, demo.teacher2.id, False)
    assert_envelope(web.api("GET", "/api/v1/me", token=token), 401, "unauthorized")
    refused = api_login(web, "teacher2")
    assert refused.status_code == 403 and refused.get_json() == {
        "error": {
            "code": "forbidden",
            "message": "This account is deactivated. Ask an administrator to reactivate it.",
        }
    }
    # Reactivation does not bring the revoked token back; a new login works.
    accounts.set_active(demo.admin, demo.teacher2.id, True)
    assert_envelope(web.api("GET", "/api/v1/me", token=token), 401, "unauthorized")
    assert web.api("GET", "/api/v1/me", token=api_token("teacher2", via=web)).status_code == 200


def test_browser_session_works_for_the_api_and_unsafe_calls_need_csrf(web, demo):
    web.login("parent")
    me = web.api("GET", "/api/v1/me")
    assert me.status_code == 200 and me.get_json()["username"] == "parent"
    # Logout through the API needs a token even with a session; without the CSRF header the
    # unsafe call is refused before that.
    error = assert_envelope(web.api("POST", "/api/v1/auth/logout"), 400, "bad_request")
    assert "CSRF" in error["message"]
    with_csrf = web.api("POST", "/api/v1/auth/logout", csrf=True)
    assert_envelope(with_csrf, 400, "bad_request")
    assert web.api("GET", "/api/v1/me").status_code == 200  # the session is untouched


def test_bearer_token_calls_need_no_csrf(web, demo):
    token = api_token("tutor", via=web)
    response = web.api("POST", "/api/v1/auth/logout", token=token)
    assert response.status_code == 200 and response.get_json() == {"ok": True}


def test_api_logins_are_rate_limited_per_account(web_factory, demo):
    for _ in range(5):
        assert api_login(web_factory(), "teacher", "bad-password").status_code == 401
    blocked = api_login(web_factory(), "teacher")
    error = assert_envelope(blocked, 429, "rate_limited")
    assert "Too many" in error["message"]
    assert api_login(web_factory(), "tutor").status_code == 200


def test_api_logins_are_rate_limited_per_address(web, demo, app):
    limit = int(app.config["LOGIN_LIMIT_PER_IP"].split()[0])
    for i in range(limit):
        assert api_login(web, f"someone-{i}", "bad-password").status_code == 401
    assert_envelope(api_login(web, "tutor"), 429, "rate_limited")


def test_successful_logins_are_not_counted(web, demo):
    tokens = set()
    for _ in range(8):
        response = api_login(web, "tutor")
        assert response.status_code == 200
        tokens.add(response.get_json()["token"])
    assert len(tokens) == 8  # a new token every time, none refused
