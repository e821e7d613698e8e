"""The private calendar feeds: GET /calendar/<secret>.ics, no sign-in (the secret is the key)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("calendar", __name__, url_prefix="/calendar")

from thebot.calendar import routes  # noqa: E402,F401  (the routes, on bp)
