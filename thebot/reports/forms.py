"""Forms of the weekly reports: the fields both kinds share, the tutor report's and the teacher
report's, each as an edit form (the fixed parts left out) and a new-report form (with the picker).

The forms only parse input; every rule (a Monday, the ranges, present ≤ planned, the summary)
is the reports service's, whose field errors the pages put back on these fields.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from thebot.models import ReportKind
from thebot.services.reports.rules import KIND_FIELDS, TEXT_FIELDS


def number_field(label, low: int, high: int, description=None) -> IntegerField:
    """A whole-number input with its range shown to the browser (the service checks it)."""
    return IntegerField(
        label,
        validators=[Optional()],
        description=description,
        render_kw={"min": low, "max": high, "inputmode": "numeric"},
    )


class ReportFieldsForm(FlaskForm):
    """The week and the text every weekly report has."""

    kind: ReportKind

    week_start = DateField(
        _l("Week (its Monday)"),
        validators=[InputRequired()],
        description=_l("Reports are weekly: choose the Monday the week starts on."),
        render_kw={"min": "2000-01-03", "step": 7},
    )  # pickers offer Mondays
    summary = TextAreaField(_l("Summary"), validators=[InputRequired()])
    progress_notes = TextAreaField(_l("Progress notes"))
    achievements = TextAreaField(_l("Achievements"))
    concerns = TextAreaField(_l("Concerns"))
    recommendations = TextAreaField(_l("Recommendations"))

    def report_values(self) -> dict:
        """The report fields of this form as the service takes them (without the week)."""
        return {name: getattr(self, name).data for name in (*TEXT_FIELDS, *KIND_FIELDS[self.kind])}

    def number_fields(self) -> list:
        """This kind's numbers, in the order the page shows them."""
        return [self[name] for name in KIND_FIELDS[self.kind]]


class TutorReportEditForm(ReportFieldsForm):
    """A tutor report's fields (the student is fixed once the draft exists)."""

    kind = ReportKind.TUTOR

    days_present = number_field(_l("Days present"), 0, 7)
    days_planned = number_field(_l("Days planned"), 0, 7, _l("Of 0–7 days planned this week."))
    progress_percent = number_field(_l("Progress, %"), 0, 100)


class TutorReportForm(TutorReportEditForm):
    """A new tutor report: the student too."""

    student_id = SelectField(_l("Student"), coerce=int, validators=[InputRequired()])

    @property
    def picker(self) -> SelectField:
        """The field that says whom the report is about."""
        return self.student_id

    def about(self) -> dict:
        """Whom the report is about, as the service's create_report takes it."""
        return {"student_id": self.student_id.data}


class TeacherReportEditForm(ReportFieldsForm):
    """A teacher report's fields (the enrollment is fixed once the draft exists)."""

    kind = ReportKind.TEACHER

    homework_done = number_field(_l("Homework done"), 0, 100)
    homework_set = number_field(_l("Homework set"), 0, 100)
    average_grade = StringField(
        _l("Average grade"),
        render_kw={"inputmode": "decimal"},
        description=_l(
            "From 1.00 to 5.00 (the 5-point school scale); leave empty if there were no grades."
        ),
    )
    attendance_percent = number_field(_l("Attendance, %"), 0, 100)


class TeacherReportForm(TeacherReportEditForm):
    """A new teacher report: the enrollment (student and subject) too."""

    enrollment_id = SelectField(_l("Student and subject"), coerce=int)

    @property
    def picker(self) -> SelectField:
        """The field that says whom the report is about."""
        return self.enrollment_id

    def about(self) -> dict:
        """Whom the report is about, as the service's create_report takes it."""
        return {"enrollment_id": self.enrollment_id.data}


EDIT_FORMS = {ReportKind.TUTOR: TutorReportEditForm, ReportKind.TEACHER: TeacherReportEditForm}
