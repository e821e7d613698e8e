"""The invoice pages of the tutor, the parent and the admin, one handler each;
`thebot.billing.mount` adds a role's routes to its blueprint (`routes_of`). The tutor lists,
creates, sends, cancels and exports; the parent sees open and past invoices, opens (marks viewed),
pays and prints; the admin reads everything. What a page may offer comes from the billing service
(may_send, may_cancel, may_pay); the views only parse, call a service and render."""

from __future__ import annotations

from datetime import date
from functools import wraps

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from thebot.billing.forms import CancelForm, InvoiceFilterForm, InvoiceForm
from thebot.billing.lesson_bills import bill_lessons
from thebot.models import InvoiceStatus, Role
from thebot.services import accounts, learning, people
from thebot.services.billing import invoices, listing, payments, rules
from thebot.services.errors import DomainError
from thebot.web import id_arg, me, show_errors

PAGE_SIZE = 50
OPEN = (InvoiceStatus.SENT, InvoiceStatus.VIEWED)
PAST = (InvoiceStatus.PAID, InvoiceStatus.CANCELLED)


def _filter_form(role: Role) -> InvoiceFilterForm:
    """The list filters from the query string, their choices filled for this viewer."""
    actor = me()
    form = InvoiceFilterForm(request.args)
    if role is Role.TUTOR:
        students = people.students_visible_to(actor)
    else:
        students = accounts.users_by_role(Role.STUDENT, active_only=False)
    form.fill(students, list(InvoiceStatus))
    form.validate()
    return form


def invoice_list(role: Role):
    """Invoices newest first, by state, student, creation period and overdue, with totals by
    state; the tutor's page adds the revenue chart and the CSV export."""
    actor = me()
    form = _filter_form(role)
    filters = form.filters()
    rows, has_more = listing.invoices_for(
        actor, before_id=id_arg("before_id"), limit=PAGE_SIZE, **filters
    )
    totals = listing.totals_for(actor, **filters)
    revenue = chart_points(listing.revenue_by_month(actor)) if role is Role.TUTOR else None
    older_url = (
        url_for(f"{role.value}.invoices", before_id=rows[-1].id, **form.query_args())
        if has_more
        else None
    )
    return render_template(
        "billing/list.html",
        form=form,
        rows=rows,
        totals=totals,
        revenue=revenue,
        older_url=older_url,
        role=role.value,
        query_args=form.query_args(),
        live=not any(v is not None for v in filters.values()) and not request.args.get("before_id"),
    )


def chart_points(revenue) -> list[dict]:
    """The revenue chart's bars: each month as a date, its key, amount and share of the largest."""
    largest = max((amount for _month, amount in revenue), default=0) or 1
    return [
        {
            "key": month,
            "month": date.fromisoformat(f"{month}-01"),
            "amount": amount,
            "share": float(amount * 100 / largest),
        }
        for month, amount in revenue
    ]


def parent_list(role: Role):
    """A parent's invoices: open ones (to pay, overdue marked) and past ones; never drafts."""
    actor = me()
    open_rows = _all_of(actor, OPEN)
    past_rows, has_more = _merged(actor, PAST, before_id=id_arg("before_id"))
    older_url = url_for("parent.invoices", before_id=past_rows[-1].id) if has_more else None
    totals = listing.totals_for(actor)
    return render_template(
        "billing/parent_list.html",
        open_rows=open_rows,
        past_rows=past_rows,
        totals=totals,
        older_url=older_url,
        role=role.value,
    )


def _merged(actor, statuses, before_id=None, limit=PAGE_SIZE):
    """One page of this viewer's invoices in these states, newest first."""
    rows: list = []
    more = False
    for status in statuses:
        part, part_more = listing.invoices_for(
            actor, status=status.value, before_id=before_id, limit=limit
        )
        rows += part
        more = more or part_more
    rows.sort(key=lambda invoice: invoice.id, reverse=True)
    return rows[:limit], more or len(rows) > limit


def _all_of(actor, statuses):
    """Every invoice of this viewer in these states (the open ones are few), newest first."""
    rows, before_id, more = [], None, True
    while more:
        page, more = _merged(actor, statuses, before_id=before_id, limit=100)
        rows += page
        before_id = page[-1].id if page else None
        more = more and bool(page)
    return rows


def invoice_page(role: Role, invoice_id: int):
    """One invoice with its history and payments; opening a sent one as its parent marks it
    viewed. The buttons shown are the service's answers (may_send / may_cancel / may_pay)."""
    actor = me()
    invoice = invoices.open_invoice(actor, invoice_id)
    return render_template(
        "billing/detail.html",
        invoice=invoice,
        role=role.value,
        payments=payments.payments_of(actor, invoice.id),
        can_send=rules.may_send(actor, invoice),
        can_cancel=rules.may_cancel(actor, invoice),
        can_pay=rules.may_pay(actor, invoice),
        cancel_form=CancelForm(),
        back_url=url_for(f"{role.value}.invoices"),
    )


def _student_choices(pairs) -> list:
    """The picker names whose parent will be billed; a student without a parent cannot be."""
    choices: list = [(None, _("Choose a student"), {"disabled": True})]
    for student, parent in pairs:
        if parent is not None:
            choices.append(
                (
                    student.id,
                    _(
                        "%(student)s → bill %(parent)s",
                        student=student.full_name,
                        parent=parent.full_name,
                    ),
                    {},
                )
            )
        else:
            choices.append(
                (
                    student.id,
                    _(
                        "%(student)s (no parent linked: cannot be billed)",
                        student=student.full_name,
                    ),
                    {"disabled": True},
                )
            )
    return choices


def _enrollment_choices(pairs) -> list:
    """The optional subject: the active enrollments of the tutor's students."""
    by_student = learning.enrollments_of_students([student.id for student, _p in pairs])
    choices: list = [(None, _("— none —"))]
    for student, _parent in pairs:
        for enrollment in by_student.get(student.id, []):
            choices.append((enrollment.id, f"{student.full_name} · {enrollment.title}"))
    return choices


def new_invoice(role: Role):
    """Create an invoice (a draft) for one of my students; the parent comes from the student."""
    actor = me()
    pairs = listing.billable_students(actor)
    form = InvoiceForm(student_id=id_arg("student_id"), due_date=date.today())
    form.student_id.choices = _student_choices(pairs)
    form.enrollment_id.choices = _enrollment_choices(pairs)
    if form.validate_on_submit():
        try:
            created = invoices.create_invoice(actor, **form.values())
        except DomainError as exc:
            show_errors(form, exc)
        else:
            flash(_("The invoice is saved as a draft. Send it when it is ready."), "success")
            return redirect(url_for(f"{role.value}.invoice", invoice_id=created.id), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "billing/form.html",
        form=form,
        role=role.value,
        billable=any(parent for _s, parent in pairs),
        back_url=url_for(f"{role.value}.invoices"),
    ), status


def _action(role: Role, action, invoice_id: int, done: str, *args):
    """Run a transition; refusals other than 404 come back as a message on the invoice page."""
    try:
        action(me(), invoice_id, *args)
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash(exc.message, "error")
    else:
        flash(done, "success")
    return redirect(url_for(f"{role.value}.invoice", invoice_id=invoice_id), code=303)


def send(role: Role, invoice_id: int):
    """Send a draft to the student's parent."""
    return _action(role, invoices.send_invoice, invoice_id, _("The invoice is sent."))


def cancel(role: Role, invoice_id: int):
    """Cancel an invoice (not a paid one), with an optional reason."""
    form = CancelForm()
    if not form.validate_on_submit():
        flash(
            " ".join(e for errors in form.errors.values() for e in errors)
            or _("The form has expired. Please try again."),
            "error",
        )
        return redirect(url_for(f"{role.value}.invoice", invoice_id=invoice_id), code=303)
    return _action(
        role,
        invoices.cancel_invoice,
        invoice_id,
        _("The invoice is cancelled."),
        (form.reason.data or "").strip() or None,
    )


def csv_export(role: Role):
    """The filtered list as a CSV file a spreadsheet opens (UTF-8 with a BOM, `;`-separated)."""
    form = _filter_form(role)
    body = listing.csv_export(me(), **form.filters())
    return Response(
        body.encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Disposition": 'attachment; filename="invoices.csv"',
            "Cache-Control": "no-store",
        },
    )


def pay(role: Role, invoice_id: int):
    """Start (or reuse) a payment and go to the provider's checkout (CSRF: the app's check)."""
    try:
        payment = payments.start_payment(me(), invoice_id)
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash(exc.message, "error")
        return redirect(url_for("parent.invoice", invoice_id=invoice_id), code=303)
    return redirect(payment.confirmation_url, code=303)


def payment_page(role: Role, payment_id: int):
    """The return page: the payment's state, kept current by billing.js until it is final."""
    actor = me()
    payment = payments.payment_for(actor, payment_id)
    invoice = invoices.open_invoice(actor, payment.invoice_id)
    return render_template(
        "billing/payment.html",
        payment=payment,
        invoice=invoice,
        can_pay=rules.may_pay(actor, invoice),
    )


def receipt(role: Role, invoice_id: int):
    """The invoice (and, once paid, its receipt) as a printable page."""
    actor = me()
    invoice = invoices.open_invoice(actor, invoice_id)
    return render_template(
        "billing/receipt.html", invoice=invoice, payments=payments.payments_of(actor, invoice.id)
    )


ROUTES: dict[Role, tuple] = {
    Role.TUTOR: (
        ("/invoices", "invoices", invoice_list, ("GET",)),
        ("/invoices.csv", "invoices_csv", csv_export, ("GET",)),
        ("/invoices/new", "invoice_new", new_invoice, ("GET", "POST")),
        ("/invoices/<int:invoice_id>", "invoice", invoice_page, ("GET",)),
        ("/invoices/<int:invoice_id>/send", "invoice_send", send, ("POST",)),
        ("/invoices/<int:invoice_id>/cancel", "invoice_cancel", cancel, ("POST",)),
        ("/students/<int:student_id>/bill-lessons", "bill_lessons", bill_lessons, ("GET", "POST")),
    ),
    Role.PARENT: (
        ("/invoices", "invoices", parent_list, ("GET",)),
        ("/invoices/<int:invoice_id>", "invoice", invoice_page, ("GET",)),
        ("/invoices/<int:invoice_id>/pay", "invoice_pay", pay, ("POST",)),
        ("/invoices/<int:invoice_id>/receipt", "invoice_receipt", receipt, ("GET",)),
        ("/payments/<int:payment_id>", "payment", payment_page, ("GET",)),
    ),
    Role.ADMIN: (
        ("/invoices", "invoices", invoice_list, ("GET",)),
        ("/invoices/<int:invoice_id>", "invoice", invoice_page, ("GET",)),
    ),
}


def _bind(view, *args):
    """The view with its first arguments given (named and documented like the view)."""

    @wraps(view)
    def bound(**url_values):
        return view(*args, **url_values)

    return bound


def routes_of(role: Role) -> list[tuple]:
    """Every invoice route of a role as (rule, endpoint, view, methods), the role bound in."""
    return [
        (rule, endpoint, _bind(view, role), methods)
        for rule, endpoint, view, methods in ROUTES[role]
    ]
