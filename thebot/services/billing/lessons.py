"""Billing a period's completed tutoring lessons in one step: an invoice draft whose description
lists them (date and time in the tutor's zone, topic), amount = count × the tutor's rate.

The invoice goes through `invoices.draft_invoice`, so every billing rule applies (the student's
tutor, a parent to bill, the amount range, the due date, duplicates). A lesson is billed once:
`invoice_lessons` links it to the invoice, and a lesson counts as billed while an invoice that
lists it is not cancelled (cancelling frees its lessons for a new invoice). The lessons are
locked (PostgreSQL) and checked again inside the transaction, so two concurrent requests cannot
bill the same lesson twice.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from thebot.extensions import db
from thebot.models import Invoice, InvoiceStatus, Lesson, LessonStatus, Role, User
from thebot.models.lesson_billing import InvoiceLesson
from thebot.services import access
from thebot.services.billing import invoices, rules
from thebot.services.errors import Conflict, Invalid
from thebot.services.ids import parse_id
from thebot.services.lessons import listing as lesson_listing
from thebot.services.lessons.rules import zone_of

MAX_PERIOD_DAYS = 366
TOPIC_MAX = 60  # a topic is cut in the description, so a month of lessons fits its 2,000


def parse_period(date_from, date_to) -> tuple[date, date]:
    """Two dates (date or "YYYY-MM-DD"), the first not after the second, at most a year apart."""
    parsed = []
    for name, value in (("date_from", date_from), ("date_to", date_to)):
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value.strip())
            except ValueError:
                value = None
        if not isinstance(value, date) or isinstance(value, datetime):
            raise Invalid(
                _l("'%(name)s' must be a date (YYYY-MM-DD).", name=name),
                {name: _l("A date such as 2026-12-31.")},
            )
        parsed.append(value)
    start, end = parsed
    if start > end or (end - start).days >= MAX_PERIOD_DAYS:
        raise Invalid(
            _l("The period must start before it ends and last at most a year."),
            {"date_to": _l("On or after the first day, at most a year later.")},
        )
    return start, end


def parse_rate(value) -> Decimal:
    """The price of one lesson: a decimal string or Decimal, as invoice amounts are."""
    try:
        return rules.parse_amount(value)
    except Invalid as exc:
        raise Invalid(exc.message, {"rate": exc.fields.get("amount", "")}) from None


def _bounds(tutor: User, start: date, end: date) -> tuple[datetime, datetime]:
    """The period's first and last day, whole days in the tutor's zone, as UTC instants."""
    zone = zone_of(tutor)
    field = "date_from"
    try:
        low = datetime.combine(start, time(), tzinfo=zone).astimezone(UTC)
        field = "date_to"
        high = datetime.combine(end + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)
    except OverflowError:  # the first or last representable day, shifted past the range
        raise Invalid(
            _l("'%(name)s' is out of range.", name=field), {field: _l("A date such as 2026-12-31.")}
        ) from None
    return low, high


def billed_lesson_ids():
    """A SELECT of the ids of lessons on an invoice that is not cancelled."""
    return (
        select(InvoiceLesson.lesson_id)
        .join(Invoice, Invoice.id == InvoiceLesson.invoice_id)
        .where(Invoice.status != InvoiceStatus.CANCELLED)
    )


def _unbilled(tutor: User, student_id: int, start: date, end: date, lock: bool = False):
    """The period's completed sessions (the lessons service's list) not yet billed, oldest
    first. With `lock`, the period's completed lessons are locked first (PostgreSQL; by id, so
    concurrent billers queue in one order), and only then is "billed" read, in a statement that
    sees what a biller before us committed."""
    if lock:
        low, high = _bounds(tutor, start, end)
        ids = (
            select(Lesson.id)
            .where(
                Lesson.tutor_id == tutor.id,
                Lesson.student_id == student_id,
                Lesson.status == LessonStatus.COMPLETED,
                Lesson.starts_at >= low,
                Lesson.starts_at < high,
            )
            .order_by(Lesson.id)
            .with_for_update()
        )
        db.session.scalars(ids).all()
    lessons = lesson_listing.completed_unbilled(tutor, student_id, start, end)
    billed = set(
        db.session.scalars(
            billed_lesson_ids().where(InvoiceLesson.lesson_id.in_([x.id for x in lessons]))
        )
    )
    return [lesson for lesson in lessons if lesson.id not in billed]


def billable_lessons(tutor: User, student_id, date_from, date_to) -> list[Lesson]:
    """The tutor's completed, not yet billed lessons with their student in the period (whole
    days in the tutor's zone), oldest first. A student the caller may not see is NotFound,
    whatever their role; one they see but do not tutor is Forbidden."""
    access.visible_student(tutor, parse_id(student_id, "student_id"))
    access.require_role(tutor, Role.TUTOR)
    student = access.managed_student(tutor, parse_id(student_id, "student_id"))
    start, end = parse_period(date_from, date_to)
    return _unbilled(tutor, student.id, start, end)


def describe(tutor: User, lessons: list[Lesson], rate: Decimal, start: date, end: date) -> str:
    """The invoice description: a heading, then one line per lesson (its day and time in the
    tutor's zone, its topic)."""
    zone = zone_of(tutor)
    heading = gettext(
        "Lessons from %(start)s to %(end)s: %(count)d × %(rate)s RUB (times in %(zone)s)",
        start=start.isoformat(),
        end=end.isoformat(),
        count=len(lessons),
        rate=f"{rate:.2f}",
        zone=zone.key,
    )
    lines = [heading]
    for lesson in lessons:
        starts, ends = lesson.starts_at.astimezone(zone), lesson.ends_at.astimezone(zone)
        topic = " ".join((lesson.topic or "").split())
        if len(topic) > TOPIC_MAX:
            topic = topic[: TOPIC_MAX - 1] + "…"
        line = f"• {starts:%Y-%m-%d %H:%M}–{ends:%H:%M}"
        lines.append(f"{line} {topic}" if topic else line)
    return "\n".join(lines)


def bill_lessons(
    tutor: User, *, student_id, date_from, date_to, rate, due_date, enrollment_id=None
) -> Invoice:
    """One invoice draft for the period's completed, unbilled tutoring lessons with the student:
    amount = their count × rate; its description lists them; they are billed once."""
    access.visible_student(tutor, parse_id(student_id, "student_id"))
    access.require_role(tutor, Role.TUTOR)
    student = access.managed_student(tutor, parse_id(student_id, "student_id"))
    start, end = parse_period(date_from, date_to)
    price = parse_rate(rate)
    lessons = _unbilled(tutor, student.id, start, end, lock=True)
    if not lessons:
        raise Conflict(
            _l("There are no completed, unbilled lessons with this student in this period.")
        )
    description = describe(tutor, lessons, price, start, end)
    if len(description) > rules.DESCRIPTION_MAX:
        raise Invalid(
            _l("Too many lessons for one invoice: bill a shorter period."),
            {"date_to": _l("Choose a shorter period.")},
        )
    try:
        invoice = invoices.draft_invoice(
            tutor,
            student_id=student.id,
            amount=price * len(lessons),
            description=description,
            due_date=due_date,
            enrollment_id=enrollment_id,
        )
    except Invalid as exc:  # the amount is the rate's doing here
        fields = {("rate" if k == "amount" else k): v for k, v in exc.fields.items()}
        raise Invalid(exc.message, fields) from None
    db.session.add_all(
        InvoiceLesson(invoice_id=invoice.id, lesson_id=lesson.id) for lesson in lessons
    )
    db.session.commit()
    return invoice


def lessons_of(invoice: Invoice) -> list[Lesson]:
    """The lessons an invoice bills (none for an invoice written by hand), oldest first."""
    return list(
        db.session.scalars(
            select(Lesson)
            .join(InvoiceLesson, InvoiceLesson.lesson_id == Lesson.id)
            .where(InvoiceLesson.invoice_id == invoice.id)
            .order_by(Lesson.starts_at, Lesson.id)
        )
    )
