"""Forms of the invoice pages: the list filters (a GET form, no CSRF), a new invoice and the
cancel form. They only parse input; every rule (who is billable, the amount range, the due date,
duplicates) is the billing service's, whose field errors the pages put back on these fields."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from thebot.models import InvoiceStatus
from thebot.services.errors import DomainError
from thebot.services.ids import optional_id

STATUS_LABELS = {
    InvoiceStatus.DRAFT: _l("draft"),
    InvoiceStatus.SENT: _l("sent"),
    InvoiceStatus.VIEWED: _l("viewed"),
    InvoiceStatus.PAID: _l("paid"),
    InvoiceStatus.CANCELLED: _l("cancelled"),
}


def _optional_int(value):
    """An optional id from a select ("" is none); junk is left for validation to refuse."""
    if value in (None, "", "None"):
        return None
    try:
        return optional_id(value, "id")
    except DomainError:  # the form reports it as a field error
        raise ValueError(str(_l("Choose one from the list."))) from None


class InvoiceFilterForm(FlaskForm):
    """The list filters: state, student, period (the creation date) and overdue only."""

    class Meta:
        csrf = False  # a GET form: it changes nothing

    status = SelectField(_l("State"), validators=[Optional()])
    student_id = SelectField(_l("Student"), coerce=_optional_int, validators=[Optional()])
    date_from = DateField(_l("Created from"), validators=[Optional()])
    date_to = DateField(_l("Created until"), validators=[Optional()])
    overdue = BooleanField(_l("Overdue only"))

    def fill(self, students, statuses) -> None:
        """The choices: the states this viewer may see and the students to filter by."""
        self.status.choices = [("", _l("Any state"))] + [
            (s.value, STATUS_LABELS[s]) for s in statuses
        ]
        self.student_id.choices = [(None, _l("All students"))] + [
            (s.id, s.full_name) for s in students
        ]

    def filters(self) -> dict:
        """The valid filters as the listing service takes them (invalid ones are left out)."""
        values = {
            "status": self.status.data or None,
            "student_id": self.student_id.data,
            "date_from": self.date_from.data,
            "date_to": self.date_to.data,
            "overdue": True if self.overdue.data else None,
        }
        for name in self.errors:
            values[name] = None
        return values

    def query_args(self) -> dict:
        """The valid filters as query-string values (for the CSV link and paging)."""
        args = {}
        for name, value in self.filters().items():
            if value is True:
                args[name] = "y"
            elif value is not None:
                args[name] = value.isoformat() if hasattr(value, "isoformat") else value
        return args


class InvoiceForm(FlaskForm):
    """A new invoice (saved as a draft): whom it bills, how much, for what and by when."""

    student_id = SelectField(
        _l("Student"),
        coerce=_optional_int,
        validators=[InputRequired()],
        description=_l("The invoice goes to the parent linked to the student."),
    )
    amount = StringField(
        _l("Amount, ₽"),
        validators=[InputRequired()],
        render_kw={"inputmode": "decimal", "autocomplete": "off", "placeholder": "1500.00"},
        description=_l("From 0.01 to 99,999,999.99 roubles."),
    )
    description = TextAreaField(
        _l("What it is for"), validators=[InputRequired()], render_kw={"maxlength": 2000}
    )
    due_date = DateField(_l("Due date"), validators=[InputRequired()])
    enrollment_id = SelectField(
        _l("Subject (optional)"), coerce=_optional_int, validators=[Optional()]
    )

    def values(self) -> dict:
        """The fields as the service's create_invoice takes them."""
        return {
            "student_id": self.student_id.data,
            "amount": (self.amount.data or "").strip(),
            "description": self.description.data or "",
            "due_date": self.due_date.data,
            "enrollment_id": self.enrollment_id.data,
        }


class CancelForm(FlaskForm):
    """Cancel an invoice, saying why (optional)."""

    reason = TextAreaField(
        _l("Reason"),
        validators=[Optional(), Length(max=500)],
        render_kw={"maxlength": 500, "rows": 2},
    )
