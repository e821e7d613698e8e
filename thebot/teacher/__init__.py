"""The teacher's area (pages)."""

from __future__ import annotations

from flask import Blueprint

from thebot.homework import mount as mount_homework
from thebot.models import Role
from thebot.reports import mount as mount_reports
from thebot.schedule import mount as mount_schedule
from thebot.web import restrict_blueprint

bp = Blueprint("teacher", __name__, url_prefix="/teacher")
restrict_blueprint(bp, Role.TEACHER)
mount_reports(bp, Role.TEACHER)  # the report pages (thebot/reports/)
mount_schedule(bp, Role.TEACHER)  # the schedule pages (thebot/schedule/)
mount_homework(bp, Role.TEACHER)  # the homework pages (thebot/homework/)

from thebot.teacher import routes  # noqa: E402,F401  (the pages, on bp)
