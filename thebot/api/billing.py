"""Invoices and payments over JSON (contract.md 3a): list, create, open, send, cancel, pay, and
a payment's state (services/billing/)."""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _

from thebot.api import api_user, bp
from thebot.api.billing_shapes import (
    INVOICE,
    INVOICE_PAGE,
    INVOICE_TOTALS,
    PAYMENT_ANSWER,
    PAYMENT_LIST,
)
from thebot.api.schema import accepts
from thebot.api.shapes import returns
from thebot.api.util import id_arg, int_arg, json_body
from thebot.services.billing import invoices, listing, payments
from thebot.services.billing.serialize import invoice_dict, payment_dict
from thebot.services.errors import Invalid
from thebot.services.ids import payload_id

FILTERS = {
    "status": "string",
    "student_id": "id",
    "overdue": "string",
    "date_from": "date",
    "date_to": "date",
}


def _invoice(invoice):
    return jsonify(invoice_dict(invoice, api_user()))


def _payment(payment):
    return jsonify({"payment": payment_dict(payment)})


def _optional_body() -> dict:
    """The JSON object of a request whose body may be left out (then {})."""
    return json_body() if request.get_data() else {}


def _filters() -> dict:
    args = request.args
    return {
        "status": args.get("status") or None,
        "student_id": id_arg("student_id"),
        "overdue": args.get("overdue") or None,
        "date_from": args.get("date_from") or None,
        "date_to": args.get("date_to") or None,
    }


@bp.get("/invoices")
@accepts(query={**FILTERS, "limit": "count", "before_id": "id"})
@returns(200, INVOICE_PAGE)
def list_invoices():
    """?status=&student_id=&overdue=true&date_from=&date_to=&limit=&before_id= (newest first)."""
    viewer = api_user()
    limit = int_arg("limit")
    rows, has_more = listing.invoices_for(
        viewer, **_filters(), before_id=id_arg("before_id"), limit=50 if limit is None else limit
    )
    return jsonify({"invoices": [invoice_dict(i, viewer) for i in rows], "has_more": has_more})


@bp.get("/invoices/totals")
@accepts(query=FILTERS)
@returns(200, INVOICE_TOTALS)
def invoice_totals():
    """Totals by state and overdue over the same filters: {state: {"count", "amount"}}."""
    totals = listing.totals_for(api_user(), **_filters())
    return jsonify(
        {
            "totals": {
                k: {"count": v["count"], "amount": f"{v['amount']:.2f}"} for k, v in totals.items()
            }
        }
    )


@bp.post("/invoices")
@accepts(
    body={
        "student_id": "id",
        "amount": "decimal",
        "description": "string",
        "due_date": "date",
        "enrollment_id": "id",
    },
    required=("student_id", "amount", "description", "due_date"),
)
@returns(201, INVOICE)
def create_invoice():
    """A draft: {student_id, amount (a decimal string), description, due_date, enrollment_id?}."""
    body = json_body()
    if "amount" in body and not isinstance(body["amount"], str):
        raise Invalid(
            _('The amount must be a decimal string such as "1500.00".'),
            {"amount": _('A string such as "1500.00" (JSON numbers are not exact).')},
        )
    invoice = invoices.create_invoice(
        api_user(),
        student_id=payload_id(body.get("student_id"), "student_id"),
        amount=body.get("amount"),
        description=body.get("description"),
        due_date=body.get("due_date") if isinstance(body.get("due_date"), str) else None,
        enrollment_id=payload_id(body.get("enrollment_id"), "enrollment_id", required=False),
    )
    return _invoice(invoice), 201


@bp.get("/invoices/<int:invoice_id>")
@returns(200, INVOICE)
def get_invoice(invoice_id: int):
    """One invoice; the parent opening a sent one makes it viewed."""
    return _invoice(invoices.open_invoice(api_user(), invoice_id))


@bp.post("/invoices/<int:invoice_id>/send")
@returns(200, INVOICE)
def send_invoice(invoice_id: int):
    """The tutor sends a draft (again: no change)."""
    return _invoice(invoices.send_invoice(api_user(), invoice_id))


@bp.post("/invoices/<int:invoice_id>/cancel")
@accepts(body={"reason": "string"}, body_optional=True)
@returns(200, INVOICE)
def cancel_invoice(invoice_id: int):
    """The tutor cancels an open invoice: {"reason"?}."""
    body = _optional_body()
    return _invoice(invoices.cancel_invoice(api_user(), invoice_id, body.get("reason")))


@bp.get("/invoices/<int:invoice_id>/payments")
@returns(200, PAYMENT_LIST)
def list_payments(invoice_id: int):
    """The invoice's payments, oldest first."""
    rows = payments.payments_of(api_user(), invoice_id)
    return jsonify({"payments": [payment_dict(p) for p in rows]})


@bp.post("/invoices/<int:invoice_id>/payments")
@accepts(body={"return_url": "url"}, body_optional=True)
@returns(201, PAYMENT_ANSWER)
def start_payment(invoice_id: int):
    """The parent starts paying: {"return_url"?} → 201 {"payment"} (an open one is reused)."""
    body = _optional_body()
    return _payment(payments.start_payment(api_user(), invoice_id, body.get("return_url"))), 201


@bp.get("/payments/<int:payment_id>")
@returns(200, PAYMENT_ANSWER)
def get_payment(payment_id: int):
    """A payment's state; while pending the provider is asked."""
    return _payment(payments.payment_for(api_user(), payment_id))
