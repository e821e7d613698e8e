"""Report page handlers shared by the tutor's and the teacher's blueprints (authors' views)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from thebot.services.reports import reading, rules, writing
from thebot.services.errors import DomainError
from thebot.web import me, show_errors


def edit_draft(role: str, form_class, kind, report_id: int, **context):
    """Edit one of my drafts with `form_class`; sent reports and others' reports are refused."""
    actor = me()
    report = reading.open_report(actor, report_id)
    if report.author_id != actor.id or not report.is_draft:
        flash(_("Only your own drafts can be edited; sent reports never change."), "error")
        return redirect(url_for(f"{role}.report", report_id=report.id))
    form = form_class(obj=report)
    if form.validate_on_submit():
        try:
            writing.update_report(actor, report.id, {"week_start": form.week_start.data,
                                                     **form.report_values(kind)})
        except DomainError as exc:
            show_errors(form, exc)
        else:
            flash(_("The draft is saved."), "success")
            return redirect(url_for(f"{role}.report", report_id=report.id))
    status = 400 if request.method == "POST" else 200
    return render_template(f"{role}/reports_form.html", form=form, report=report,
                           **context), status


def draft_action(role: str, action, report_id: int, done_message: str, done_endpoint: str):
    """Send or delete a draft; refusals other than 404 come back on the report page as a message."""
    try:
        action(me(), report_id)
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash(exc.message, "error")
        return redirect(url_for(f"{role}.report", report_id=report_id))
    flash(done_message, "success")
    if done_endpoint.endswith(".report"):
        return redirect(url_for(done_endpoint, report_id=report_id))
    return redirect(url_for(done_endpoint))
