"""The administrator's report pages: every sent report with filters, and one report (reading
never marks it read). Routes join the admin blueprint."""
from __future__ import annotations

from flask import render_template, request

from thebot.admin.routes import bp
from thebot.models import Role
from thebot.services import accounts
from thebot.services.reports import reading as report_service
from thebot.web import id_arg, me

STATUSES = ("sent", "read", "unread")


@bp.get("/reports", endpoint="reports")
def report_list():
    """Every report an admin may see (never drafts), by kind, status, student or author."""
    kind = request.args.get("kind") if request.args.get("kind") in ("tutor", "teacher") else None
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    filters = {"kind": kind, "status": status, "student_id": id_arg("student_id"),
               "author_id": id_arg("author_id")}
    rows = report_service.reports_for(me(), **filters)
    authors = accounts.users_by_role(Role.TUTOR, active_only=False) + \
        accounts.users_by_role(Role.TEACHER, active_only=False)
    return render_template("admin/reports.html", rows=rows, filters=filters,
                           students=accounts.users_by_role(Role.STUDENT, active_only=False),
                           authors=sorted(authors, key=lambda u: u.full_name.lower()))


@bp.get("/reports/<int:report_id>")
def report(report_id: int):
    """One report, read-only."""
    return render_template("admin/reports_detail.html",
                           report=report_service.open_report(me(), report_id))
