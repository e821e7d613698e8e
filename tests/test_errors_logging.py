"""Errors and logs: one JSON envelope under /api, friendly HTML pages elsewhere, unexpected
exceptions logged once with their traceback at the boundary, and no password or token in any
log record."""

from __future__ import annotations

import logging

import pytest

from tests.support.http import api_token, text_of

SECRET_PASSWORD = "Sup3r-Secret-Pass"


def envelope(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert set(body) == {"error"} and body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


def all_log_text(records) -> str:
    """Everything the records would print: message, arguments and formatted traceback."""
    formatter = logging.Formatter("%(name)s %(message)s")
    return "\n".join(formatter.format(r) + repr(r.args) + str(r.exc_text or "") for r in records)


# --- the envelope ------------------------------------------------------------------------------


def test_api_errors_share_one_envelope(web, demo):
    raw = api_token("tutor", via=web)
    envelope(web.api("GET", "/api/v1/no-such-route", token=raw), 404, "not_found")
    envelope(web.api("DELETE", "/api/v1/me", token=raw), 405, "method_not_allowed")
    error = envelope(web.api("GET", "/api/v1/students/999999", token=raw), 404, "not_found")
    assert error["message"] == "No such student."
    error = envelope(web.api("GET", "/api/v1/enrollments/999999", token=raw), 404, "not_found")
    assert error["message"] == "No such enrollment."
    envelope(web.api("GET", "/api/v1/me"), 401, "unauthorized")


def test_validation_errors_name_their_fields(web, demo):
    def fields(body: dict) -> dict:
        answer = web.api("POST", "/api/v1/auth/login", json=body)
        error = envelope(answer, 400, "validation_error")
        assert all(isinstance(v, str) for v in error["fields"].values())
        return error["fields"]

    # Wrong JSON types are refused first (the route's declared body), every one named ...
    assert set(fields({"login": "", "password": 3})) == {"password"}
    assert set(fields({"login": 5, "password": 3})) == {"login", "password"}
    # ... then the values: the first wrong field is named.
    assert set(fields({"login": "", "password": "x"})) == {"login"}


def test_oversized_api_body_is_too_large(web, demo, app):
    body = "x" * (app.config["MAX_CONTENT_LENGTH"] + 10)
    response = web.api(
        "POST", "/api/v1/auth/login", data=body, headers={"Content-Type": "application/json"}
    )
    envelope(response, 413, "too_large")


def test_pages_answer_friendly_html_errors(web, demo):
    missing = web.get("/no/such/page")
    assert missing.status_code == 404 and missing.mimetype == "text/html"
    assert "Page not found" in text_of(missing)
    assert "There is nothing here, or it is not yours to see." in text_of(missing)
    wrong_method = web.get("/auth/logout")
    assert wrong_method.status_code == 405 and "Not allowed" in text_of(wrong_method)
    web.login("parent")
    foreign = web.get("/admin/")
    assert foreign.status_code == 403 and "Access denied" in text_of(foreign)
    assert "Go to my page" in text_of(foreign)


def test_domain_errors_are_plain_strings_in_the_requests_language(ctx):
    from flask_babel import force_locale, lazy_gettext

    from thebot.services.errors import Invalid

    with force_locale("en"):
        error = Invalid(
            lazy_gettext("Grade must be from 1 to 12."),
            {"grade": lazy_gettext("At least %(count)d characters.", count=8)},
        )
    assert type(error.message) is str and error.message == "Grade must be from 1 to 12."
    assert type(error.fields["grade"]) is str and error.fields["grade"] == "At least 8 characters."
    assert str(error) == "Grade must be from 1 to 12."


def test_service_messages_follow_the_requests_language(web, demo):
    raw = api_token("tutor", via=web)
    english = web.api("GET", "/api/v1/students/999999", token=raw).get_json()["error"]
    assert english["message"] == "No such student."
    web.http.set_cookie("lang", "ru")
    russian = web.api("GET", "/api/v1/students/999999", token=raw).get_json()["error"]
    assert russian["message"] == "Ученик не найден."
    web.login("admin")
    web.post("/admin/subjects", {"name": "Biology"})
    refused = web.post("/admin/subjects", {"name": "biology"})
    assert refused.status_code == 400 and "Такой предмет уже есть." in text_of(refused)


# --- unexpected exceptions ---------------------------------------------------------------------


@pytest.fixture
def failing_students_list(monkeypatch):
    """Make the students list fail the way a bug would, mentioning a secret in its message."""
    from thebot.services import people

    def broken(viewer):
        raise RuntimeError(f"lookup failed password={SECRET_PASSWORD}")

    monkeypatch.setattr(people, "students_visible_to", broken)


def test_unexpected_api_error_is_a_500_envelope_logged_once(
    web, demo, caplog, failing_students_list
):
    raw = api_token("tutor", via=web)
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        response = web.api("GET", "/api/v1/students", token=raw)
    error = envelope(response, 500, "internal_error")
    assert error["message"] == "Something went wrong on our side."
    assert "lookup failed" not in response.get_data(as_text=True)
    logged = [r for r in caplog.records if r.exc_info or r.exc_text]
    assert len(logged) == 1
    record = logged[0]
    assert record.levelno == logging.ERROR and "GET /api/v1/students" in record.getMessage()
    assert "Traceback" in record.exc_text and "RuntimeError: lookup failed" in record.exc_text
    text = all_log_text(caplog.records)
    assert SECRET_PASSWORD not in text and raw not in text


def test_unexpected_page_error_is_a_friendly_500_logged_once(
    web, demo, caplog, failing_students_list
):
    web.login("tutor")
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        response = web.get("/tutor/")
    assert response.status_code == 500 and "Something went wrong" in text_of(response)
    assert "RuntimeError" not in response.get_data(as_text=True)
    assert len([r for r in caplog.records if r.exc_info or r.exc_text]) == 1
    assert SECRET_PASSWORD not in all_log_text(caplog.records)


# --- no secrets in log records -----------------------------------------------------------------


def test_no_password_or_token_reaches_a_log_record(web, web_factory, demo, caplog, monkeypatch):
    from thebot.services import accounts, people

    caplog.set_level(logging.DEBUG)
    accounts.update_user(
        demo.admin, demo.teacher.id, full_name="Mikhail Orlov", email=None, password=SECRET_PASSWORD
    )
    web.login("teacher", SECRET_PASSWORD)
    web_factory().login("teacher", "wrong-" + SECRET_PASSWORD)
    raw = api_token("tutor", via=web_factory())

    def leaky(viewer):  # a bug that puts the credentials into an exception and a log call
        logging.getLogger("thebot.somewhere").warning(
            "retrying with Authorization: Bearer %s and form %s",
            raw,
            {"login": "teacher", "password": SECRET_PASSWORD, "csrf_token": "abc123def"},
        )
        raise ValueError(f"token={raw} api_token: {raw} 'password': '{SECRET_PASSWORD}'")

    monkeypatch.setattr(people, "students_visible_to", leaky)
    assert web.api("GET", "/api/v1/students", token=raw).status_code == 500
    web.api("GET", "/api/v1/me", headers={"Authorization": f"Bearer {raw}x"})
    text = all_log_text(caplog.records)
    assert "retrying with Authorization" in text and "ValueError" in text  # the records exist
    assert "[redacted]" in text
    for secret in (SECRET_PASSWORD, raw, "abc123def"):
        assert secret not in text


@pytest.mark.parametrize(
    "line,secret",
    [
        ("password=hunter2&login=anna", "hunter2"),
        ('{"password": "hunter2", "login": "anna"}', "hunter2"),
        ("Authorization: Bearer abc.DEF-123_xyz", "abc.DEF-123_xyz"),
        ("GET /calendar.ics?token=s3cr3tfeed HTTP/1.1", "s3cr3tfeed"),
        ("new_password: hunter2", "hunter2"),
        ("SECRET_KEY=abcdef", "abcdef"),
    ],
)
def test_redact_hides_secret_values(line, secret):
    from thebot.logging_setup import redact

    cleaned = redact(line)
    assert secret not in cleaned and "[redacted]" in cleaned


def test_redact_keeps_ordinary_text():
    from thebot.logging_setup import redact

    line = "GET /tutor/students/12 200 user=tutor"
    assert redact(line) == line
