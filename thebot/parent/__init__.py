"""The parent's area (pages)."""

from __future__ import annotations

from flask import Blueprint

from thebot.billing import mount as mount_billing
from thebot.homework import mount as mount_homework
from thebot.models import Role
from thebot.reports import mount as mount_reports
from thebot.schedule import mount as mount_schedule
from thebot.web import restrict_blueprint

bp = Blueprint("parent", __name__, url_prefix="/parent")
restrict_blueprint(bp, Role.PARENT)
mount_reports(bp, Role.PARENT)  # the report pages (thebot/reports/)
mount_billing(bp, Role.PARENT)  # the invoice pages (thebot/billing/)
mount_schedule(bp, Role.PARENT)  # the schedule pages (thebot/schedule/)
mount_homework(bp, Role.PARENT)  # the homework pages (thebot/homework/)

from thebot.parent import routes  # noqa: E402,F401  (the pages, on bp)
