"""The contract's JSON shapes of an invoice (with its history) and of a payment."""

from __future__ import annotations

from thebot.models import Invoice, Payment, User
from thebot.models.base import iso
from thebot.services.billing import rules


def _person(user: User | None) -> dict | None:
    return None if user is None else {"id": user.id, "full_name": user.full_name}


def invoice_dict(invoice: Invoice, viewer: User | None = None) -> dict:
    """An invoice as JSON (contract.md 3a); with a viewer, what they may do to it as `can_*`."""
    data = {
        "id": invoice.id,
        "status": invoice.status.value,
        "overdue": rules.is_overdue(invoice),
        "amount": f"{invoice.amount:.2f}",
        "currency": invoice.currency,
        "description": invoice.description,
        "due_date": invoice.due_date.isoformat(),
        "student": _person(invoice.student),
        "parent": _person(invoice.parent),
        "tutor": _person(invoice.tutor),
        "enrollment_id": invoice.enrollment_id,
        "created_at": iso(invoice.created_at),
        "sent_at": iso(invoice.sent_at),
        "viewed_at": iso(invoice.viewed_at),
        "paid_at": iso(invoice.paid_at),
        "cancelled_at": iso(invoice.cancelled_at),
        "cancel_reason": invoice.cancel_reason,
        "history": [
            {
                "from": e.from_status.value if e.from_status else None,
                "to": e.to_status.value,
                "by": _person(e.actor),
                "at": iso(e.at),
                "reason": e.reason,
            }
            for e in invoice.events
        ],
    }
    if viewer is not None:
        data.update(
            can_send=rules.may_send(viewer, invoice),
            can_cancel=rules.may_cancel(viewer, invoice),
            can_pay=rules.may_pay(viewer, invoice),
        )
    return data


def payment_dict(payment: Payment) -> dict:
    """A payment as JSON (contract.md 3a)."""
    return {
        "id": payment.id,
        "invoice_id": payment.invoice_id,
        "status": payment.status.value,
        "amount": f"{payment.amount:.2f}",
        "currency": payment.invoice.currency,
        "provider": payment.provider,
        "payer_id": payment.payer_id,
        "confirmation_url": payment.confirmation_url,
        "created_at": iso(payment.created_at),
        "paid_at": iso(payment.paid_at),
    }
