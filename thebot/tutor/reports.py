"""The tutor's report pages: reports to parents (compose, edit, delete, send) and reports from
teachers (inbox). Routes join the tutor blueprint."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from thebot.models import ReportKind
from thebot import report_views
from thebot.services.reports import reading, rules, writing
from thebot.services.errors import DomainError
from thebot.tutor.report_forms import TutorReportEditForm, TutorReportForm
from thebot.tutor.routes import bp
from thebot.web import id_arg, me, show_errors


def _student_filter():
    return id_arg("student_id")


def _student_choices(students) -> list[tuple[int, str]]:
    """The picker shows who would receive the report, or that nobody can yet."""
    choices = []
    for student in students:
        recipient = rules.intended_recipient(ReportKind.TUTOR, student)
        label = (_("%(student)s → %(parent)s", student=student.full_name,
                   parent=recipient.full_name)
                 if recipient else
                 _("%(student)s (no parent linked: cannot be sent)", student=student.full_name))
        choices.append((student.id, label))
    return choices


@bp.get("/reports")
def reports_to_parents():
    """My reports to parents by week and student: draft, sent or read."""
    actor = me()
    student_id = _student_filter()
    rows = reading.reports_for(actor, kind=ReportKind.TUTOR, box="sent", student_id=student_id)
    return render_template("tutor/reports.html", rows=rows, student_id=student_id,
                           students=writing.writable_students(actor))


@bp.get("/reports/inbox")
def reports_from_teachers():
    """Teachers' reports about my students, unread marked."""
    actor = me()
    student_id = _student_filter()
    rows = reading.reports_for(actor, kind=ReportKind.TEACHER, box="received",
                               student_id=student_id)
    return render_template("tutor/reports_inbox.html", rows=rows, student_id=student_id,
                           students=writing.writable_students(actor),
                           unread=reading.unread_count(actor))


@bp.route("/reports/new", methods=["GET", "POST"])
def new_report():
    """Compose a report to a student's parent (saved as a draft)."""
    actor = me()
    students = writing.writable_students(actor)
    form = TutorReportForm(student_id=_student_filter(), week_start=rules.current_week_start())
    form.student_id.choices = _student_choices(students)
    if form.validate_on_submit():
        try:
            report = writing.create_report(actor, kind=ReportKind.TUTOR,
                                           student_id=form.student_id.data,
                                           week_start=form.week_start.data,
                                           fields=form.report_values(ReportKind.TUTOR))
        except DomainError as exc:
            show_errors(form, exc)
        else:
            flash(_("The draft is saved. Send it when it is ready."), "success")
            return redirect(url_for("tutor.report", report_id=report.id))
    status = 400 if request.method == "POST" else 200
    return render_template("tutor/reports_form.html", form=form, report=None,
                           has_students=bool(students)), status


@bp.get("/reports/<int:report_id>")
def report(report_id: int):
    """One report: my own (with its actions) or a teacher's to me (opening marks it read)."""
    actor = me()
    report = reading.open_report(actor, report_id)
    recipient = (rules.intended_recipient(report.kind, report.student)
                 if report.is_draft else report.recipient)
    return render_template("tutor/reports_detail.html", report=report, recipient=recipient,
                           mine=report.author_id == actor.id)


@bp.route("/reports/<int:report_id>/edit", methods=["GET", "POST"])
def edit_report(report_id: int):
    """Edit a draft of mine."""
    return report_views.edit_draft("tutor", TutorReportEditForm, ReportKind.TUTOR, report_id, has_students=True)


@bp.post("/reports/<int:report_id>/send")
def send_report(report_id: int):
    """Send a draft to the student's parent."""
    return report_views.draft_action("tutor", writing.send_report, report_id,
                                     _("The report is sent."), "tutor.report")


@bp.post("/reports/<int:report_id>/delete")
def delete_report(report_id: int):
    """Delete a draft."""
    return report_views.draft_action("tutor", writing.delete_report, report_id,
                                     _("The draft is deleted."), "tutor.reports_to_parents")
