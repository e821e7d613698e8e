"""The teacher report's form (shared fields come from the tutor's report forms)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField

from thebot.tutor.report_forms import ReportFieldsForm, number_field


class TeacherReportEditForm(ReportFieldsForm):
    """A teacher report's fields (the enrollment is fixed once the draft exists)."""

    homework_done = number_field(_l("Homework done"), 0, 100)
    homework_set = number_field(_l("Homework set"), 0, 100)
    average_grade = StringField(_l("Average grade"), render_kw={"inputmode": "decimal"},
                                description=_l("From 1.00 to 5.00 (the 5-point school scale); "
                                               "leave empty if there were no grades."))
    attendance_percent = number_field(_l("Attendance, %"), 0, 100)


class TeacherReportForm(TeacherReportEditForm):
    """A new teacher report: the enrollment (student and subject) too."""

    enrollment_id = SelectField(_l("Student and subject"), coerce=int)
