"""The notification centre's pages: the list and the per-category settings."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

from thebot.notifications import routes  # noqa: E402,F401  (the pages, on bp)
