"""Browser sign-in and sign-out (pages)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from thebot.auth import invites, recovery, routes  # noqa: E402,F401  (the pages, on bp)
