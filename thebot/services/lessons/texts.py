"""How lesson times and lesson notifications read: a time in a given zone in the current
language, and the (title, body) of the kinds lesson_scheduled / lesson_changed / lesson_cancelled
(notify_texts.render calls `lesson_texts`)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime
from flask_babel import get_locale, gettext

DEFAULT_ZONE = "Europe/Moscow"
# Named patterns of `local_text` (CLDR patterns; anything else is used as a pattern itself).
PATTERNS = {
    "datetime": "EEE d MMM y, HH:mm",
    "short": "d MMM, HH:mm",
    "date": "EEE d MMM y",
    "time": "HH:mm",
}


def zone(name: str | None) -> ZoneInfo:
    """The zone of this IANA name, or the default for a missing or unknown one."""
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def local_text(value: datetime, zone_name: str | None, pattern: str = "datetime") -> str:
    """A UTC moment as wall-clock time in the zone, in the current language ("Tue 1 Dec 2026,
    15:00" / "вт 1 дек. 2026 г., 15:00")."""
    return format_datetime(
        value, PATTERNS.get(pattern, pattern), tzinfo=zone(zone_name), locale=get_locale()
    )


def _when(params: dict, key: str = "starts_at") -> str:
    """A time from params (ISO) in the recipient's zone stored with it ("tz")."""
    try:
        moment = datetime.fromisoformat(str(params[key]))
    except ValueError:
        return str(params[key])
    return local_text(moment, params.get("tz"), "short")


def _what(params: dict) -> str:
    """ "Maths with Mikhail Orlov" or "Tutoring session with Tatiana Smirnova"."""
    if params.get("subject"):
        return gettext("%(subject)s with %(name)s", subject=params["subject"], name=params["host"])
    return gettext("Tutoring session with %(name)s", name=params["host"])


def _body(params: dict) -> str:
    parts = [gettext("%(what)s for %(student)s.", what=_what(params), student=params["student"])]
    if params.get("topic"):
        parts.append(gettext("Topic: %(topic)s", topic=params["topic"]))
    return " ".join(parts)


def lesson_texts(kind: str, params: dict) -> tuple[str, str]:
    """(title, body) of a lesson notification in the current language (KeyError if params lack
    a value)."""
    when = _when(params)
    if kind == "lesson_scheduled":
        count = int(params.get("count") or 1)
        if count > 1:
            title = gettext(
                "Weekly lessons scheduled: %(count)s, from %(when)s", count=count, when=when
            )
        else:
            title = gettext("Lesson scheduled: %(when)s", when=when)
        return title, _body(params)
    if kind == "lesson_cancelled":
        body = _body(params)
        if params.get("reason"):
            body += " " + gettext("Reason: %(reason)s", reason=params["reason"])
        return gettext("Lesson cancelled: %(when)s", when=when), body
    if params.get("action") == "completed":
        return gettext("Lesson held: %(when)s", when=when), _body(params)
    if params.get("old_starts_at") and params["old_starts_at"] != params["starts_at"]:
        title = gettext(
            "Lesson moved: %(old)s → %(when)s", old=_when(params, "old_starts_at"), when=when
        )
    else:
        title = gettext("Lesson changed: %(when)s", when=when)
    return title, _body(params)
