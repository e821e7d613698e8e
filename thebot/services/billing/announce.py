"""What is told about an invoice and to whom: the `invoice_updated` event after commit (to its
tutor and, once it was sent, its parent) and the notifications of each transition."""

from __future__ import annotations

from thebot import realtime
from thebot.models import Invoice, User
from thebot.services import notify
from thebot.services.billing.serialize import invoice_dict


def audience(invoice: Invoice) -> list[User]:
    """Who hears about this invoice live: its tutor, and its parent once it was ever sent."""
    people = [invoice.tutor]
    if invoice.sent_at is not None:
        people.append(invoice.parent)
    return people


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
