"""Forms of the schedule pages: the filters (a GET form, no CSRF), a new lesson (or weekly
series), moving one and cancelling one. Times are typed in the viewer's time zone and handed to
the lessons service in UTC; every rule (length, overlaps, the 2-hour rule, who may) is the
service's, whose field errors the pages put back on these fields."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from thebot.services.errors import DomainError
from thebot.services.ids import optional_id

# The service's field names → this form's (the service speaks UTC instants, the form local parts).
FIELD_OF = {"starts_at": "start", "ends_at": "end"}


def optional_int(value):
    """An optional id from a select ("" is none); junk is left for validation to refuse."""
    if value in (None, "", "None"):
        return None
    try:
        return optional_id(value, "id")
    except DomainError:  # the form reports it as a field error
        raise ValueError(str(_l("Choose one from the list."))) from None


def to_utc(day: date | None, at: time | None, zone: str) -> datetime | None:
    """A wall-clock date and time in the viewer's zone as an aware UTC instant."""
    if day is None or at is None:
        return None
    return datetime.combine(day, at, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def local_parts(moment: datetime, zone: str) -> tuple[date, time]:
    """A stored UTC instant as the viewer's wall-clock date and time (for prefilling a form)."""
    local = moment.astimezone(ZoneInfo(zone))
    return local.date(), local.time().replace(second=0, microsecond=0)


def rename_fields(exc: DomainError) -> DomainError:
    """The service's error with its field names as this form's (starts_at → start …)."""
    exc.fields = {FIELD_OF.get(name, name): message for name, message in exc.fields.items()}
    return exc


class ScheduleFilterForm(FlaskForm):
    """The schedule filters: the week shown, a student and a subject."""

    class Meta:
        csrf = False  # a GET form: it changes nothing

    week = DateField(_l("Week of"), validators=[Optional()])
    student_id = SelectField(_l("Student"), coerce=optional_int, validators=[Optional()])
    subject_id = SelectField(_l("Subject"), coerce=optional_int, validators=[Optional()])

    def fill(self, students, subjects) -> None:
        """The choices: the students this viewer may see and the subjects."""
        self.student_id.choices = [(None, _l("All students"))] + [
            (s.id, s.full_name) for s in students
        ]
        self.subject_id.choices = [(None, _l("All subjects"))] + [(s.id, s.name) for s in subjects]

    def filters(self) -> dict:
        """The valid student and subject filters as the listing service takes them."""
        values = {"student_id": self.student_id.data, "subject_id": self.subject_id.data}
        for name in self.errors:
            if name in values:
                values[name] = None
        return values

    def query_args(self) -> dict:
        """The valid filters as query-string values (for the week links)."""
        return {name: value for name, value in self.filters().items() if value is not None}


class _TimesForm(FlaskForm):
    """Date, start and end in the viewer's zone, a topic and a video link."""

    day = DateField(_l("Date"), validators=[InputRequired()])
    start = TimeField(_l("Starts"), validators=[InputRequired()])
    end = TimeField(_l("Ends"), validators=[InputRequired()])
    topic = StringField(_l("Topic"), validators=[Optional(), Length(max=200)])
    video_url = StringField(
        _l("Video link"),
        validators=[Optional(), Length(max=500)],
        render_kw={"inputmode": "url", "placeholder": "https://"},
    )

    def times(self, zone: str) -> dict:
        """starts_at and ends_at in UTC (the end on the start's date)."""
        return {
            "starts_at": to_utc(self.day.data, self.start.data, zone),
            "ends_at": to_utc(self.day.data, self.end.data, zone),
        }


class LessonForm(_TimesForm):
    """A new lesson (teacher: for an enrollment; tutor: with a student), or a weekly series."""

    enrollment_id = SelectField(_l("Student and subject"), coerce=optional_int)
    student_id = SelectField(_l("Student"), coerce=optional_int)
    repeat_weeks = IntegerField(
        _l("Repeat weekly for"),
        default=1,
        validators=[InputRequired(), NumberRange(min=1, max=20)],
        description=_l("Number of weeks, 1 to 20; 1 is a single lesson."),
        render_kw={"min": 1, "max": 20, "inputmode": "numeric"},
    )

    def values(self, zone: str, *, teacher: bool) -> dict:
        """The fields as the service's schedule_lessons takes them."""
        values = {
            **self.times(zone),
            "topic": (self.topic.data or "").strip(),
            "video_url": (self.video_url.data or "").strip(),
            "repeat_weeks": self.repeat_weeks.data or 1,
        }
        if teacher:
            values["enrollment_id"] = self.enrollment_id.data
        else:
            values["student_id"] = self.student_id.data
        return values


class MoveForm(_TimesForm):
    """Move one lesson (the others of its series stay) or change its topic or link."""

    def values(self, zone: str) -> dict:
        """The fields as the service's reschedule_lesson takes them."""
        return {
            **self.times(zone),
            "topic": (self.topic.data or "").strip(),
            "video_url": (self.video_url.data or "").strip(),
        }


class CancelForm(FlaskForm):
    """Cancel a lesson, saying why (optional)."""

    reason = TextAreaField(
        _l("Reason"),
        validators=[Optional(), Length(max=500)],
        render_kw={"maxlength": 500, "rows": 2},
    )


class CompleteForm(FlaskForm):
    """Mark a lesson held (the CSRF token only)."""
