"""The teacher's area (pages)."""
from __future__ import annotations

from flask import Blueprint

from thebot.models import Role
from thebot.web import restrict_blueprint

bp = Blueprint("teacher", __name__, url_prefix="/teacher")
restrict_blueprint(bp, Role.TEACHER)

from thebot.teacher import routes  # noqa: E402,F401  (the pages, on bp)
