"""What the fuzz runs found, kept as regression tests: dates and times at the ends of the
calendar (year 1, year 9999) used to overflow Python's datetime in a time-zone shift or a
day's end and answer 500. Each is now a clear 400 naming the field, or — where the value has a
meaning — the plain answer, and nothing changes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.support.http import api_token

EAST = "Asia/Kamchatka"  # UTC+12: the first day of year 1 starts before the first UTC moment


def _count(model) -> int:
    from thebot.extensions import db

    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def tutor(web, demo):
    token = api_token(demo.tutor)
    answer = web.api("PATCH", "/api/v1/me", json={"time_zone": EAST}, token=token)
    assert answer.get_json()["time_zone"] == EAST
    return token


def _refused(answer, field: str) -> None:
    assert answer.status_code == 400, answer.get_data(as_text=True)
    error = answer.get_json()["error"]
    assert error["code"] == "validation_error" and field in error["fields"], error


@pytest.mark.parametrize(
    ("name", "value"),
    [("from", "0001-01-01"), ("to", "9999-12-31"), ("from", "0001-01-01T00:00:00+14:00")],
)
def test_a_lesson_list_bound_at_the_calendars_end_is_refused(web, tutor, name, value):
    _refused(web.api("GET", "/api/v1/lessons", token=tutor, query_string={name: value}), name)
    listed = web.api("GET", "/api/v1/lessons", token=tutor, query_string={"from": "2000-01-01"})
    assert listed.status_code == 200 and listed.get_json()["lessons"]


def test_invoices_up_to_the_last_day_there_is_are_all_invoices(web, tutor):
    everything = web.api("GET", "/api/v1/invoices", token=tutor).get_json()["invoices"]
    assert everything
    for query in ({"date_to": "9999-12-31"}, {"date_from": "0001-01-01", "date_to": "9999-12-31"}):
        listed = web.api("GET", "/api/v1/invoices", token=tutor, query_string=query)
        assert [i["id"] for i in listed.get_json()["invoices"]] == [i["id"] for i in everything]
        totals = web.api("GET", "/api/v1/invoices/totals", token=tutor, query_string=query)
        assert totals.status_code == 200
        assert sum(row["count"] for row in totals.get_json()["totals"].values()) >= len(everything)
        by_status = totals.get_json()["totals"]
        # every invoice counts once by status; "overdue" also counts some sent or viewed ones
        assert sum(r["count"] for k, r in by_status.items() if k != "overdue") == len(everything)


def test_billing_lessons_of_year_one_is_refused_and_bills_nothing(web, demo, tutor):
    from thebot.models import Invoice

    before = _count(Invoice)
    body = {
        "student_id": demo.student.id,
        "date_from": "0001-01-01",
        "date_to": "0001-06-30",
        "rate": "1500.00",
        "due_date": "2999-01-01",
    }
    _refused(web.api("POST", "/api/v1/invoices/from-lessons", json=body, token=tutor), "date_from")
    last_day = {**body, "date_from": "9999-06-01", "date_to": "9999-12-31"}
    _refused(
        web.api("POST", "/api/v1/invoices/from-lessons", json=last_day, token=tutor), "date_to"
    )
    billable = web.api(
        "GET",
        f"/api/v1/students/{demo.student.id}/billable-lessons",
        token=tutor,
        query_string={"date_from": "9999-06-01", "date_to": "9999-12-31"},
    )
    _refused(billable, "date_to")
    assert _count(Invoice) == before


@pytest.mark.parametrize(
    ("starts_at", "ends_at", "weeks"),
    [
        ("0001-01-01T00:00:00+14:00", "0001-01-01T01:00:00+14:00", 1),
        ("9999-12-01T10:00:00+00:00", "9999-12-01T11:00:00+00:00", 20),
        ("9999-12-31T22:00:00+00:00", "9999-12-31T23:00:00+00:00", 1),
    ],
)
def test_a_lesson_at_the_calendars_end_is_refused_and_nothing_is_stored(
    web, demo, tutor, starts_at, ends_at, weeks
):
    from thebot.models import Lesson

    before = _count(Lesson)
    body = {
        "student_id": demo.student.id,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "repeat_weeks": weeks,
    }
    _refused(web.api("POST", "/api/v1/lessons", json=body, token=tutor), "starts_at")
    past = {key: body[key] for key in ("student_id", "starts_at", "ends_at")}
    _refused(web.api("POST", "/api/v1/lessons/past", json=past, token=tutor), "starts_at")
    assert _count(Lesson) == before


def test_moving_a_lesson_to_the_calendars_end_is_refused_and_it_stays(web, tutor):
    lessons = web.api(
        "GET",
        "/api/v1/lessons",
        token=tutor,
        query_string={"status": "scheduled", "from": "2000-01-01"},
    ).get_json()["lessons"]
    lesson = next(x for x in lessons if x["teacher"] is None)  # the tutor's own
    path = f"/api/v1/lessons/{lesson['id']}"
    for starts_at in ("9999-12-31T22:00:00+00:00", "0001-01-01T00:00:00+14:00"):
        _refused(web.api("PATCH", path, json={"starts_at": starts_at}, token=tutor), "starts_at")
    after = web.api("GET", path, token=tutor).get_json()
    assert (after["starts_at"], after["ends_at"]) == (lesson["starts_at"], lesson["ends_at"])
