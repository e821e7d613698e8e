"""Lessons and calendar feeds over JSON (contract.md 3a): list, schedule (one or a weekly
series), record a past lesson, move, cancel, complete; the caller's feed URL and time zone
(services/lessons/, services/accounts.py)."""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _

from thebot.api import api_user, bp
from thebot.api.schema import accepts
from thebot.api.serializers import ME_FIELDS, me_dict
from thebot.api.shapes import (
    BOOLEAN,
    DATETIME,
    ID,
    PERSON,
    STRING,
    TAUGHT_SUBJECT,
    URL,
    array,
    component,
    nullable,
    obj,
    one_of_values,
    returns,
)
from thebot.api.util import BadRequest, id_arg, int_arg, json_body
from thebot.models import LessonStatus
from thebot.services import access, accounts
from thebot.services.ids import payload_id
from thebot.services.lessons import calendar, listing, schedule
from thebot.services.lessons.serialize import lesson_dict

# The shapes of services/lessons/serialize.py (the API always passes the viewer: `can_*` set).
LESSON = component(
    "Lesson",
    obj(
        {
            "id": ID,
            "status": one_of_values(*(status.value for status in LessonStatus)),
            "student": PERSON,
            "teacher": nullable(PERSON),
            "tutor": nullable(PERSON),
            "enrollment_id": nullable(ID),
            "subject": nullable(TAUGHT_SUBJECT),
            "starts_at": DATETIME,
            "ends_at": DATETIME,
            "topic": STRING,
            "video_url": URL,  # or ""
            "series_id": nullable(STRING),
            "created_at": DATETIME,
            "updated_at": DATETIME,
            "completed_at": nullable(DATETIME),
            "cancelled_at": nullable(DATETIME),
            "cancel_reason": nullable(STRING),
            "can_change": BOOLEAN,
            "can_cancel": BOOLEAN,
            "can_complete": BOOLEAN,
        }
    ),
)
FEED_URL = component("CalendarFeedUrl", obj({"url": URL}))
# PATCH /me: the account as GET /me (the fields of its Me component), plus the time zone set.
ME_WITH_TIME_ZONE = obj({**ME_FIELDS, "time_zone": STRING})

NEW_LESSON = {
    "starts_at": "datetime",
    "ends_at": "datetime",
    "enrollment_id": "id",
    "student_id": "id",
    "topic": "string",
    "video_url": "url",
}


def _lesson(lesson):
    return jsonify(lesson_dict(lesson, api_user()))


def _optional_body() -> dict:
    """The JSON object of a request whose body may be left out (then {})."""
    return json_body() if request.get_data() else {}


@bp.get("/lessons")
@accepts(
    query={
        "from": "date",
        "to": "date",
        "student_id": "id",
        "subject_id": "id",
        "status": "string",
        "limit": "count",
        "before_id": "id",
        "after_id": "id",
    }
)
@returns(200, obj({"lessons": array(LESSON), "has_more": BOOLEAN}))
def list_lessons():
    """?from=&to=&student_id=&subject_id=&status=&limit=&before_id=&after_id= (by start time)."""
    viewer = api_user()
    args = request.args
    limit = int_arg("limit")
    rows, has_more = listing.lessons_for(
        viewer,
        date_from=args.get("from") or None,
        date_to=args.get("to") or None,
        student_id=id_arg("student_id"),
        subject_id=id_arg("subject_id"),
        status=args.get("status") or None,
        before_id=id_arg("before_id"),
        after_id=id_arg("after_id"),
        limit=50 if limit is None else limit,
    )
    return jsonify({"lessons": [lesson_dict(x, viewer) for x in rows], "has_more": has_more})


def _new_lesson_fields(body: dict) -> dict:
    return {
        "starts_at": body.get("starts_at"),
        "ends_at": body.get("ends_at"),
        "enrollment_id": payload_id(body.get("enrollment_id"), "enrollment_id", required=False),
        "student_id": payload_id(body.get("student_id"), "student_id", required=False),
        "topic": body.get("topic"),
        "video_url": body.get("video_url"),
    }


@bp.post("/lessons")
@accepts(body={**NEW_LESSON, "repeat_weeks": "integer"}, required=("starts_at", "ends_at"))
@returns(201, obj({"lessons": array(LESSON)}))
def create_lessons():
    """Teacher {enrollment_id} or tutor {student_id}, {starts_at, ends_at, topic?, video_url?,
    repeat_weeks?} → 201 {"lessons": [...]} (one per week of a series)."""
    body = json_body()
    weeks = body.get("repeat_weeks")
    if isinstance(
        weeks, str
    ):  # a JSON number, like every count in the API: refused as out of range
        weeks = -1
    lessons = schedule.schedule_lessons(api_user(), **_new_lesson_fields(body), repeat_weeks=weeks)
    viewer = api_user()
    return jsonify({"lessons": [lesson_dict(x, viewer) for x in lessons]}), 201


@bp.post("/lessons/past")
@accepts(body=NEW_LESSON, required=("starts_at", "ends_at"))
@returns(201, LESSON)
def record_lesson():
    """A lesson that already took place, recorded as completed: the fields of a new lesson
    without repeat_weeks → 201 lesson."""
    return _lesson(schedule.record_past_lesson(api_user(), **_new_lesson_fields(json_body()))), 201


@bp.get("/lessons/<int:lesson_id>")
@returns(200, LESSON)
def get_lesson(lesson_id: int):
    """One lesson the caller may see."""
    return _lesson(access.visible_lesson(api_user(), lesson_id))


@bp.patch("/lessons/<int:lesson_id>")
@accepts(
    body={"starts_at": "datetime", "ends_at": "datetime", "topic": "string", "video_url": "url"}
)
@returns(200, LESSON)
def change_lesson(lesson_id: int):
    """Move or edit: {starts_at?, ends_at?, topic?, video_url?} (a new start alone keeps the
    length)."""
    body = json_body()
    known = {"starts_at", "ends_at", "topic", "video_url"}
    if not known & set(body):
        raise BadRequest(_("Give at least one of starts_at, ends_at, topic, video_url."))
    lesson = schedule.reschedule_lesson(
        api_user(),
        lesson_id,
        starts_at=body.get("starts_at"),
        ends_at=body.get("ends_at"),
        topic=body.get("topic"),
        video_url=body.get("video_url"),
    )
    return _lesson(lesson)


@bp.post("/lessons/<int:lesson_id>/cancel")
@accepts(body={"reason": "string"}, body_optional=True)
@returns(200, LESSON)
def cancel_lesson(lesson_id: int):
    """Cancel: {"reason"?}; refused less than LESSON_CANCEL_MIN_HOURS before the start."""
    body = _optional_body()
    return _lesson(schedule.cancel_lesson(api_user(), lesson_id, body.get("reason")))


@bp.post("/lessons/<int:lesson_id>/complete")
@accepts(body={}, body_optional=True)
@returns(200, LESSON)
def complete_lesson(lesson_id: int):
    """Mark held, once started."""
    _optional_body()
    return _lesson(schedule.complete_lesson(api_user(), lesson_id))


@bp.get("/me/calendar")
@returns(200, FEED_URL)
def calendar_url():
    """{"url"}: the caller's private feed URL (made on first use)."""
    return jsonify({"url": calendar.feed_url_for(api_user())})


@bp.post("/me/calendar")
@returns(200, FEED_URL)
def regenerate_calendar():
    """{"url"}: a new private feed URL; the old one stops working."""
    return jsonify({"url": calendar.regenerate_feed(api_user())})


@bp.patch("/me")
@accepts(body={"time_zone": "string"}, required=("time_zone",))
@returns(200, ME_WITH_TIME_ZONE)
def change_me():
    """{"time_zone"}: the caller's time zone (an IANA name) → the account as GET /me,
    plus time_zone."""
    body = json_body()
    if "time_zone" not in body:
        raise BadRequest(_("Give the time_zone to change."))
    user = api_user()
    accounts.set_time_zone(user, body["time_zone"])
    return jsonify({**me_dict(user), "time_zone": user.time_zone})
