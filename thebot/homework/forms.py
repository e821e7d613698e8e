"""Forms of the homework pages: setting homework (teacher), submitting it (student: text and/or
one file), grading and returning it for rework (teacher), and the list filter (a GET form). They
only parse input; every rule (who may, the score range, once until returned, the file's type and
size) is the homework service's, whose field errors the pages put back on these fields."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from thebot.schedule.forms import optional_int, to_utc

# The service's field names → this form's (the service speaks one UTC instant).
FIELD_OF = {"due_at": "due_day", "file": "attachment"}


class HomeworkFilterForm(FlaskForm):
    """The list filter: one student (a parent's or tutor's several, a teacher's, the admin's)."""

    class Meta:
        csrf = False  # a GET form: it changes nothing

    student_id = SelectField(_l("Student"), coerce=optional_int, validators=[Optional()])

    def fill(self, students) -> None:
        """The students to filter by."""
        self.student_id.choices = [(None, _l("All students"))] + [
            (s.id, s.full_name) for s in students
        ]

    def student(self) -> int | None:
        """The valid student filter, or None."""
        return None if self.student_id.errors else self.student_id.data


class HomeworkForm(FlaskForm):
    """New homework for one of the teacher's active enrollments."""

    enrollment_id = SelectField(
        _l("Student and subject"), coerce=optional_int, validators=[InputRequired()]
    )
    title = StringField(
        _l("Title"), validators=[InputRequired(), Length(max=200)], render_kw={"maxlength": 200}
    )
    instructions = TextAreaField(
        _l("Instructions"), validators=[Optional(), Length(max=10000)], render_kw={"rows": 6}
    )
    due_day = DateField(_l("Due date"), validators=[InputRequired()])
    due_time = TimeField(_l("Due time"), default=None, validators=[InputRequired()])
    max_score = IntegerField(
        _l("Maximum score"),
        default=10,
        validators=[InputRequired(), NumberRange(min=1, max=100)],
        description=_l("From 1 to 100."),
        render_kw={"min": 1, "max": 100, "inputmode": "numeric"},
    )

    def values(self, zone: str) -> dict:
        """The fields as the service's set_homework takes them (the due time in UTC)."""
        return {
            "enrollment_id": self.enrollment_id.data,
            "title": (self.title.data or "").strip(),
            "instructions": self.instructions.data or "",
            "due_at": to_utc(self.due_day.data, self.due_time.data, zone),
            "max_score": self.max_score.data,
        }


class SubmitForm(FlaskForm):
    """The student's answer: text and/or one file (the chat's attachment rules)."""

    text = TextAreaField(
        _l("Your answer"), validators=[Optional(), Length(max=20000)], render_kw={"rows": 6}
    )
    attachment = FileField(
        _l("File (optional)"), description=_l("One file up to 10 MB: a picture, PDF or document.")
    )


class GradeForm(FlaskForm):
    """The teacher's grade: a score from 0 to the homework's maximum, and feedback."""

    score = IntegerField(
        _l("Score"),
        validators=[InputRequired()],
        render_kw={"min": 0, "inputmode": "numeric"},
    )
    feedback = TextAreaField(
        _l("Feedback"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 4}
    )


class ReturnForm(FlaskForm):
    """Send the homework back to the student for rework, saying what to change."""

    rework = TextAreaField(
        _l("What to rework"),
        validators=[InputRequired(), Length(max=5000)],
        render_kw={"rows": 3},
    )
