"""The private calendar feed (parsed with `icalendar`: valid, stable UIDs, times in UTC,
STATUS:CANCELLED, what its owner may see, revoked by regeneration, the secret stored hashed),
time zones (the profile setting over the API, the `localtime` filter in both languages) and the
demo lessons."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from icalendar import Calendar
from sqlalchemy import select

from tests.support.lessons import lesson_people, slot


@pytest.fixture
def p(ctx, make_user):
    return lesson_people(make_user)


@pytest.fixture
def call(web, p):
    def go(who, method, path, json=None, **kw):
        return web.api(method, f"/api/v1{path}", json=json, token=p.tokens[who], **kw)

    return go


def _feed_path(call, who, method="GET") -> str:
    answer = call(who, method, "/me/calendar")
    assert answer.status_code == 200, answer.get_json()
    url = answer.get_json()["url"]
    assert url.startswith("http://") and url.endswith(".ics")
    return urlsplit(url).path


def _events(web, path) -> dict[str, dict]:
    answer = web.get(path)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(answer.data)
    assert str(calendar["VERSION"]) == "2.0" and "PRODID" in calendar
    found = {}
    for event in calendar.walk("VEVENT"):
        found[str(event["UID"])] = {
            "start": event.decoded("DTSTART"),
            "end": event.decoded("DTEND"),
            "status": str(event["STATUS"]),
            "summary": str(event["SUMMARY"]),
            "sequence": int(event["SEQUENCE"]),
            "stamp": event.decoded("DTSTAMP"),
        }
    return found


def test_the_feed_is_valid_icalendar_with_stable_uids(web, call, p):
    lesson = call(
        "teacher", "POST", "/lessons", {"enrollment_id": p.maths, **slot(30), "topic": "Roots"}
    ).get_json()["lessons"][0]
    session = call("tutor", "POST", "/lessons", {"student_id": p.student.id, **slot(50)})
    session = session.get_json()["lessons"][0]
    path = _feed_path(call, "parent")
    assert _feed_path(call, "parent") == path  # the same URL until regenerated
    events = _events(web, path)
    uid = f"lesson-{lesson['id']}@thebot"
    assert set(events) == {uid, f"lesson-{session['id']}@thebot"}
    event = events[uid]
    assert event["start"] == datetime.fromisoformat(lesson["starts_at"])
    assert event["start"].utcoffset() == timedelta(0)  # times in UTC
    assert event["end"] - event["start"] == timedelta(hours=1)
    assert event["summary"] == f"{p.subject_name}: Roots"
    assert (event["status"], event["sequence"]) == ("CONFIRMED", 0)
    assert events[f"lesson-{session['id']}@thebot"]["summary"] == "Tutoring session"
    # moved, then cancelled: the same UID, a higher SEQUENCE, STATUS:CANCELLED
    moved = call("teacher", "PATCH", f"/lessons/{lesson['id']}", slot(40)).get_json()
    event = _events(web, path)[uid]
    assert event["start"] == datetime.fromisoformat(moved["starts_at"])
    assert event["sequence"] == 1
    call("teacher", "POST", f"/lessons/{lesson['id']}/cancel")
    event = _events(web, path)[uid]
    assert (event["status"], event["sequence"]) == ("CANCELLED", 2)


def test_a_feed_lists_what_its_owner_may_see(web, call, p):
    call("tutor", "POST", "/lessons", {"student_id": p.student.id, **slot(30)})
    call("other_tutor", "POST", "/lessons", {"student_id": p.other_student.id, **slot(30)})
    counts = {who: len(_events(web, _feed_path(call, who))) for who in p.tokens}
    assert counts["parent"] == counts["student"] == counts["tutor"] == 1
    assert counts["other_parent"] == counts["other_tutor"] == 1
    assert counts["teacher"] == counts["sibling"] == 0
    assert counts["admin"] == 2


def test_regenerating_revokes_the_old_url_and_the_secret_is_stored_hashed(web, call, p):
    from thebot.extensions import db
    from thebot.models import CalendarFeed

    call("tutor", "POST", "/lessons", {"student_id": p.student.id, **slot(30)})
    old = _feed_path(call, "student")
    new = _feed_path(call, "student", "POST")
    assert new != old
    assert web.get(old).status_code == 404
    assert len(_events(web, new)) == 1
    assert _feed_path(call, "student") == new
    secret = new.rsplit("/", 1)[1].removesuffix(".ics")
    db.session.expire_all()
    feed = db.session.get(CalendarFeed, p.student.id)
    assert feed.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in feed.token_hash
    for bad in ("/calendar/nothing.ics", "/calendar/" + "a" * 64 + ".ics", "/calendar/.ics"):
        assert web.get(bad).status_code == 404


def test_a_deactivated_owners_feed_stops(web, call, p):
    from thebot.services import accounts

    path = _feed_path(call, "parent")
    accounts.set_active(p.admin, p.parent.id, False)
    assert web.get(path).status_code == 404


def test_feed_texts_are_in_the_owners_language(web, call, p):
    from thebot.services import accounts

    accounts.set_locale(p.parent, "ru")
    call("tutor", "POST", "/lessons", {"student_id": p.student.id, **slot(30)})
    answer = web.get(_feed_path(call, "parent"))
    calendar = Calendar.from_ical(answer.data)
    [event] = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Занятие с тьютором"
    assert "Ученик: Sam Student" in str(event["DESCRIPTION"])


# --- time zones ---------------------------------------------------------------------------------


def test_the_time_zone_is_a_profile_setting_from_the_iana_list(call, p):
    from thebot.extensions import db

    assert p.student.time_zone == "Europe/Moscow"  # the default
    answer = call("student", "PATCH", "/me", {"time_zone": "Asia/Tokyo"})
    assert answer.status_code == 200 and answer.get_json()["time_zone"] == "Asia/Tokyo"
    db.session.expire_all()
    assert p.student.time_zone == "Asia/Tokyo"
    for bad in ("Mars/Olympus", "", "asia/tokyo", 3, None):
        answer = call("student", "PATCH", "/me", {"time_zone": bad})
        assert answer.status_code == 400
        assert "time_zone" in answer.get_json()["error"]["fields"]
    assert call("student", "PATCH", "/me", {}).status_code == 400
    db.session.expire_all()
    assert p.student.time_zone == "Asia/Tokyo"


def test_the_localtime_filter_shows_the_viewers_zone_and_language(ctx, p):
    from flask import render_template_string
    from flask_babel import force_locale

    from thebot.services import accounts

    moment = datetime(2026, 12, 1, 12, 30, tzinfo=UTC)
    accounts.set_time_zone(p.teacher, "America/New_York")

    def show(user, pattern="datetime"):
        return render_template_string(
            "{{ t|localtime(pattern, user=u) }}", t=moment, u=user, pattern=pattern
        )

    with force_locale("en"):
        assert show(p.student) == "Tue 1 Dec 2026, 15:30"  # Moscow, UTC+3
        assert show(p.teacher) == "Tue 1 Dec 2026, 07:30"  # New York, UTC-5
        assert show(p.teacher, "time") == "07:30"
    with force_locale("ru"):
        assert show(p.student) == "вт 1 дек. 2026, 15:30"
    assert render_template_string("{{ none|localtime }}", none=None) == ""


# --- the demo -----------------------------------------------------------------------------------


def test_the_demo_has_past_and_upcoming_lessons_and_a_series_with_exceptions(demo):
    from thebot.extensions import db
    from thebot.models import Lesson, LessonEvent, LessonStatus

    lessons = db.session.scalars(select(Lesson)).all()
    now = datetime.now(UTC)
    past = [x for x in lessons if x.ends_at < now]
    assert past and all(x.status is LessonStatus.COMPLETED for x in past)
    assert any(x.starts_at > now and x.status is LessonStatus.SCHEDULED for x in lessons)
    assert any(x.teacher_id for x in lessons) and any(x.tutor_id for x in lessons)
    series = [x for x in lessons if x.series_id]
    assert len({x.series_id for x in series}) == 1 and len(series) >= 4
    statuses = sorted(x.status.value for x in series)
    assert statuses.count("cancelled") == 1
    moved = db.session.scalars(
        select(LessonEvent.lesson_id).where(LessonEvent.action == "rescheduled")
    ).all()
    assert len(moved) == 1 and moved[0] in {x.id for x in series}
    assert {x.student.username for x in lessons} >= {"student", "student2", "student3"}
