"""The student's area (pages)."""

from __future__ import annotations

from flask import Blueprint

from thebot.homework import mount as mount_homework
from thebot.models import Role
from thebot.schedule import mount as mount_schedule
from thebot.web import restrict_blueprint

bp = Blueprint("student", __name__, url_prefix="/student")
restrict_blueprint(bp, Role.STUDENT)
mount_schedule(bp, Role.STUDENT)  # the schedule pages (thebot/schedule/)
mount_homework(bp, Role.STUDENT)  # the homework pages (thebot/homework/)

from thebot.student import routes  # noqa: E402,F401  (the pages, on bp)
