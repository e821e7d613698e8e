"""No client input gives a 500: ids beyond the database's columns in URL paths (every route of
the URL map), query strings and JSON bodies, and hostile `next` targets of the sign-in page."""

from __future__ import annotations

import itertools
import logging
import re

import pytest

from tests.support.http import api_token, text_of

TOO_LARGE = (2**63, 2**31, 10**40)
ROLE_OF_PREFIX = {
    "/admin": "admin",
    "/tutor": "tutor",
    "/teacher": "teacher",
    "/parent": "parent",
    "/student": "student",
    "/notifications": "parent",
    "/chat": "parent",
}
ID_ARG = re.compile(r"<int:(\w+)>")


def _id_routes(app, *, api: bool):
    """(path template, method) for every route with an `<int:…>` argument."""
    for rule in app.url_map.iter_rules():
        if not ID_ARG.search(rule.rule) or rule.rule.startswith("/api/") != api:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.rule, method


def _fill(template: str, value: int) -> str:
    return ID_ARG.sub(str(value), template)


def _role_for(path: str) -> str:
    return next(
        (role for prefix, role in ROLE_OF_PREFIX.items() if path.startswith(prefix)), "tutor"
    )


def _no_errors_logged(caplog):
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []


def test_the_url_map_has_id_routes_of_every_kind(app):
    pages = list(_id_routes(app, api=False))
    api = list(_id_routes(app, api=True))
    assert {m for _, m in pages} == {"GET", "POST"} and len(pages) > 20
    assert {m for _, m in api} == {"GET", "POST", "PATCH", "DELETE"} and len(api) > 15


def test_every_page_route_answers_not_found_for_an_id_too_large(app, demo, web_factory, caplog):
    clients = {}
    checked = 0
    for (template, method), value in itertools.product(_id_routes(app, api=False), TOO_LARGE):
        role = _role_for(template)
        if role not in clients:
            clients[role] = web_factory()
            clients[role].login(role)
        client = clients[role]
        path = _fill(template, value)
        response = client.get(path) if method == "GET" else client.post(path, {})
        assert response.status_code == 404, (method, path, response.status_code)
        assert "Page not found" in text_of(response), (method, path)
        checked += 1
    assert checked > 60
    _no_errors_logged(caplog)


@pytest.mark.parametrize("role", ["tutor", "parent", "admin"])
def test_every_api_route_answers_the_envelope_for_any_large_id(app, demo, web, caplog, role):
    """Beyond MAX_ID the route does not match; MAX_ID itself reaches the services (not found)."""
    token = api_token(demo[role])
    for (template, method), value in itertools.product(
        _id_routes(app, api=True), (*TOO_LARGE, 2**31 - 1)
    ):
        path = _fill(template, value)
        response = web.api(method, path, json={}, token=token)
        # An admin-only route refuses other roles before it looks anything up.
        refused_role = template.startswith("/api/v1/admin/") and role != "admin"
        expected = (400, 403, 404) if refused_role else (400, 404)
        assert response.status_code in expected, (method, path, response.get_data(True))
        error = response.get_json()["error"]
        if value > 2**31 - 1:
            assert error["code"] == "not_found", (method, path, error)
        elif refused_role:
            assert error["code"] == "forbidden", (method, path, error)
        else:  # the services look it up, or first refuse the empty body
            assert error["code"] in ("validation_error", "not_found", "bad_request"), (
                method,
                path,
                error,
            )
    _no_errors_logged(caplog)


def test_page_routes_still_take_real_ids(demo, web):
    web.login("tutor")
    student = demo.student
    response = web.get(f"/tutor/students/{student.id}")
    assert response.status_code == 200
    assert student.full_name in text_of(response)
    assert web.get("/tutor/students/0").status_code == 404
    assert web.get(f"/tutor/students/{2**31 - 1}").status_code == 404


@pytest.mark.parametrize("value", [str(2**63), str(2**31), "9" * 25])
def test_id_query_arguments_too_large_are_not_found(demo, web, caplog, value):
    token = api_token(demo.parent)
    room = web.api("GET", "/api/v1/chat/rooms", token=token).get_json()["rooms"][0]["id"]
    for path in (
        f"/api/v1/notifications?before_id={value}",
        f"/api/v1/reports?student_id={value}",
        f"/api/v1/chat/rooms/{room}/messages?before_id={value}",
        f"/api/v1/chat/rooms/{room}/messages?after_id={value}",
    ):
        answer = web.api("GET", path, token=token)
        assert answer.status_code == 404, (path, answer.get_data(True))
        assert answer.get_json()["error"]["code"] == "not_found", path

    pages = {
        "parent": [f"/parent/reports?student_id={value}", f"/notifications/?before={value}"],
        "tutor": [f"/tutor/reports?student_id={value}"],
        "teacher": [
            f"/teacher/reports?student_id={value}",
            f"/teacher/reports/new?enrollment_id={value}",
        ],
        "admin": [f"/admin/reports?student_id={value}&author_id={value}"],
    }
    for role, paths in pages.items():
        web.login(role)
        for path in paths:
            response = web.get(path)
            assert response.status_code == 404, (path, response.status_code)
            assert "Page not found" in text_of(response), path
        web.logout()
    _no_errors_logged(caplog)


def test_id_query_arguments_in_range_still_filter(demo, web):
    token = api_token(demo.parent)
    answer = web.api("GET", f"/api/v1/reports?student_id={demo.student.id}", token=token)
    assert answer.status_code == 200
    rows = answer.get_json()["reports"]
    assert rows and {r["student"]["id"] for r in rows} == {demo.student.id}
    answer = web.api("GET", f"/api/v1/reports?student_id={2**31 - 1}", token=token)
    assert answer.status_code == 200 and answer.get_json()["reports"] == []


def test_malformed_id_query_arguments_are_validation_errors(demo, web):
    token = api_token(demo.parent)
    web.login("parent")
    for value in ("abc", "-1", "1.5", "٣", "9" * 40):
        _malformed(web, token, value)


def _malformed(web, token, value):
    for path in (f"/api/v1/notifications?before_id={value}", f"/api/v1/reports?student_id={value}"):
        answer = web.api("GET", path, token=token)
        assert answer.status_code == 400, path
        error = answer.get_json()["error"]
        assert error["code"] == "validation_error" and error["fields"], path
    response = web.get(f"/parent/reports?student_id={value}")
    assert response.status_code == 400
    assert "Bad request" in text_of(response)


def test_ids_in_json_bodies_are_validation_errors_or_not_found(demo, web, caplog):
    tutor = api_token(demo.tutor)
    for value in (2**63, 2**31, -5, 0, "x", str(2**63), True, 1.5):
        _json_ids(web, tutor, value)
    _no_errors_logged(caplog)


def _json_ids(web, tutor, value):
    answer = web.api(
        "POST",
        "/api/v1/reports",
        token=tutor,
        json={"kind": "tutor", "student_id": value, "week_start": "2026-11-02"},
    )
    assert answer.status_code in (400, 404), answer.get_data(True)
    assert answer.get_json()["error"]["code"] in ("validation_error", "not_found")

    answer = web.api("POST", "/api/v1/chat/direct", token=tutor, json={"user_id": value})
    assert answer.status_code in (400, 404), answer.get_data(True)
    assert answer.get_json()["error"]["code"] in ("validation_error", "not_found")

    room = web.api("GET", "/api/v1/chat/rooms", token=tutor).get_json()["rooms"][0]["id"]
    before = web.api("GET", f"/api/v1/chat/rooms/{room}/messages", token=tutor).get_json()
    answer = web.api(
        "POST",
        f"/api/v1/chat/rooms/{room}/messages",
        token=tutor,
        json={"content": "hello", "reply_to_id": value},
    )
    assert answer.status_code in (400, 404), answer.get_data(True)
    assert answer.get_json()["error"]["code"] in ("validation_error", "not_found")
    after = web.api("GET", f"/api/v1/chat/rooms/{room}/messages", token=tutor).get_json()
    assert after["messages"] == before["messages"]  # nothing was posted


def test_too_large_ids_in_page_forms_change_nothing(demo, web, caplog):
    from thebot.extensions import db

    web.login("admin")
    student = demo.student
    response = web.post(
        f"/admin/users/{student.id}/links", {"tutor_id": str(2**63), "parent_id": str(2**31)}
    )
    assert response.status_code in (200, 400), response.status_code
    db.session.expire_all()
    profile = student.student_profile
    assert (profile.tutor_id, profile.parent_id) == (demo.tutor.id, demo.parent.id)
    _no_errors_logged(caplog)


HOSTILE_NEXT = [
    "/\r\nSet-Cookie: owned=1",
    "/x\nLocation: http://evil.example",
    "//evil.example",
    "\\\\evil.example",
    "/\\evil.example",
    "https://evil.example/",
    "/\t/evil.example",
    "javascript:alert(1)",
    " //evil.example",
    "/\x00",
    "http:/evil.example",
    "/" + "a" * 5000,
]


def test_hostile_next_targets_never_500_and_stay_on_the_site(make_user, web_factory):
    make_user("parent", "parent")
    for target in HOSTILE_NEXT:
        _hostile_next(web_factory(), target)


def _hostile_next(web, target):
    page = web.get("/auth/login", query_string={"next": target})
    assert page.status_code == 200
    assert "Username or e-mail" in text_of(page)
    response = web.post(
        "/auth/login", {"login": "parent", "password": "demo-pass-1", "next": target}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "owned" not in response.headers.get("Set-Cookie", "")
    web._csrf = None  # the sign-in renewed the session

    response = web.post("/lang", {"lang": "en", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_safe_next_target_is_followed(make_user, web):
    make_user("parent", "parent")
    response = web.post(
        "/auth/login",
        {"login": "parent", "password": "demo-pass-1", "next": "/parent/reports?student_id=3"},
    )
    assert response.headers["Location"] == "/parent/reports?student_id=3"
