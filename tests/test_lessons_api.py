"""Lessons over the JSON API: scheduling by teachers and tutors (one and a weekly series), every
refusal (duration, past, repeat_weeks, whose enrollment or student, overlaps of the teacher, the
tutor and the student, a series refused whole), moving and cancelling one occurrence of a series,
the cancel window, completing only once started, history rows, who may see and change what
(404 for the unseen), filters and paging."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tests.support.lessons import at, iso, lesson_people, slot


@pytest.fixture
def p(ctx, make_user):
    return lesson_people(make_user)


@pytest.fixture
def call(web, p):
    def go(who, method, path, json=None):
        return web.api(method, f"/api/v1{path}", json=json, token=p.tokens[who])

    return go


def _teacher_lesson(call, p, hours=24, minutes=60, **extra):
    answer = call(
        "teacher", "POST", "/lessons", {"enrollment_id": p.maths, **slot(hours, minutes), **extra}
    )
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["lessons"][0]


def _tutor_lesson(call, p, hours=24, minutes=60, student=None, **extra):
    answer = call(
        "tutor",
        "POST",
        "/lessons",
        {"student_id": (student or p.student).id, **slot(hours, minutes), **extra},
    )
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["lessons"][0]


def _events(lesson_id):
    from thebot.extensions import db
    from thebot.models import LessonEvent

    db.session.expire_all()
    return [
        (e.action, e.actor_id)
        for e in db.session.scalars(
            select(LessonEvent).where(LessonEvent.lesson_id == lesson_id).order_by(LessonEvent.id)
        )
    ]


def _lesson_count():
    from thebot.extensions import db
    from thebot.models import Lesson

    return db.session.scalar(select(func.count()).select_from(Lesson))


def _error(answer):
    return answer.status_code, answer.get_json()["error"]["code"]


# --- scheduling -------------------------------------------------------------------------------


def test_a_teacher_schedules_for_their_enrollment_in_the_contract_shape(call, p):
    times = slot(30, 90)
    answer = call(
        "teacher",
        "POST",
        "/lessons",
        {
            "enrollment_id": p.maths,
            **times,
            "topic": "Quadratic equations",
            "video_url": "https://meet.example.com/abc",
        },
    )
    assert answer.status_code == 201
    [lesson] = answer.get_json()["lessons"]
    assert lesson["status"] == "scheduled"
    assert lesson["student"] == {"id": p.student.id, "full_name": "Sam Student"}
    assert lesson["teacher"] == {"id": p.teacher.id, "full_name": "Mikhail Teacher"}
    assert lesson["tutor"] is None and lesson["series_id"] is None
    assert lesson["enrollment_id"] == p.maths
    assert lesson["subject"]["name"] == p.subject_name
    assert (lesson["starts_at"], lesson["ends_at"]) == (times["starts_at"], times["ends_at"])
    assert lesson["starts_at"].endswith("+00:00")
    assert (lesson["topic"], lesson["video_url"]) == (
        "Quadratic equations",
        "https://meet.example.com/abc",
    )
    assert (lesson["can_change"], lesson["can_cancel"], lesson["can_complete"]) == (
        True,
        True,
        False,
    )
    assert _events(lesson["id"]) == [("scheduled", p.teacher.id)]


def test_a_tutor_schedules_a_session_with_their_student(call, p):
    lesson = _tutor_lesson(call, p, topic="Study plan")
    assert lesson["tutor"]["id"] == p.tutor.id and lesson["teacher"] is None
    assert lesson["subject"] is None and lesson["enrollment_id"] is None
    shown = call("student", "GET", f"/lessons/{lesson['id']}").get_json()
    assert shown["topic"] == "Study plan" and shown["can_change"] is False


def test_times_with_another_offset_are_stored_in_utc(call, p):
    start = at(48).astimezone(ZoneInfo("Asia/Vladivostok"))
    answer = call(
        "tutor",
        "POST",
        "/lessons",
        {
            "student_id": p.student.id,
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(minutes=45)).isoformat(),
        },
    )
    lesson = answer.get_json()["lessons"][0]
    assert lesson["starts_at"] == iso(start.astimezone(UTC))
    assert lesson["starts_at"].endswith("+00:00")


@pytest.mark.parametrize("minutes, ok", [(29, False), (30, True), (240, True), (241, False)])
def test_a_lesson_lasts_30_minutes_to_4_hours(call, p, minutes, ok):
    answer = call("tutor", "POST", "/lessons", {"student_id": p.student.id, **slot(24, minutes)})
    if ok:
        assert answer.status_code == 201
    else:
        assert _error(answer) == (400, "validation_error")
        assert "ends_at" in answer.get_json()["error"]["fields"]
        assert _lesson_count() == 0


@pytest.mark.parametrize(
    "body, field",
    [
        ({"starts_at": "tomorrow"}, "starts_at"),
        ({"starts_at": "2030-01-01T10:00:00"}, "starts_at"),  # no offset: ambiguous
        ({"video_url": "javascript:alert(1)"}, "video_url"),
        ({"topic": "x" * 201}, "topic"),
        ({"repeat_weeks": 0}, "repeat_weeks"),
        ({"repeat_weeks": 21}, "repeat_weeks"),
        ({"repeat_weeks": "3"}, "repeat_weeks"),
        ({"repeat_weeks": True}, "repeat_weeks"),
    ],
)
def test_bad_values_are_refused_by_field(call, p, body, field):
    answer = call("tutor", "POST", "/lessons", {"student_id": p.student.id, **slot(24), **body})
    assert _error(answer) == (400, "validation_error")
    assert field in answer.get_json()["error"]["fields"]
    assert _lesson_count() == 0


def test_a_lesson_cannot_be_scheduled_in_the_past(call, p):
    answer = call("tutor", "POST", "/lessons", {"student_id": p.student.id, **slot(-1)})
    assert _error(answer) == (400, "validation_error")
    assert "starts_at" in answer.get_json()["error"]["fields"]


def test_whose_enrollment_or_student_decides(call, p):
    from thebot.services import learning

    # another teacher's enrollment, another tutor's student: not found (ids leak nothing)
    assert _error(
        call("other_teacher", "POST", "/lessons", {"enrollment_id": p.maths, **slot(24)})
    ) == (404, "not_found")
    assert _error(
        call("tutor", "POST", "/lessons", {"student_id": p.other_student.id, **slot(24)})
    ) == (404, "not_found")
    assert _error(call("tutor", "POST", "/lessons", {"student_id": 2**31, **slot(24)})) == (
        404,
        "not_found",
    )
    assert _error(call("tutor", "POST", "/lessons", {"student_id": "7", **slot(24)})) == (
        400,
        "validation_error",
    )
    # roles that do not hold lessons
    for who in ("student", "parent", "admin"):
        assert _error(call(who, "POST", "/lessons", {"student_id": p.student.id, **slot(24)})) == (
            403,
            "forbidden",
        )
    # an ended enrollment takes no new lessons
    learning.end_enrollment(p.admin, p.maths)
    assert _error(call("teacher", "POST", "/lessons", {"enrollment_id": p.maths, **slot(24)})) == (
        409,
        "conflict",
    )
    assert _lesson_count() == 0


# --- overlaps ---------------------------------------------------------------------------------


def test_the_teacher_cannot_be_in_two_lessons_at_once(call, p):
    _teacher_lesson(call, p, hours=24, minutes=60)
    clash = call("teacher", "POST", "/lessons", {"enrollment_id": p.other_maths, **slot(24.5, 60)})
    assert _error(clash) == (409, "conflict")
    assert "starts_at" in clash.get_json()["error"]["fields"]
    # back to back is fine
    assert (
        call(
            "teacher", "POST", "/lessons", {"enrollment_id": p.other_maths, **slot(25, 60)}
        ).status_code
        == 201
    )


def test_the_tutor_cannot_be_in_two_sessions_at_once(call, p):
    _tutor_lesson(call, p, hours=24)
    clash = call("tutor", "POST", "/lessons", {"student_id": p.sibling.id, **slot(23.5, 60)})
    assert _error(clash) == (409, "conflict")
    assert _tutor_lesson(call, p, hours=26, student=p.sibling)["status"] == "scheduled"


def test_the_student_cannot_be_in_two_lessons_at_once(call, p):
    _teacher_lesson(call, p, hours=24, minutes=90)
    clash = call("tutor", "POST", "/lessons", {"student_id": p.student.id, **slot(25, 60)})
    assert _error(clash) == (409, "conflict")
    assert "student" in clash.get_json()["error"]["message"]


def test_a_cancelled_lesson_frees_its_time(call, p):
    lesson = _tutor_lesson(call, p, hours=24)
    assert call("tutor", "POST", f"/lessons/{lesson['id']}/cancel").status_code == 200
    assert _tutor_lesson(call, p, hours=24)["status"] == "scheduled"


# --- series -----------------------------------------------------------------------------------


def test_a_weekly_series_is_one_lesson_per_week(call, p):
    times = slot(24, 60)
    answer = call(
        "tutor",
        "POST",
        "/lessons",
        {"student_id": p.student.id, **times, "repeat_weeks": 4, "topic": "Essay"},
    )
    lessons = answer.get_json()["lessons"]
    assert answer.status_code == 201 and len(lessons) == 4
    assert len({x["series_id"] for x in lessons}) == 1 and lessons[0]["series_id"]
    from datetime import datetime

    starts = [datetime.fromisoformat(x["starts_at"]) for x in lessons]
    # Europe/Moscow (the default zone) keeps no daylight saving: exactly a week apart
    assert [b - a for a, b in itertools.pairwise(starts)] == [timedelta(weeks=1)] * 3
    assert all(x["topic"] == "Essay" for x in lessons)


def test_a_series_is_refused_whole_if_any_week_overlaps(call, p):
    _teacher_lesson(call, p, hours=24 * 7 * 3 + 24)  # clashes with the 4th week only
    before = _lesson_count()
    answer = call(
        "tutor", "POST", "/lessons", {"student_id": p.student.id, **slot(24), "repeat_weeks": 6}
    )
    assert _error(answer) == (409, "conflict")
    assert _lesson_count() == before


def test_a_series_keeps_the_local_time_across_daylight_saving(call, p):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from thebot.services import accounts

    accounts.set_time_zone(p.tutor, "Europe/Berlin")
    berlin = ZoneInfo("Europe/Berlin")
    year = at().year + 1
    start = datetime(year, 3, 20, 17, 0, tzinfo=berlin)  # the clocks go forward late in March
    answer = call(
        "tutor",
        "POST",
        "/lessons",
        {
            "student_id": p.student.id,
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1)).isoformat(),
            "repeat_weeks": 3,
        },
    )
    lessons = answer.get_json()["lessons"]
    local = [datetime.fromisoformat(x["starts_at"]).astimezone(berlin) for x in lessons]
    assert [(t.hour, t.minute) for t in local] == [(17, 0)] * 3
    assert {t.utcoffset() for t in local} == {timedelta(hours=1), timedelta(hours=2)}


def test_one_occurrence_moves_or_is_cancelled_and_the_others_stay(call, p):
    lessons = call(
        "teacher", "POST", "/lessons", {"enrollment_id": p.maths, **slot(24), "repeat_weeks": 3}
    ).get_json()["lessons"]
    first, second, third = lessons
    new_start = at(24 + 2, days=7)
    moved = call("teacher", "PATCH", f"/lessons/{second['id']}", {"starts_at": iso(new_start)})
    assert moved.status_code == 200
    moved = moved.get_json()
    assert moved["starts_at"] == iso(new_start)
    assert moved["ends_at"] == iso(new_start + timedelta(hours=1))  # the length is kept
    assert moved["series_id"] == first["series_id"]
    cancelled = call(
        "teacher", "POST", f"/lessons/{third['id']}/cancel", {"reason": "School trip"}
    ).get_json()
    assert (cancelled["status"], cancelled["cancel_reason"]) == ("cancelled", "School trip")
    now = {x["id"]: x for x in call("teacher", "GET", "/lessons").get_json()["lessons"]}
    assert now[first["id"]] == {**first, "updated_at": now[first["id"]]["updated_at"]}
    assert now[first["id"]]["starts_at"] == first["starts_at"]
    assert _events(second["id"]) == [("scheduled", p.teacher.id), ("rescheduled", p.teacher.id)]
    assert _events(third["id"]) == [("scheduled", p.teacher.id), ("cancelled", p.teacher.id)]
    assert _events(first["id"]) == [("scheduled", p.teacher.id)]


# --- rescheduling -----------------------------------------------------------------------------


def test_moving_has_the_checks_of_scheduling(call, p):
    lesson = _tutor_lesson(call, p, hours=24)
    _teacher_lesson(call, p, hours=48)
    path = f"/lessons/{lesson['id']}"
    assert _error(call("tutor", "PATCH", path, slot(48))) == (409, "conflict")  # the student
    assert _error(call("tutor", "PATCH", path, slot(-2))) == (400, "validation_error")
    assert _error(call("tutor", "PATCH", path, slot(30, 300))) == (400, "validation_error")
    assert _error(call("tutor", "PATCH", path, {})) == (400, "bad_request")
    # its own old time does not count against it
    later = slot(24.5)
    shifted = call("tutor", "PATCH", path, later).get_json()
    assert shifted["starts_at"] == later["starts_at"]
    renamed = call("tutor", "PATCH", path, {"topic": "Revision"}).get_json()
    assert renamed["topic"] == "Revision" and renamed["starts_at"] == shifted["starts_at"]
    # nothing changed: no history row
    call("tutor", "PATCH", path, {"topic": "Revision"})
    from thebot.extensions import db
    from thebot.models import LessonEvent

    details = db.session.scalars(
        select(LessonEvent.details)
        .where(LessonEvent.lesson_id == lesson["id"])
        .order_by(LessonEvent.id)
    ).all()
    assert len(details) == 3
    assert details[1]["starts_at"] == [lesson["starts_at"], shifted["starts_at"]]
    assert details[2] == {"topic": ["", "Revision"]}


# --- cancel window and completion -------------------------------------------------------------


def test_cancelling_is_refused_less_than_two_hours_before(call, p):
    soon = _tutor_lesson(call, p, hours=1.5, minutes=30)
    later = _tutor_lesson(call, p, hours=2.1, student=p.sibling)
    answer = call("tutor", "POST", f"/lessons/{soon['id']}/cancel")
    assert _error(answer) == (409, "conflict")
    assert "2 hours" in answer.get_json()["error"]["message"]
    assert soon["can_cancel"] is False and later["can_cancel"] is True
    assert call("tutor", "POST", f"/lessons/{later['id']}/cancel").get_json()["status"] == (
        "cancelled"
    )
    # cancelling again changes nothing
    again = call("tutor", "POST", f"/lessons/{later['id']}/cancel")
    assert again.status_code == 200 and _events(later["id"])[-1][0] == "cancelled"
    assert len(_events(later["id"])) == 2


def test_the_cancel_window_is_a_setting(app, call, p, monkeypatch):
    soon = _tutor_lesson(call, p, hours=1)
    monkeypatch.setitem(app.config, "LESSON_CANCEL_MIN_HOURS", 0)
    assert call("tutor", "POST", f"/lessons/{soon['id']}/cancel").get_json()["status"] == (
        "cancelled"
    )


def test_completing_only_once_started(call, p):
    lesson = _tutor_lesson(call, p, hours=1.5 / 3600)  # starts in 1.5 seconds
    path = f"/lessons/{lesson['id']}/complete"
    assert _error(call("tutor", "POST", path)) == (409, "conflict")
    time.sleep(1.6)
    done = call("tutor", "POST", path).get_json()
    assert done["status"] == "completed" and done["completed_at"]
    assert done["can_change"] is False
    assert call("tutor", "POST", path).status_code == 200  # again: no change
    assert _events(lesson["id"]) == [("scheduled", p.tutor.id), ("completed", p.tutor.id)]
    # a completed lesson is no longer moved or cancelled
    assert _error(call("tutor", "PATCH", f"/lessons/{lesson['id']}", slot(30))) == (409, "conflict")
    assert _error(call("tutor", "POST", f"/lessons/{lesson['id']}/cancel")) == (409, "conflict")


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
    assert _events(lesson["id"]) == [("scheduled", p.tutor.id), ("completed", p.tutor.id)]
    assert _error(
        call("tutor", "POST", "/lessons/past", {"student_id": p.student.id, **slot(-26)})
    ) == (409, "conflict")
    assert _error(
        call("tutor", "POST", "/lessons/past", {"student_id": p.student.id, **slot(2)})
    ) == (400, "validation_error")
    assert _error(
        call("tutor", "POST", "/lessons/past", {"student_id": p.student.id, **slot(0, days=-91)})
    ) == (400, "validation_error")


# --- who sees and who changes -----------------------------------------------------------------


def test_who_sees_a_lesson(call, p):
    teacher_lesson = _teacher_lesson(call, p, hours=24)
    tutor_lesson = _tutor_lesson(call, p, hours=30)
    other = call(
        "other_tutor", "POST", "/lessons", {"student_id": p.other_student.id, **slot(30)}
    ).get_json()["lessons"][0]
    mine = {
        t: {x["id"] for x in call(t, "GET", "/lessons").get_json()["lessons"]} for t in p.tokens
    }
    both = {teacher_lesson["id"], tutor_lesson["id"]}
    assert mine["student"] == mine["parent"] == mine["tutor"] == both
    assert mine["teacher"] == {teacher_lesson["id"]}
    assert mine["other_tutor"] == mine["other_student"] == mine["other_parent"] == {other["id"]}
    assert mine["sibling"] == mine["other_teacher"] == set()
    assert mine["admin"] == both | {other["id"]}
    for who in ("sibling", "other_teacher", "other_parent"):
        for path in (f"/lessons/{tutor_lesson['id']}", "/lessons/999999"):
            assert _error(call(who, "GET", path)) == (404, "not_found")
        assert _error(call(who, "POST", f"/lessons/{tutor_lesson['id']}/cancel")) == (
            404,
            "not_found",
        )
        assert _error(call(who, "PATCH", f"/lessons/{tutor_lesson['id']}", {"topic": "x"})) == (
            404,
            "not_found",
        )


def test_only_its_teacher_or_tutor_changes_it(call, p):
    teacher_lesson = _teacher_lesson(call, p, hours=24)
    tutor_lesson = _tutor_lesson(call, p, hours=30)
    for who, lesson in (
        ("tutor", teacher_lesson),
        ("student", tutor_lesson),
        ("parent", tutor_lesson),
        ("admin", teacher_lesson),
    ):
        for method, suffix, body in (
            ("PATCH", "", {"topic": "x"}),
            ("POST", "/cancel", None),
            ("POST", "/complete", None),
        ):
            answer = call(who, method, f"/lessons/{lesson['id']}{suffix}", body)
            assert _error(answer) == (403, "forbidden"), (who, suffix)
    assert _events(teacher_lesson["id"]) == [("scheduled", p.teacher.id)]
    seen = call("tutor", "GET", f"/lessons/{teacher_lesson['id']}").get_json()
    assert seen["can_change"] is False and seen["can_cancel"] is False


@pytest.mark.parametrize("path", ["/lessons/0", "/lessons/abc", "/lessons/99999999999"])
def test_bad_lesson_ids_are_404(call, p, path):
    assert call("tutor", "GET", path).status_code == 404


# --- filters and paging -----------------------------------------------------------------------


def test_filters_and_paging(call, p):
    lessons = call(
        "tutor", "POST", "/lessons", {"student_id": p.student.id, **slot(24), "repeat_weeks": 5}
    ).get_json()["lessons"]
    sibling = _tutor_lesson(call, p, hours=27, student=p.sibling)
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
    day = at(24 * 8).date().isoformat()
    assert ids(f"?from={day}&to={day}") == ([lessons[1]["id"]], False)
    assert ids(f"?to={quote(iso(at(26)))}") == ([lessons[0]["id"]], False)
    for bad in ("?status=maybe", "?limit=0", "?limit=101", "?from=soon", "?student_id=x"):
        assert call("tutor", "GET", f"/lessons{bad}").status_code == 400, bad
