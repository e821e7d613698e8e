"""Lessons over the JSON API: scheduling by teachers and tutors (one and a weekly series), every
refusal (duration, past, repeat_weeks, whose enrollment or student, overlaps of the teacher, the
tutor and the student, a series refused whole), moving and cancelling one occurrence of a series,
the cancel window, completing only once started, history rows, who may see and change what
(404 for the unseen), filters and paging."""

from __future__ import annotations

import itertools
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.support.lessons import (
    at,
    error_of,
    events_of,
    iso,
    lesson_caller,
    lesson_count,
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
    assert events_of(lesson["id"]) == [("scheduled", p.teacher.id)]


def test_a_tutor_schedules_a_session_with_their_student(call, p):
    lesson = tutor_lesson(call, p, topic="Study plan")
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
        assert error_of(answer) == (400, "validation_error")
        assert "ends_at" in answer.get_json()["error"]["fields"]
        assert lesson_count() == 0


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
    assert error_of(answer) == (400, "validation_error")
    assert field in answer.get_json()["error"]["fields"]
    assert lesson_count() == 0


def test_a_lesson_cannot_be_scheduled_in_the_past(call, p):
    answer = call("tutor", "POST", "/lessons", {"student_id": p.student.id, **slot(-1)})
    assert error_of(answer) == (400, "validation_error")
    assert "starts_at" in answer.get_json()["error"]["fields"]


def test_whose_enrollment_or_student_decides(call, p):
    from thebot.services import learning

    # another teacher's enrollment, another tutor's student: not found (ids leak nothing)
    assert error_of(
        call("other_teacher", "POST", "/lessons", {"enrollment_id": p.maths, **slot(24)})
    ) == (404, "not_found")
    assert error_of(
        call("tutor", "POST", "/lessons", {"student_id": p.other_student.id, **slot(24)})
    ) == (404, "not_found")
    assert error_of(call("tutor", "POST", "/lessons", {"student_id": 2**31, **slot(24)})) == (
        404,
        "not_found",
    )
    assert error_of(call("tutor", "POST", "/lessons", {"student_id": "7", **slot(24)})) == (
        400,
        "validation_error",
    )
    # roles that do not hold lessons
    for who in ("student", "parent", "admin"):
        assert error_of(
            call(who, "POST", "/lessons", {"student_id": p.student.id, **slot(24)})
        ) == (
            403,
            "forbidden",
        )
    # an ended enrollment takes no new lessons
    learning.end_enrollment(p.admin, p.maths)
    assert error_of(
        call("teacher", "POST", "/lessons", {"enrollment_id": p.maths, **slot(24)})
    ) == (
        409,
        "conflict",
    )
    assert lesson_count() == 0


# --- overlaps ---------------------------------------------------------------------------------


def test_the_teacher_cannot_be_in_two_lessons_at_once(call, p):
    teacher_lesson(call, p, hours=24, minutes=60)
    clash = call("teacher", "POST", "/lessons", {"enrollment_id": p.other_maths, **slot(24.5, 60)})
    assert error_of(clash) == (409, "conflict")
    assert "starts_at" in clash.get_json()["error"]["fields"]
    # back to back is fine
    assert (
        call(
            "teacher", "POST", "/lessons", {"enrollment_id": p.other_maths, **slot(25, 60)}
        ).status_code
        == 201
    )


def test_the_tutor_cannot_be_in_two_sessions_at_once(call, p):
    tutor_lesson(call, p, hours=24)
    clash = call("tutor", "POST", "/lessons", {"student_id": p.sibling.id, **slot(23.5, 60)})
    assert error_of(clash) == (409, "conflict")
    assert tutor_lesson(call, p, hours=26, student=p.sibling)["status"] == "scheduled"


def test_the_student_cannot_be_in_two_lessons_at_once(call, p):
    teacher_lesson(call, p, hours=24, minutes=90)
    clash = call("tutor", "POST", "/lessons", {"student_id": p.student.id, **slot(25, 60)})
    assert error_of(clash) == (409, "conflict")
    assert "student" in clash.get_json()["error"]["message"]


def test_a_cancelled_lesson_frees_its_time(call, p):
    lesson = tutor_lesson(call, p, hours=24)
    assert call("tutor", "POST", f"/lessons/{lesson['id']}/cancel").status_code == 200
    assert tutor_lesson(call, p, hours=24)["status"] == "scheduled"


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
    teacher_lesson(call, p, hours=24 * 7 * 3 + 24)  # clashes with the 4th week only
    before = lesson_count()
    answer = call(
        "tutor", "POST", "/lessons", {"student_id": p.student.id, **slot(24), "repeat_weeks": 6}
    )
    assert error_of(answer) == (409, "conflict")
    assert lesson_count() == before


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
    assert events_of(second["id"]) == [("scheduled", p.teacher.id), ("rescheduled", p.teacher.id)]
    assert events_of(third["id"]) == [("scheduled", p.teacher.id), ("cancelled", p.teacher.id)]
    assert events_of(first["id"]) == [("scheduled", p.teacher.id)]


# --- rescheduling -----------------------------------------------------------------------------


def test_moving_has_the_checks_of_scheduling(call, p):
    lesson = tutor_lesson(call, p, hours=24)
    teacher_lesson(call, p, hours=48)
    path = f"/lessons/{lesson['id']}"
    assert error_of(call("tutor", "PATCH", path, slot(48))) == (409, "conflict")  # the student
    assert error_of(call("tutor", "PATCH", path, slot(-2))) == (400, "validation_error")
    assert error_of(call("tutor", "PATCH", path, slot(30, 300))) == (400, "validation_error")
    assert error_of(call("tutor", "PATCH", path, {})) == (400, "bad_request")
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
