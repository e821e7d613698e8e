"""Private iCalendar feeds (RFC 5545): one secret URL per user listing the lessons they may see,
for Google, Apple and Outlook calendars to subscribe to.

The secret in the URL is an HMAC of the user id and the feed's creation time under the app's
SECRET_KEY; only its SHA-256 is stored (`calendar_feeds.token_hash`), so the database alone
reveals no feed URL, while the profile page can still show the current one. Regenerating gives
the feed a new creation time, hence a new secret: the old URL stops working at once. (Rotating
SECRET_KEY revokes every feed.) Each lesson is one VEVENT with the stable UID
"lesson-<id>@thebot", times in UTC, STATUS:CANCELLED once cancelled, and a SEQUENCE that grows
with every change, so subscribed calendars update the event in place.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale, gettext
from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from thebot.extensions import db
from thebot.models import CalendarFeed, Lesson, LessonStatus, User
from thebot.models.base import utcnow
from thebot.services import access
from thebot.services.people import locale_of

PATH = "/calendar/{secret}.ics"
PAST_DAYS = 180  # a feed lists lessons from half a year back onwards
MAX_EVENTS = 2_000


def _secret(feed: CalendarFeed) -> str:
    stamp = feed.created_at.isoformat(timespec="microseconds")
    message = f"calendar-feed:{feed.user_id}:{stamp}".encode()
    return hmac.new(current_app.config["SECRET_KEY"].encode(), message, "sha256").hexdigest()


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _url(secret: str) -> str:
    return current_app.config["BASE_URL"] + PATH.format(secret=secret)


def _renew(feed: CalendarFeed) -> str:
    feed.created_at = utcnow()
    secret = _secret(feed)
    feed.token_hash = _digest(secret)
    db.session.commit()
    return secret


def feed_url_for(user: User) -> str:
    """The user's private feed URL (a feed is made on first use)."""
    feed = db.session.get(CalendarFeed, user.id)
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        db.session.add(feed)
        return _url(_renew(feed))
    return _url(_secret(feed))


def regenerate_feed(user: User) -> str:
    """A new private feed URL for the user; the old one stops working."""
    feed = db.session.get(CalendarFeed, user.id)
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        db.session.add(feed)
    return _url(_renew(feed))


def feed_owner(secret: str) -> User | None:
    """The active user whose current feed has this secret, or None."""
    if not secret or len(secret) > 128:
        return None
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == _digest(secret)))
    if feed is None or not feed.user.active:
        return None
    return feed.user


def _summary(lesson: Lesson) -> str:
    what = lesson.enrollment.title if lesson.enrollment is not None else gettext("Tutoring session")
    return f"{what}: {lesson.topic}" if lesson.topic else what


def _description(lesson: Lesson) -> str:
    host = lesson.teacher or lesson.tutor
    lines = [
        gettext("Student: %(name)s", name=lesson.student.full_name),
        gettext("With: %(name)s", name=host.full_name if host else ""),
    ]
    if lesson.video_url:
        lines.append(gettext("Video call: %(url)s", url=lesson.video_url))
    if lesson.status is LessonStatus.CANCELLED and lesson.cancel_reason:
        lines.append(gettext("Cancelled: %(reason)s", reason=lesson.cancel_reason))
    return "\n".join(lines)


def _event(lesson: Lesson) -> Event:
    event = Event()
    event.add("uid", f"lesson-{lesson.id}@thebot")
    event.add("dtstamp", lesson.updated_at)
    event.add("created", lesson.created_at)
    event.add("last-modified", lesson.updated_at)
    event.add("sequence", max(len(lesson.events) - 1, 0))
    event.add("dtstart", lesson.starts_at)
    event.add("dtend", lesson.ends_at)
    event.add("summary", _summary(lesson))
    event.add("description", _description(lesson))
    if lesson.video_url:
        event.add("url", lesson.video_url)
    event.add("status", "CANCELLED" if lesson.status is LessonStatus.CANCELLED else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if lesson.status is LessonStatus.CANCELLED else "OPAQUE")
    return event


def calendar_of(user: User) -> bytes:
    """The RFC 5545 calendar of the lessons the user may see (from PAST_DAYS back), texts in
    the user's language."""
    lessons = db.session.scalars(
        access.visible_lessons(user)
        .where(Lesson.starts_at >= utcnow() - timedelta(days=PAST_DAYS))
        .options(selectinload(Lesson.events))
        .order_by(Lesson.starts_at, Lesson.id)
        .limit(MAX_EVENTS)
    ).all()
    with force_locale(locale_of(user)):
        calendar = Calendar()
        calendar.add("prodid", "-//THE BOT//Lessons//EN")
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        calendar.add("x-wr-calname", gettext("THE BOT lessons: %(name)s", name=user.full_name))
        calendar.add("x-published-ttl", "PT1H")
        for lesson in lessons:
            calendar.add_component(_event(lesson))
    return calendar.to_ical()


def feed_ics(secret: str) -> bytes | None:
    """The feed behind a secret URL, or None when the secret is unknown or revoked."""
    owner = feed_owner(secret)
    return None if owner is None else calendar_of(owner)
