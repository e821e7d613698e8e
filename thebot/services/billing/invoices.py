"""Invoices and their transitions: draft → sent → viewed → paid, cancelled from any state but paid.

Each transition is one function: it checks who may do it, stamps its time, writes one history row
(InvoiceEvent), sends one `invoice_updated` after commit and notifies. Repeating a transition is
a no-op. The values and who may are `rules`; overdue is derived from the due date, never
stored, and `notify_overdue` only remembers that the parent was told.
"""

from __future__ import annotations

import logging

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from thebot.extensions import db
from thebot.models import (
    Enrollment,
    Invoice,
    InvoiceEvent,
    InvoiceStatus,
    Payment,
    PaymentStatus,
    Role,
    User,
)
from thebot.models.base import execute_dml, utcnow
from thebot.services import access
from thebot.services.billing import announce, rules
from thebot.services.errors import Conflict, Forbidden, Invalid, NotFound
from thebot.services.ids import optional_id, parse_id

log = logging.getLogger(__name__)
REASON_MAX = 500


# --- transitions ------------------------------------------------------------------------------


def record(
    invoice: Invoice,
    actor: User | None,
    to_status: InvoiceStatus,
    reason: str | None = None,
    from_status: InvoiceStatus | None = None,
) -> None:
    """Write one history row and send `invoice_updated` after commit (for every change)."""
    db.session.add(
        InvoiceEvent(
            invoice=invoice,
            actor_id=actor.id if actor else None,
            from_status=from_status,
            to_status=to_status,
            at=utcnow(),
            reason=reason,
        )
    )
    db.session.flush()
    announce.emit_updated(invoice)


def _move(
    invoice: Invoice, actor: User | None, to_status: InvoiceStatus, reason: str | None = None
) -> None:
    from_status = invoice.status
    invoice.status = to_status
    record(invoice, actor, to_status, reason, from_status)


def _tutor_student(actor: User, student_id) -> User:
    student = db.session.scalar(
        select(User).where(User.id == parse_id(student_id, "student_id"), User.role == Role.STUDENT)
    )
    profile = student.student_profile if student is not None else None
    if student is None or profile is None or profile.tutor_id != actor.id:
        raise NotFound(_l("No such student."), {"student_id": _l("Choose one of your students.")})
    return student


def create_invoice(actor: User, **values) -> Invoice:
    """A draft invoice from the student's tutor to the student's parent (taken from the profile)."""
    invoice = draft_invoice(actor, **values)
    db.session.commit()
    return invoice


def draft_invoice(
    actor: User, *, student_id, amount, description, due_date, enrollment_id=None
) -> Invoice:
    """create_invoice inside the caller's transaction (flushed, not committed): every rule."""
    access.require_role(actor, Role.TUTOR)
    student = _tutor_student(actor, student_id)
    errors: dict = {}
    values: dict = {}
    for name, parse, raw in (
        ("amount", rules.parse_amount, amount),
        ("description", rules.parse_description, description),
        ("due_date", rules.parse_due_date, due_date),
    ):
        try:
            values[name] = parse(raw)
        except Invalid as exc:
            errors.update(exc.fields)
    enrollment = None
    try:
        enrollment_key = optional_id(enrollment_id, "enrollment_id")
        if enrollment_key is not None:
            enrollment = db.session.get(Enrollment, enrollment_key)
            if enrollment is None or enrollment.student_id != student.id:
                errors["enrollment_id"] = _l("Choose one of this student's subjects.")
    except (Invalid, NotFound):
        errors["enrollment_id"] = _l("Choose one of this student's subjects.")
    if errors:
        raise Invalid(_l("Please correct the marked fields."), errors)
    profile = student.student_profile  # present: _tutor_student checked it
    parent_id = profile.parent_id if profile is not None else None
    if parent_id is None:
        raise Invalid(
            _l(
                "%(name)s has no parent linked, so there is nobody to bill. Link a parent first.",
                name=student.full_name,
            ),
            {"student_id": _l("This student has no parent to bill.")},
        )
    key = rules.duplicate_key(actor.id, student.id, values["amount"], values["description"])
    if (
        db.session.scalar(
            select(Invoice.id).where(Invoice.duplicate_key == key, Invoice.status.in_(rules.OPEN))
        )
        is not None
    ):
        raise _duplicate()
    invoice = Invoice(
        tutor_id=actor.id,
        student_id=student.id,
        parent_id=parent_id,
        enrollment_id=enrollment.id if enrollment else None,
        currency="RUB",
        duplicate_key=key,
        status=InvoiceStatus.DRAFT,
        created_at=utcnow(),
        **values,
    )
    db.session.add(invoice)
    try:
        db.session.flush()
    except IntegrityError:  # a concurrent identical invoice won the unique index
        db.session.rollback()
        raise _duplicate() from None
    record(invoice, actor, InvoiceStatus.DRAFT)
    return invoice


def _duplicate() -> Conflict:
    return Conflict(
        _l("An identical open invoice (same student, amount and description) already exists."),
        {"description": _l("An identical open invoice already exists.")},
    )


def _own_invoice(actor: User, invoice_id) -> Invoice:
    """An invoice the actor may see, locked for the transition (NotFound if unseen)."""
    invoice = access.visible_invoice(actor, parse_id(invoice_id, "invoice_id"))
    db.session.refresh(invoice, with_for_update=True)
    return invoice


def send_invoice(actor: User, invoice_id) -> Invoice:
    """The tutor sends a draft to the parent (sending again is a no-op)."""
    invoice = _own_invoice(actor, invoice_id)
    if invoice.tutor_id != actor.id:
        raise Forbidden(_l("Only the invoice's tutor may send it."))
    if invoice.status in (InvoiceStatus.SENT, InvoiceStatus.VIEWED, InvoiceStatus.PAID):
        return invoice
    if invoice.status is InvoiceStatus.CANCELLED:
        raise Conflict(_l("A cancelled invoice cannot be sent."))
    if invoice.due_date < rules.today():
        raise Conflict(
            _l("The due date of this draft has passed: cancel it and create a new one."),
            {"due_date": _l("Today or later.")},
        )
    invoice.sent_at = utcnow()
    _move(invoice, actor, InvoiceStatus.SENT)
    announce.tell_family("invoice_sent", invoice)
    db.session.commit()
    return invoice


def open_invoice(viewer: User, invoice_id) -> Invoice:
    """The invoice for a viewer who may see it; the parent (or the second guardian) opening a
    sent one makes it viewed."""
    invoice = access.visible_invoice(viewer, parse_id(invoice_id, "invoice_id"))
    if invoice.status is not InvoiceStatus.SENT:
        return invoice
    if viewer.id not in access.invoice_family_ids(invoice):
        return invoice
    claimed = execute_dml(
        update(Invoice)
        .where(Invoice.id == invoice.id, Invoice.status == InvoiceStatus.SENT)
        .values(status=InvoiceStatus.VIEWED, viewed_at=utcnow())
    ).rowcount
    db.session.refresh(invoice)
    if claimed:  # one opening of many concurrent ones records the change
        record(invoice, viewer, InvoiceStatus.VIEWED, from_status=InvoiceStatus.SENT)
        announce.tell(invoice.tutor, "invoice_viewed", invoice)
    db.session.commit()
    return invoice


def cancel_invoice(actor: User, invoice_id, reason: str | None = None) -> Invoice:
    """The tutor cancels an open invoice, optionally saying why (cancelling again is a no-op)."""
    if reason is not None and not isinstance(reason, str):
        raise Invalid(_l("The reason must be text."), {"reason": _l("Text, or leave it out.")})
    reason = (reason or "").strip() or None
    if reason is not None and len(reason) > REASON_MAX:
        raise Invalid(
            _l("The reason is too long."),
            {"reason": _l("At most %(count)d characters.", count=REASON_MAX)},
        )
    invoice = _own_invoice(actor, invoice_id)
    if invoice.tutor_id != actor.id:
        raise Forbidden(_l("Only the invoice's tutor may cancel it."))
    if invoice.status is InvoiceStatus.CANCELLED:
        return invoice
    if invoice.status is InvoiceStatus.PAID:
        raise Conflict(_l("A paid invoice cannot be cancelled."))
    invoice.cancelled_at, invoice.cancel_reason = utcnow(), reason
    _move(invoice, actor, InvoiceStatus.CANCELLED, reason)
    _cancel_pending_payment(invoice)
    db.session.commit()
    return invoice


def mark_paid(invoice: Invoice, reason: str | None = None) -> bool:
    """Inside the payment's transaction: sent/viewed → paid, once (False when it was not payable).

    The conditional UPDATE decides between concurrent confirmations: one of them moves it.
    """
    db.session.refresh(invoice)
    from_status = invoice.status
    claimed = execute_dml(
        update(Invoice)
        .where(Invoice.id == invoice.id, Invoice.status.in_(rules.PAYABLE))
        .values(status=InvoiceStatus.PAID, paid_at=utcnow())
    ).rowcount
    db.session.refresh(invoice)
    if not claimed:
        return False
    record(invoice, None, InvoiceStatus.PAID, reason, from_status=from_status)
    announce.tell(invoice.tutor, "invoice_paid", invoice)
    return True


# --- following the links ----------------------------------------------------------------------


def parent_changed(
    student: User,
    *,
    old_tutor_id: int | None,
    old_parent_id: int | None,
    old_guardian_id: int | None = None,
) -> None:
    """signals.links_changed: the student's open invoices (draft, sent, viewed) move to the new
    parent, with a history row each. Without a new parent they stay with the old one (an invoice
    always names who is billed); paid and cancelled ones never move. Only the primary parent is
    billed: a change of the second guardian alone (`old_guardian_id`) moves nothing."""
    profile = student.student_profile
    new_parent_id = profile.parent_id if profile is not None else None
    if new_parent_id is None or new_parent_id == old_parent_id:
        return
    new_parent = db.session.get_one(User, new_parent_id)
    moving = db.session.scalars(
        select(Invoice)
        .where(
            Invoice.student_id == student.id,
            Invoice.status.in_(rules.OPEN),
            Invoice.parent_id != new_parent_id,
        )
        .with_for_update()
    ).all()
    for invoice in moving:
        old_name = invoice.parent.full_name
        invoice.parent_id = new_parent_id
        invoice.parent = new_parent
        reason = str(
            _l(
                "Billed parent changed from %(old)s to %(new)s.",
                old=old_name,
                new=new_parent.full_name,
            )
        )
        record(invoice, None, invoice.status, reason, from_status=invoice.status)
        if invoice.sent_at is not None:
            announce.tell_family("invoice_sent", invoice)


# --- the overdue task -------------------------------------------------------------------------


def notify_overdue() -> int:
    """Tell each parent once about each overdue invoice; returns how many were told.

    A conditional UPDATE claims the rows (overdue_notified_at IS NULL → now), so several
    processes running this at once tell each parent once.
    """
    now = utcnow()
    candidates = db.session.scalars(
        select(Invoice.id).where(
            Invoice.status.in_(rules.PAYABLE),
            Invoice.due_date < rules.today(),
            Invoice.overdue_notified_at.is_(None),
        )
    ).all()
    told = 0
    for invoice_id in candidates:
        claimed = execute_dml(
            update(Invoice)
            .where(
                Invoice.id == invoice_id,
                Invoice.overdue_notified_at.is_(None),
                Invoice.status.in_(rules.PAYABLE),
            )
            .values(overdue_notified_at=now)
        ).rowcount
        if claimed:
            invoice = db.session.get_one(Invoice, invoice_id)
            announce.tell_family("invoice_overdue", invoice)
            told += 1
        db.session.commit()
    return told


def _cancel_pending_payment(invoice: Invoice) -> None:
    """Inside the invoice's cancellation: its pending payment is canceled too (no commit)."""
    execute_dml(
        update(Payment)
        .where(Payment.invoice_id == invoice.id, Payment.status == PaymentStatus.PENDING)
        .values(status=PaymentStatus.CANCELED)
    )
