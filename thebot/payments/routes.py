"""The webhook (POST /payments/webhook/<provider>, CSRF-exempt: providers carry no session; the
fake provider's posts are HMAC-signed) and the fake checkout page (Pay / Decline)."""

from __future__ import annotations

from flask import jsonify, redirect, render_template, request
from flask_babel import format_currency
from flask_babel import gettext as _
from flask_login import login_required

from thebot.api.errors import error_response
from thebot.extensions import csrf
from thebot.models import PaymentStatus
from thebot.payments import bp
from thebot.services import access
from thebot.services.billing import payments
from thebot.services.billing.providers import fake
from thebot.services.errors import DomainError, NotFound
from thebot.web import me


@bp.post("/webhook/<provider>")
@csrf.exempt
def webhook(provider: str):
    """Verify and apply a provider's notification: 200 (once or many times), 400 otherwise.

    A browser coming from the fake checkout (a form post) is sent on to the return URL.
    """
    try:
        payment = payments.handle_webhook(provider, request.get_data(cache=False), request.headers)
    except DomainError as exc:  # the provider's answer is the envelope, never a page
        return error_response(400, "bad_request", exc.message, exc.fields)
    if provider == "fake" and request.mimetype == "application/x-www-form-urlencoded":
        return redirect(payment.return_url, 303)
    return jsonify({"ok": True, "payment_id": payment.id, "status": payment.status.value})


@bp.get("/fake/<int:payment_id>")
@login_required
def fake_checkout(payment_id: int):
    """The fake provider's checkout: the invoice, its amount, and Pay / Decline buttons."""
    viewer = me()
    payment = payments.payment_for(viewer, payment_id)
    # only the family billed (parent, second guardian) is shown the signed buttons
    if viewer.id not in access.invoice_family_ids(payment.invoice):
        raise NotFound(_("No such payment."))
    pending = payment.status is PaymentStatus.PENDING and payment.provider == "fake"
    return render_template(
        "payments/checkout.html",
        payment=payment,
        invoice=payment.invoice,
        pending=pending,
        amount=format_currency(payment.amount, payment.invoice.currency),
        pay_fields=fake.confirmation_fields(payment, "succeeded") if pending else None,
        decline_fields=fake.confirmation_fields(payment, "canceled") if pending else None,
    )
