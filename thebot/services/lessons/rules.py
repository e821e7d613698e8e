"""The rules of a lesson's values and of who may do what to it (domain.md section 6).

Times come in as timezone-aware datetimes or ISO 8601 strings with an offset, and are kept in
UTC. A lesson lasts 30 minutes to 4 hours; a weekly series has 1 to 20 occurrences.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l

from thebot.models import Lesson, LessonStatus, User
from thebot.models.base import utcnow
from thebot.services.errors import Invalid
from thebot.services.lessons.texts import zone

MIN_DURATION = timedelta(minutes=30)
MAX_DURATION = timedelta(hours=4)
MAX_WEEKS = 20
# Lesson times are refused outside these years: far beyond any lesson, and far enough from the
# calendar's ends that a series, a week's page or a zone shift never overflows a datetime.
EARLIEST_TIME = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_TIME = datetime(9000, 1, 1, tzinfo=UTC)
TOPIC_MAX = 200
VIDEO_URL_MAX = 500
REASON_MAX = 500
# How far back a lesson that already took place may be recorded.
RECORD_PAST_DAYS = 90


def zone_of(user: User) -> ZoneInfo:
    """The user's time zone (the profile setting; the default if it is unknown here)."""
    return zone(user.time_zone)


def cancel_min_hours() -> int:
    """Hours before the start after which a lesson can no longer be cancelled (a setting)."""
    return int(current_app.config.get("LESSON_CANCEL_MIN_HOURS", 2))


# --- values -----------------------------------------------------------------------------------


def parse_time(value, field: str) -> datetime:
    """A moment from an aware datetime or an ISO 8601 string with offset, in UTC."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise Invalid(
            _l("'%(name)s' must be a date and time with an offset.", name=field),
            {field: _l("A time such as 2026-12-01T15:00:00+03:00.")},
        )
    try:
        moment = value.astimezone(UTC).replace(microsecond=0)
    except OverflowError:  # e.g. 0001-01-01T00:00+14:00 is before the first UTC moment
        moment = None
    if moment is None or not EARLIEST_TIME <= moment < LATEST_TIME:
        raise Invalid(
            _l("'%(name)s' is out of range.", name=field),
            {field: _l("A time such as 2026-12-01T15:00:00+03:00.")},
        )
    return moment


def check_times(starts_at: datetime, ends_at: datetime) -> None:
    """A lesson lasts from 30 minutes to 4 hours."""
    if not MIN_DURATION <= ends_at - starts_at <= MAX_DURATION:
        raise Invalid(
            _l("A lesson lasts from 30 minutes to 4 hours."),
            {"ends_at": _l("From 30 minutes to 4 hours after the start.")},
        )


def check_future(starts_at: datetime) -> None:
    """A lesson is scheduled (or moved) to a time that has not come yet."""
    if starts_at <= utcnow():
        raise Invalid(
            _l("A lesson cannot be scheduled in the past."),
            {"starts_at": _l("A time in the future.")},
        )


def check_past(starts_at: datetime, ends_at: datetime) -> None:
    """A lesson recorded after the fact has ended, at most RECORD_PAST_DAYS ago."""
    now = utcnow()
    if ends_at > now or starts_at < now - timedelta(days=RECORD_PAST_DAYS):
        raise Invalid(
            _l(
                "Only a lesson that has ended, in the last %(days)d days, can be recorded.",
                days=RECORD_PAST_DAYS,
            ),
            {"starts_at": _l("A past lesson of the last %(days)d days.", days=RECORD_PAST_DAYS)},
        )


def parse_topic(value) -> str:
    """An optional topic of at most 200 characters (surrounding space removed)."""
    if value is None:
        return ""
    if not isinstance(value, str) or len(value.strip()) > TOPIC_MAX:
        raise Invalid(
            _l("The topic is text of at most %(max)d characters.", max=TOPIC_MAX),
            {"topic": _l("At most %(max)d characters.", max=TOPIC_MAX)},
        )
    return value.strip()


def parse_video_url(value) -> str:
    """An optional http(s) link to the video call."""
    if value is None:
        return ""
    text = value.strip() if isinstance(value, str) else None
    if text == "":
        return ""
    if (
        text is None
        or len(text) > VIDEO_URL_MAX
        or not text.lower().startswith(("https://", "http://"))
        or any(c.isspace() for c in text)
    ):
        raise Invalid(
            _l("The video link must be an http(s) address."),
            {"video_url": _l("An address such as https://meet.example.com/abc.")},
        )
    return text


def parse_weeks(value) -> int:
    """How many weekly occurrences: a whole number from 1 to 20."""
    if value is None:
        return 1
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_WEEKS:
        raise Invalid(
            _l("A series has 1 to %(max)d weekly lessons.", max=MAX_WEEKS),
            {"repeat_weeks": _l("From 1 to %(max)d.", max=MAX_WEEKS)},
        )
    return value


def parse_reason(value) -> str | None:
    """An optional reason of at most 500 characters."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str) or len(value.strip()) > REASON_MAX:
        raise Invalid(
            _l("The reason is text of at most %(max)d characters.", max=REASON_MAX),
            {"reason": _l("At most %(max)d characters.", max=REASON_MAX)},
        )
    return value.strip()


def weekly(starts_at: datetime, weeks: int, zone: ZoneInfo) -> list[datetime]:
    """The starts of a weekly series: the same wall-clock time in `zone` each week (so a
    daylight-saving change there keeps the local time), in UTC."""
    local = starts_at.astimezone(zone)
    return [(local + timedelta(weeks=k)).astimezone(UTC) for k in range(weeks)]


# --- who may ----------------------------------------------------------------------------------


def may_change(user: User, lesson: Lesson) -> bool:
    """Its teacher or tutor, while it is scheduled (move, edit, cancel, complete)."""
    return lesson.status is LessonStatus.SCHEDULED and lesson.host_id == user.id


def too_late_to_cancel(lesson: Lesson) -> bool:
    """Less than LESSON_CANCEL_MIN_HOURS before the start (or after it)."""
    return lesson.starts_at - utcnow() < timedelta(hours=cancel_min_hours())


def may_cancel(user: User, lesson: Lesson) -> bool:
    """may_change, and not less than LESSON_CANCEL_MIN_HOURS before the start."""
    return may_change(user, lesson) and not too_late_to_cancel(lesson)


def may_complete(user: User, lesson: Lesson) -> bool:
    """may_change, once the start has passed."""
    return may_change(user, lesson) and lesson.starts_at <= utcnow()
