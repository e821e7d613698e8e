"""Lessons over the JSON API, continued: the cancel window (a setting), completing only once
started, recording a past lesson, who may see and who may change a lesson per role (404 for the
unseen), bad ids, filters and paging."""

from __future__ import annotations

import time
from urllib.parse import quote

import pytest

from tests.support.lessons import (
    at,
    error_of,
    events_of,
    iso,
    lesson_caller,
    lesson_people,
    slot,
    teacher_lesson,
    tutor_lesson,
)


@pytest.fixture
def p(ctx, make_user):
    return lesson_people(make_user)


@pytest.fixture
def call(web, p):
    return lesson_caller(web, p)


# --- cancel window and completion -------------------------------------------------------------


def test_cancelling_is_refused_less_than_two_hours_before(call, p):
    soon = tutor_lesson(call, p, hours=1.5, minutes=30)
    later = tutor_lesson(call, p, hours=2.1, student=p.sibling)
    answer = call("tutor", "POST", f"/lessons/{soon['id']}/cancel")
    assert error_of(answer) == (409, "conflict")
    assert "2 hours" in answer.get_json()["error"]["message"]
    assert soon["can_cancel"] is False and later["can_cancel"] is True
    assert call("tutor", "POST", f"/lessons/{later['id']}/cancel").get_json()["status"] == (
        "cancelled"
    )
    # cancelling again changes nothing
    again = call("tutor", "POST", f"/lessons/{later['id']}/cancel")
    assert again.status_code == 200 and events_of(later["id"])[-1][0] == "cancelled"
    assert len(events_of(later["id"])) == 2


def test_the_cancel_window_is_a_setting(app, call, p, monkeypatch):
    soon = tutor_lesson(call, p, hours=1)
    monkeypatch.setitem(app.config, "LESSON_CANCEL_MIN_HOURS", 0)
    assert call("tutor", "POST", f"/lessons/{soon['id']}/cancel").get_json()["status"] == (
        "cancelled"
    )


def test_completing_only_once_started(call, p):
    lesson = tutor_lesson(call, p, hours=1.5 / 3600)  # starts in 1.5 seconds
    path = f"/lessons/{lesson['id']}/complete"
    assert error_of(call("tutor", "POST", path)) == (409, "conflict")
    time.sleep(1.6)
    done = call("tutor", "POST", path).get_json()
    assert done["status"] == "completed" and done["completed_at"]
    assert done["can_change"] is False
    assert call("tutor", "POST", path).status_code == 200  # again: no change
    assert events_of(lesson["id"]) == [("scheduled", p.tutor.id), ("completed", p.tutor.id)]
    # a completed lesson is no longer moved or cancelled
    assert error_of(call("tutor", "PATCH", f"/lessons/{lesson['id']}", slot(30))) == (
        409,
        "conflict",
    )
    assert error_of(call("tutor", "POST", f"/lessons/{lesson['id']}/cancel")) == (409, "conflict")


def test_a_past_lesson_is_recorded_as_completed(call, p):
    answer = call(
        "tutor",
        "POST",
        "/lessons/past",
        {"student_id": p.student.id, **slot(-26), "topic": "Held yesterday"},
    )
    assert answer.status_code == 201
    lesson = answer.get_json()
    assert lesson["status"] == "completed"
    assert events_of(lesson["id"]) == [("scheduled", p.tutor.id), ("completed", p.tutor.id)]
    assert error_of(
        call("tutor", "POST", "/lessons/past", {"student_id": p.student.id, **slot(-26)})
    ) == (409, "conflict")
    assert error_of(
        call("tutor", "POST", "/lessons/past", {"student_id": p.student.id, **slot(2)})
    ) == (400, "validation_error")
    assert error_of(
        call("tutor", "POST", "/lessons/past", {"student_id": p.student.id, **slot(0, days=-91)})
    ) == (400, "validation_error")


# --- who sees and who changes -----------------------------------------------------------------


def test_who_sees_a_lesson(call, p):
    teacher_one = teacher_lesson(call, p, hours=24)
    tutor_one = tutor_lesson(call, p, hours=30)
    other = call(
        "other_tutor", "POST", "/lessons", {"student_id": p.other_student.id, **slot(30)}
    ).get_json()["lessons"][0]
    mine = {
        t: {x["id"] for x in call(t, "GET", "/lessons").get_json()["lessons"]} for t in p.tokens
    }
    both = {teacher_one["id"], tutor_one["id"]}
    assert mine["student"] == mine["parent"] == mine["tutor"] == both
    assert mine["teacher"] == {teacher_one["id"]}
    assert mine["other_tutor"] == mine["other_student"] == mine["other_parent"] == {other["id"]}
    assert mine["sibling"] == mine["other_teacher"] == set()
    assert mine["admin"] == both | {other["id"]}
    for who in ("sibling", "other_teacher", "other_parent"):
        for path in (f"/lessons/{tutor_one['id']}", "/lessons/999999"):
            assert error_of(call(who, "GET", path)) == (404, "not_found")
        assert error_of(call(who, "POST", f"/lessons/{tutor_one['id']}/cancel")) == (
            404,
            "not_found",
        )
        assert error_of(call(who, "PATCH", f"/lessons/{tutor_one['id']}", {"topic": "x"})) == (
            404,
            "not_found",
        )


def test_only_its_teacher_or_tutor_changes_it(call, p):
    teacher_one = teacher_lesson(call, p, hours=24)
    tutor_one = tutor_lesson(call, p, hours=30)
    for who, lesson in (
        ("tutor", teacher_one),
        ("student", tutor_one),
        ("parent", tutor_one),
        ("admin", teacher_one),
    ):
        for method, suffix, body in (
            ("PATCH", "", {"topic": "x"}),
            ("POST", "/cancel", None),
            ("POST", "/complete", None),
        ):
            answer = call(who, method, f"/lessons/{lesson['id']}{suffix}", body)
            assert error_of(answer) == (403, "forbidden"), (who, suffix)
    assert events_of(teacher_one["id"]) == [("scheduled", p.teacher.id)]
    seen = call("tutor", "GET", f"/lessons/{teacher_one['id']}").get_json()
    assert seen["can_change"] is False and seen["can_cancel"] is False


@pytest.mark.parametrize("path", ["/lessons/0", "/lessons/abc", "/lessons/99999999999"])
def test_bad_lesson_ids_are_404(call, p, path):
    assert call("tutor", "GET", path).status_code == 404


# --- filters and paging -----------------------------------------------------------------------


def test_filters_and_paging(call, p):
    lessons = call(
        "tutor", "POST", "/lessons", {"student_id": p.student.id, **slot(24), "repeat_weeks": 5}
    ).get_json()["lessons"]
    sibling = tutor_lesson(call, p, hours=27, student=p.sibling)
    call("tutor", "POST", f"/lessons/{lessons[4]['id']}/cancel")

    def ids(query, who="tutor"):
        answer = call(who, "GET", f"/lessons{query}")
        assert answer.status_code == 200, answer.get_json()
        body = answer.get_json()
        return [x["id"] for x in body["lessons"]], body["has_more"]

    all_ids = [lessons[0]["id"], sibling["id"], *[x["id"] for x in lessons[1:]]]
    assert ids("") == (all_ids, False)
    assert ids(f"?student_id={p.sibling.id}") == ([sibling["id"]], False)
    assert ids("?status=cancelled") == ([lessons[4]["id"]], False)
    assert ids("?limit=2") == (all_ids[:2], True)
    assert ids(f"?limit=2&after_id={all_ids[1]}") == (all_ids[2:4], True)
    assert ids(f"?limit=2&before_id={all_ids[3]}") == (all_ids[1:3], True)
    # A date is a whole day in the caller's zone (Moscow by default): the lesson's own day
    # there, which is not its UTC date late in the UTC evening.
    from thebot.services.lessons.rules import zone_of

    day = at(24 * 8).astimezone(zone_of(p.tutor)).date().isoformat()
    assert ids(f"?from={day}&to={day}") == ([lessons[1]["id"]], False)
    assert ids(f"?to={quote(iso(at(26)))}") == ([lessons[0]["id"]], False)
    for bad in ("?status=maybe", "?limit=0", "?limit=101", "?from=soon", "?student_id=x"):
        assert call("tutor", "GET", f"/lessons{bad}").status_code == 400, bad
