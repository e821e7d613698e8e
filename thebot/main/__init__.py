"""Site-wide pages: the home redirect, the health check, the language switch, the favicon, and
every user's profile page (`profile`)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("main", __name__)

from thebot.main import devices, profile, routes  # noqa: E402,F401  (the pages, on bp)
