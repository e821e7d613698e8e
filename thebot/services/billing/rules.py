"""The rules of an invoice's values and of who may do what to it: the amount, due date and
description a tutor enters, the digest that makes an identical open invoice a duplicate, the open
and payable states, and overdue (derived from the due date, never stored).
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from thebot.models import Invoice, InvoiceStatus, Role, User
from thebot.models.billing import MAX_AMOUNT, MIN_AMOUNT
from thebot.services import access
from thebot.services.errors import Invalid

DESCRIPTION_MAX = 2_000
AMOUNT_RE = re.compile(r"^\d{1,8}([.,]\d{1,2})?$")
PAYABLE = (InvoiceStatus.SENT, InvoiceStatus.VIEWED)
OPEN = (InvoiceStatus.DRAFT, InvoiceStatus.SENT, InvoiceStatus.VIEWED)


def today() -> date:
    """Today's date as billing counts it (UTC, the site's time zone)."""
    return datetime.now(UTC).date()


# --- values -----------------------------------------------------------------------------------


def parse_amount(value) -> Decimal:
    """An exact amount from a decimal string ("1500", "1500.5", "1500,50") or a Decimal.

    Floats and JSON numbers are refused (they are not exact); so are exponents ("1e3"), more
    than two decimals and anything outside 0.01–99,999,999.99.
    """
    problem = _l("An amount from 0.01 to 99 999 999.99, at most two decimals, e.g. 1500.00.")
    if isinstance(value, str) and AMOUNT_RE.match(value.strip()):
        amount = Decimal(value.strip().replace(",", "."))
    elif isinstance(value, Decimal) and value.is_finite():
        amount = value
    else:
        raise Invalid(
            _l('The amount must be a decimal string such as "1500.00".'), {"amount": problem}
        )
    if amount != amount.quantize(Decimal("0.01")) or not MIN_AMOUNT <= amount <= MAX_AMOUNT:
        raise Invalid(_l("The amount is out of range."), {"amount": problem})
    return amount.quantize(Decimal("0.01"))


def parse_due_date(value) -> date:
    """A due date (a date or "YYYY-MM-DD") of today or later."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, date) or isinstance(value, datetime):
        raise Invalid(
            _l("The due date must be a date (YYYY-MM-DD)."),
            {"due_date": _l("A date such as 2026-12-31.")},
        )
    if value < today():
        raise Invalid(
            _l("The due date cannot be in the past."), {"due_date": _l("Today or later.")}
        )
    return value


def parse_description(value) -> str:
    """A description of 1–2,000 characters (surrounding space removed)."""
    text = value.strip() if isinstance(value, str) else ""
    if not text or len(text) > DESCRIPTION_MAX:
        raise Invalid(
            _l("The description must be 1 to %(max)d characters.", max=DESCRIPTION_MAX),
            {"description": _l("From 1 to %(max)d characters.", max=DESCRIPTION_MAX)},
        )
    return text


def duplicate_key(tutor_id: int, student_id: int, amount: Decimal, description: str) -> str:
    """The digest that makes an identical open invoice a duplicate (see the unique index)."""
    raw = f"{tutor_id}|{student_id}|{amount:.2f}|{description}"
    return hashlib.sha256(raw.encode()).hexdigest()


# --- who may ----------------------------------------------------------------------------------


def may_send(user: User, invoice: Invoice) -> bool:
    """The invoice's tutor, while it is a draft."""
    return invoice.tutor_id == user.id and invoice.status is InvoiceStatus.DRAFT


def may_cancel(user: User, invoice: Invoice) -> bool:
    """The invoice's tutor, while it is open (draft, sent or viewed)."""
    return invoice.tutor_id == user.id and invoice.status in OPEN


def may_pay(user: User, invoice: Invoice) -> bool:
    """The parent billed or the student's second guardian (`access.invoice_family_ids`), while
    the invoice is sent or viewed; it stays billed to the parent whoever pays."""
    if invoice.status not in PAYABLE or user.role is not Role.PARENT:
        return False  # (no profile lookup for the tutors' and admins' lists)
    return user.id == invoice.parent_id or user.id in access.invoice_family_ids(invoice)


def is_overdue(invoice: Invoice, today_: date | None = None) -> bool:
    """Sent or viewed and its due date has passed."""
    return invoice.status in PAYABLE and invoice.due_date < (today_ or today())
