"""The declared success shapes of the billing routes (api/billing.py, api/lesson_bills.py): an
invoice with its history, a payment, and the totals by state (services/billing/serialize.py)."""

from __future__ import annotations

from thebot.api.shapes import (
    BOOLEAN,
    COUNT,
    DATE,
    DATETIME,
    DECIMAL,
    ID,
    PERSON,
    STRING,
    URL,
    array,
    component,
    nullable,
    obj,
    one_of_values,
)
from thebot.models.billing import InvoiceStatus, PaymentStatus
from thebot.services.billing.providers import NAMES as PROVIDER_NAMES

INVOICE_STATUS = one_of_values(*(s.value for s in InvoiceStatus))
PAYMENT_STATUS = one_of_values(*(s.value for s in PaymentStatus))
CURRENCY = one_of_values("RUB")  # the only currency the invoices table allows

# An invoice's people: id and name, no role (serialize._person).

INVOICE_EVENT = component(
    "InvoiceEvent",
    obj(
        {
            "from": nullable(INVOICE_STATUS),  # None: the invoice's creation
            "to": INVOICE_STATUS,
            "by": nullable(PERSON),  # None: the system or the payment provider
            "at": DATETIME,
            "reason": nullable(STRING),
        }
    ),
)

# The API always serializes an invoice for its viewer, so the `can_*` flags are always there.
INVOICE = component(
    "Invoice",
    obj(
        {
            "id": ID,
            "status": INVOICE_STATUS,
            "overdue": BOOLEAN,
            "amount": DECIMAL,
            "currency": CURRENCY,
            "description": STRING,
            "due_date": DATE,
            "student": PERSON,
            "parent": PERSON,
            "tutor": PERSON,
            "enrollment_id": nullable(ID),
            "created_at": DATETIME,
            "sent_at": nullable(DATETIME),
            "viewed_at": nullable(DATETIME),
            "paid_at": nullable(DATETIME),
            "cancelled_at": nullable(DATETIME),
            "cancel_reason": nullable(STRING),
            "history": array(INVOICE_EVENT),
            "can_send": BOOLEAN,
            "can_cancel": BOOLEAN,
            "can_pay": BOOLEAN,
        }
    ),
)

INVOICE_PAGE = obj({"invoices": array(INVOICE), "has_more": BOOLEAN})

INVOICE_TOTAL = component("InvoiceTotal", obj({"count": COUNT, "amount": DECIMAL}))
# Every state and "overdue" (sent or viewed past the due date) are always present.
INVOICE_TOTALS = obj(
    {"totals": obj({key: INVOICE_TOTAL for key in [*(s.value for s in InvoiceStatus), "overdue"]})}
)

PAYMENT = component(
    "Payment",
    obj(
        {
            "id": ID,
            "invoice_id": ID,
            "status": PAYMENT_STATUS,
            "amount": DECIMAL,
            "currency": CURRENCY,
            "provider": one_of_values(*PROVIDER_NAMES),
            "payer_id": nullable(ID),  # None only on a row older than migration 0018
            "confirmation_url": URL,  # "" until the provider gives one
            "created_at": DATETIME,
            "paid_at": nullable(DATETIME),
        }
    ),
)

PAYMENT_ANSWER = obj({"payment": PAYMENT})
PAYMENT_LIST = obj({"payments": array(PAYMENT)})
