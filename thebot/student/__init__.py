"""The student's area (pages)."""

from __future__ import annotations

from flask import Blueprint

from thebot.models import Role
from thebot.web import restrict_blueprint

bp = Blueprint("student", __name__, url_prefix="/student")
restrict_blueprint(bp, Role.STUDENT)

from thebot.student import routes  # noqa: E402,F401  (the pages, on bp)
