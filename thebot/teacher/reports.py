"""The teacher's report pages: compose and send a report per enrollment, and my reports.
Routes join the teacher blueprint."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from thebot.models import ReportKind
from thebot import report_views
from thebot.services.reports import reading, rules, writing
from thebot.services.errors import DomainError
from thebot.teacher.report_forms import TeacherReportEditForm, TeacherReportForm
from thebot.teacher.routes import bp
from thebot.web import id_arg, me, show_errors


def _enrollment_choices(enrollments) -> list[tuple[int, str]]:
    """The picker shows the student, the subject and the tutor who would receive the report."""
    choices = []
    for enrollment in enrollments:
        tutor = rules.intended_recipient(ReportKind.TEACHER, enrollment.student)
        about = f"{enrollment.student.full_name} · {enrollment.title}"
        label = (_("%(about)s → %(tutor)s", about=about, tutor=tutor.full_name) if tutor
                 else _("%(about)s (no tutor: cannot be sent)", about=about))
        choices.append((enrollment.id, label))
    return choices


@bp.get("/reports")
def reports_list():
    """My reports by week: draft, sent or read."""
    actor = me()
    student_id = id_arg("student_id")
    rows = reading.reports_for(actor, kind=ReportKind.TEACHER, box="sent", student_id=student_id)
    students = {e.student_id: e.student for e in writing.writable_enrollments(actor)}
    return render_template("teacher/reports.html", rows=rows, student_id=student_id,
                           students=sorted(students.values(), key=lambda s: s.full_name.lower()))


@bp.route("/reports/new", methods=["GET", "POST"])
def new_report():
    """Compose a report about one of my active enrollments (saved as a draft)."""
    actor = me()
    enrollments = writing.writable_enrollments(actor)
    form = TeacherReportForm(enrollment_id=id_arg("enrollment_id"),
                             week_start=rules.current_week_start())
    form.enrollment_id.choices = _enrollment_choices(enrollments)
    if form.validate_on_submit():
        try:
            report = writing.create_report(actor, kind=ReportKind.TEACHER,
                                           enrollment_id=form.enrollment_id.data,
                                           week_start=form.week_start.data,
                                           fields=form.report_values(ReportKind.TEACHER))
        except DomainError as exc:
            show_errors(form, exc)
        else:
            flash(_("The draft is saved. Send it when it is ready."), "success")
            return redirect(url_for("teacher.report", report_id=report.id))
    status = 400 if request.method == "POST" else 200
    return render_template("teacher/reports_form.html", form=form, report=None,
                           has_enrollments=bool(enrollments)), status


@bp.get("/reports/<int:report_id>")
def report(report_id: int):
    """One of my reports, with its actions while it is a draft."""
    report = reading.open_report(me(), report_id)
    recipient = (rules.intended_recipient(report.kind, report.student)
                 if report.is_draft else report.recipient)
    return render_template("teacher/reports_detail.html", report=report, recipient=recipient)


@bp.route("/reports/<int:report_id>/edit", methods=["GET", "POST"])
def edit_report(report_id: int):
    """Edit a draft of mine."""
    return report_views.edit_draft("teacher", TeacherReportEditForm, ReportKind.TEACHER, report_id, has_enrollments=True)


@bp.post("/reports/<int:report_id>/send")
def send_report(report_id: int):
    """Send a draft to the student's tutor."""
    return report_views.draft_action("teacher", writing.send_report, report_id,
                                     _("The report is sent."), "teacher.report")


@bp.post("/reports/<int:report_id>/delete")
def delete_report(report_id: int):
    """Delete a draft."""
    return report_views.draft_action("teacher", writing.delete_report, report_id,
                                     _("The draft is deleted."), "teacher.reports_list")
