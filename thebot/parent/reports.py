"""The parent's report pages: an inbox of reports about each child, and one report.
Routes join the parent blueprint."""
from __future__ import annotations

from flask import render_template

from thebot.parent.routes import bp
from thebot.services import people
from thebot.services.reports import reading as report_service
from thebot.web import id_arg, me


@bp.get("/reports", endpoint="reports")
def inbox():
    """Tutor reports to me and teacher reports about my children, unread marked."""
    actor = me()
    student_id = id_arg("student_id")
    rows = report_service.reports_for(actor, student_id=student_id)
    return render_template("parent/reports.html", rows=rows, student_id=student_id,
                           students=people.students_visible_to(actor),
                           unread=report_service.unread_count(actor))


@bp.get("/reports/<int:report_id>")
def report(report_id: int):
    """One report; opening a tutor report addressed to me marks it read."""
    return render_template("parent/reports_detail.html",
                           report=report_service.open_report(me(), report_id))


@bp.app_template_global("report_is_new")
def report_is_new(report, viewer) -> bool:
    """For every report list and badge: sent and waiting for this viewer, who is the report's
    reader by the student's current links (not the stored recipient)."""
    return report_service.is_unread_for(report, viewer)
