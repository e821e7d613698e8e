"""Demo invoices for the demo families, built through the billing services: one in every state
(draft, sent, viewed, paid, cancelled), one overdue, and the paid one paid through the fake
provider's signed confirmation. Idempotent: a tutor who has invoices already is left alone.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from sqlalchemy import select, update

from thebot.extensions import db
from thebot.models import Invoice
from thebot.services.billing import invoices, payments, rules
from thebot.services.billing.providers import fake

# student, amount, description, days until due, the state to leave it in
INVOICES = [
    ("student", "12000.00", "Tutoring, September: 12 sessions and the study plan", 10, "paid"),
    ("student", "9000.00", "Tutoring, October: 9 sessions", 3, "overdue"),
    ("student", "10000.00", "Tutoring, November: 10 sessions", 14, "viewed"),
    ("student2", "6000.00", "Maths support, November: 6 sessions", 7, "sent"),
    ("student2", "1500.00", "Extra session before the test (billed twice)", 7, "cancelled"),
    ("student", "11000.00", "Tutoring, December: 11 sessions", 21, "draft"),
]
OVERDUE_BY_DAYS = 5


def load_history(user) -> None:
    """Create the demo invoices (see INVOICES) unless the tutor has any."""
    tutor = user("tutor")
    if db.session.scalar(select(Invoice.id).where(Invoice.tutor_id == tutor.id).limit(1)):
        return
    for username, amount, description, due_in, state in INVOICES:
        student = user(username)
        parent = student.student_profile.parent
        invoice = invoices.create_invoice(
            tutor,
            student_id=student.id,
            amount=amount,
            description=description,
            due_date=rules.today() + timedelta(days=due_in),
        )
        if state == "draft":
            continue
        if state == "cancelled":
            invoices.cancel_invoice(tutor, invoice.id, "Entered twice by mistake.")
            continue
        invoices.send_invoice(tutor, invoice.id)
        if state in ("viewed", "paid", "overdue"):
            invoices.open_invoice(parent, invoice.id)
        if state == "paid":
            payment = payments.start_payment(parent, invoice.id)
            body = urlencode(fake.confirmation_fields(payment, "succeeded")).encode()
            payments.handle_webhook("fake", body, {})
        if state == "overdue":
            # The story took place earlier: its due date has since passed (the rule that a due
            # date is today or later holds at creation, as it did).
            db.session.execute(
                update(Invoice)
                .where(Invoice.id == invoice.id)
                .values(due_date=rules.today() - timedelta(days=OVERDUE_BY_DAYS))
            )
            db.session.commit()
    invoices.notify_overdue()  # the parent has been told, as the server's overdue loop would
