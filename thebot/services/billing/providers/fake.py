"""The fake provider (the default): a checkout page served by the app whose Pay and Decline
buttons post a confirmation signed by the server (HMAC-SHA256 with PAYMENT_WEBHOOK_SECRET) into
the same webhook route a real provider uses."""

from __future__ import annotations

import hashlib
import hmac
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qs

from flask import current_app
from flask_babel import lazy_gettext as _l

from thebot.models import Payment, PaymentStatus
from thebot.services.billing.providers.base import Created, State
from thebot.services.errors import Invalid

OUTCOMES = {"succeeded": PaymentStatus.SUCCEEDED, "canceled": PaymentStatus.CANCELED}


def webhook_secret() -> bytes:
    """PAYMENT_WEBHOOK_SECRET, or one derived from SECRET_KEY when it is not set."""
    secret = current_app.config.get("PAYMENT_WEBHOOK_SECRET")
    if secret:
        return secret.encode()
    return hmac.new(
        current_app.config["SECRET_KEY"].encode(), b"thebot payment webhook", hashlib.sha256
    ).digest()


def sign(payment_id: int, outcome: str, amount: str) -> str:
    """The signature of one confirmation (payment, outcome, amount)."""
    message = f"{payment_id}|{outcome}|{amount}".encode()
    return hmac.new(webhook_secret(), message, hashlib.sha256).hexdigest()


def confirmation_fields(payment: Payment, outcome: str) -> dict[str, str]:
    """The signed form fields the checkout page posts for Pay ("succeeded") or Decline."""
    amount = f"{payment.amount:.2f}"
    return {
        "payment_id": str(payment.id),
        "outcome": outcome,
        "amount": amount,
        "signature": sign(payment.id, outcome, amount),
    }


class FakeProvider:
    name = "fake"

    def create(self, payment: Payment, description: str) -> Created:
        """No remote call: the checkout page is ours."""
        base = current_app.config["BASE_URL"]
        return Created(
            provider_payment_id=f"fake-{payment.id}",
            confirmation_url=f"{base}/payments/fake/{payment.id}",
        )

    def fetch(self, payment: Payment) -> State | None:
        """The fake provider keeps no state of its own: only its webhook says anything."""
        return None

    def verify(self, body: bytes, headers) -> State:
        """Check the HMAC of a posted confirmation (form-encoded); Invalid when it is wrong."""
        fields = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        refused = Invalid(_l("The payment confirmation could not be verified."))
        payment_id, outcome = fields.get("payment_id", ""), fields.get("outcome", "")
        amount, signature = fields.get("amount", ""), fields.get("signature", "")
        if not payment_id.isdigit() or outcome not in OUTCOMES or len(payment_id) > 10:
            raise refused
        if not hmac.compare_digest(sign(int(payment_id), outcome, amount), signature):
            raise refused
        try:
            value = Decimal(amount)
        except InvalidOperation:
            raise refused from None
        return State(payment_id=int(payment_id), status=OUTCOMES[outcome], amount=value)
