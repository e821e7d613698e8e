"""The tutor's area (pages): students, their families and enrollments."""

from __future__ import annotations

from flask import Blueprint

from thebot.billing import mount as mount_billing
from thebot.homework import mount as mount_homework
from thebot.models import Role
from thebot.reports import mount as mount_reports
from thebot.schedule import mount as mount_schedule
from thebot.web import restrict_blueprint

bp = Blueprint("tutor", __name__, url_prefix="/tutor")
restrict_blueprint(bp, Role.TUTOR)
mount_reports(bp, Role.TUTOR)  # the report pages (thebot/reports/)
mount_billing(bp, Role.TUTOR)  # the invoice pages (thebot/billing/)
mount_schedule(bp, Role.TUTOR)  # the schedule pages (thebot/schedule/)
mount_homework(bp, Role.TUTOR)  # the homework pages (thebot/homework/)

from thebot.tutor import guardians, routes  # noqa: E402,F401  (the pages, on bp)
