"""The tutor's "Bill lessons…" page: one student's completed, unbilled tutoring lessons of a
period, listed, then billed in one step as an invoice draft (services.billing.lessons)."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import InputRequired

from thebot.models import Role
from thebot.models.base import utcnow
from thebot.services import access
from thebot.services.billing import lessons as lesson_billing
from thebot.services.errors import DomainError
from thebot.services.lessons.rules import zone_of
from thebot.web import me, show_errors


class BillLessonsForm(FlaskForm):
    """The period, the price of one lesson and the due date of the invoice draft."""

    date_from = DateField(_l("From"), validators=[InputRequired()])
    date_to = DateField(_l("Until (inclusive)"), validators=[InputRequired()])
    rate = StringField(
        _l("Price of one lesson, ₽"),
        validators=[InputRequired()],
        render_kw={"inputmode": "decimal", "autocomplete": "off", "placeholder": "1500.00"},
        description=_l("The invoice's amount is the number of lessons times this price."),
    )
    due_date = DateField(_l("Due date"), validators=[InputRequired()])


def _defaults(tutor) -> dict:
    """This month so far, in the tutor's zone; due in a week."""
    today = utcnow().astimezone(zone_of(tutor)).date()
    return {
        "date_from": today.replace(day=1),
        "date_to": today,
        "due_date": today + timedelta(days=7),
    }


def bill_lessons(role: Role, student_id: int):
    """GET: the period's billable lessons (the period from the query string); POST: bill them."""
    actor = me()
    student = access.managed_student(actor, student_id)
    if request.method == "POST":
        form = BillLessonsForm()
    else:
        form = BillLessonsForm(formdata=request.args or None, **_defaults(actor))
    lessons: list = []
    if request.method == "POST" and form.validate():
        try:
            invoice = lesson_billing.bill_lessons(
                actor,
                student_id=student.id,
                date_from=form.date_from.data,
                date_to=form.date_to.data,
                rate=(form.rate.data or "").strip(),
                due_date=form.due_date.data,
            )
        except DomainError as exc:
            show_errors(form, exc)
        else:
            flash(_("The invoice draft lists the lessons. Send it when it is ready."), "success")
            return redirect(url_for(f"{role.value}.invoice", invoice_id=invoice.id), code=303)
    if form.date_from.data and form.date_to.data:
        try:
            lessons = lesson_billing.billable_lessons(
                actor, student.id, form.date_from.data, form.date_to.data
            )
        except DomainError as exc:
            show_errors(form, exc)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "billing/bill_lessons.html",
        form=form,
        student=student,
        lessons=lessons,
        zone=zone_of(actor).key,
    ), status
