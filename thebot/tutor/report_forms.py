"""Forms of the weekly reports: the fields both kinds share, and the tutor report's.

The forms only parse input; every rule (a Monday, the ranges, present ≤ planned, the summary)
is the reports service's, whose field errors the pages put back on these fields.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Optional

from thebot.services.reports.rules import KIND_FIELDS, TEXT_FIELDS


def number_field(label, low: int, high: int, description=None) -> IntegerField:
    return IntegerField(label, validators=[Optional()], description=description,
                        render_kw={"min": low, "max": high, "inputmode": "numeric"})


class ReportFieldsForm(FlaskForm):
    """The week and the text every weekly report has."""

    week_start = DateField(_l("Week (its Monday)"), validators=[InputRequired()],
                           description=_l("Reports are weekly: choose the Monday the week "
                                          "starts on."),
                           render_kw={"min": "2000-01-03", "step": 7})  # pickers offer Mondays
    summary = TextAreaField(_l("Summary"), validators=[InputRequired()])
    progress_notes = TextAreaField(_l("Progress notes"))
    achievements = TextAreaField(_l("Achievements"))
    concerns = TextAreaField(_l("Concerns"))
    recommendations = TextAreaField(_l("Recommendations"))

    def report_values(self, kind) -> dict:
        """The report fields of this form as the service takes them (without the week)."""
        return {name: getattr(self, name).data for name in (*TEXT_FIELDS, *KIND_FIELDS[kind])}


class TutorReportEditForm(ReportFieldsForm):
    """A tutor report's fields (the student is fixed once the draft exists)."""

    days_present = number_field(_l("Days present"), 0, 7)
    days_planned = number_field(_l("Days planned"), 0, 7, _l("Of 0–7 days planned this week."))
    progress_percent = number_field(_l("Progress, %"), 0, 100)


class TutorReportForm(TutorReportEditForm):
    """A new tutor report: the student too."""

    student_id = SelectField(_l("Student"), coerce=int, validators=[InputRequired()])
