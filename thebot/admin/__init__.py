"""The administrator's area (pages): every account, link, enrollment and subject."""

from __future__ import annotations

from flask import Blueprint

from thebot.billing import mount as mount_billing
from thebot.homework import mount as mount_homework
from thebot.models import Role
from thebot.reports import mount as mount_reports
from thebot.schedule import mount as mount_schedule
from thebot.web import restrict_blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
restrict_blueprint(bp, Role.ADMIN)
mount_reports(bp, Role.ADMIN)  # the report pages (thebot/reports/)
mount_billing(bp, Role.ADMIN)  # the invoice pages (thebot/billing/)
mount_schedule(bp, Role.ADMIN)  # the schedule pages (thebot/schedule/)
mount_homework(bp, Role.ADMIN)  # the homework pages (thebot/homework/)

from thebot.admin import invitations  # noqa: E402,F401,I001  (the invitations list, on bp)
from thebot.admin import routes  # noqa: E402,F401  (the pages, on bp)
from thebot.admin import removal  # noqa: E402,F401  (deleting an account, on bp)
