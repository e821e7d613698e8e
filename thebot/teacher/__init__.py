"""The teacher's area (pages)."""

from __future__ import annotations

from flask import Blueprint

from thebot.models import Role
from thebot.reports import mount as mount_reports
from thebot.web import restrict_blueprint

bp = Blueprint("teacher", __name__, url_prefix="/teacher")
restrict_blueprint(bp, Role.TEACHER)
mount_reports(bp, Role.TEACHER)  # the report pages (thebot/reports/)

from thebot.teacher import routes  # noqa: E402,F401  (the pages, on bp)
