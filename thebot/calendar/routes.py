"""The feed route: the owner's lessons as text/calendar (RFC 5545), 404 for an unknown or
revoked secret. GET only, so CSRF does not apply; nothing is cached by shared caches."""

from __future__ import annotations

from flask import Response, abort

from thebot.calendar import bp
from thebot.services.lessons import calendar


@bp.get("/<secret>.ics")
def feed(secret: str):
    """The calendar behind a private feed URL."""
    body = calendar.feed_ics(secret)
    if body is None:
        abort(404)
    response = Response(body, content_type="text/calendar; charset=utf-8")
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["Content-Disposition"] = 'inline; filename="lessons.ics"'
    return response
