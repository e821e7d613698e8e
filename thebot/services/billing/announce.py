"""What is told about an invoice and to whom: the `invoice_updated` event after commit (to its
tutor and, once it was sent, its parent and the student's second guardian) and the notifications
of each transition."""

from __future__ import annotations

from sqlalchemy import select

from thebot import realtime
from thebot.extensions import db
from thebot.models import Invoice, User
from thebot.services import access, notify
from thebot.services.billing.serialize import invoice_dict


def audience(invoice: Invoice) -> list[User]:
    """Who hears about this invoice live: its tutor, and once it was ever sent the family
    billed (the parent and the second guardian: `access.invoice_family_ids`)."""
    people = [invoice.tutor]
    if invoice.sent_at is not None:
        people.extend(family(invoice))
    return people


def family(invoice: Invoice) -> list[User]:
    """The parent billed, then the student's second guardian if they stand for the same family
    (`access.invoice_family_ids`); the guardian only while their account is active."""
    others = access.invoice_family_ids(invoice) - {invoice.parent_id}
    guardians = db.session.scalars(
        select(User).where(User.id.in_(others), User.active.is_(True)).order_by(User.id)
    )
    return [invoice.parent, *guardians]


def tell_family(kind: str, invoice: Invoice) -> None:
    """Notify the family billed (`family`) of an invoice event."""
    for user in family(invoice):
        tell(user, kind, invoice)


def emit_updated(invoice: Invoice) -> None:
    """After commit, `invoice_updated` (the invoice as each may see it) to tutor and parent."""
    for user in audience(invoice):
        realtime.emit(
            "invoice_updated",
            invoice_dict(invoice, user),
            to=realtime.user_room(user.id),
            namespace=realtime.NOTIFICATIONS,
        )


def invoice_path(invoice: Invoice, user: User) -> str:
    """The page where this user opens the invoice (/tutor/invoices/<id>, /parent/invoices/<id>)."""
    return f"/{user.role.value}/invoices/{invoice.id}"


def params(invoice: Invoice) -> dict:
    """What an invoice notification is made of (rendered in the reader's language when shown)."""
    return {
        "invoice": invoice.id,
        "student": invoice.student.full_name,
        "tutor": invoice.tutor.full_name,
        "parent": invoice.parent.full_name,
        "amount": str(invoice.amount),
        "currency": invoice.currency,
        "due": invoice.due_date.isoformat(),
        "description": invoice.description[:140],
    }


def tell(user: User, kind: str, invoice: Invoice) -> None:
    """Notify one user of an invoice event (kinds invoice_sent/viewed/paid/overdue)."""
    notify.notify(
        user,
        kind,
        params=params(invoice),
        url=invoice_path(invoice, user),
        dedupe_key=f"{kind}:{invoice.id}",
    )
