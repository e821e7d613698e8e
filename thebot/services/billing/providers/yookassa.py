"""YooKassa through its HTTP API (v3): create a payment with an Idempotence-Key, fetch it back.

A webhook notification (`payment.succeeded`, `payment.canceled`, …) is never trusted as it
arrives: only its payment id is read from it, and the state is fetched back from the API with
the shop's credentials.
"""

from __future__ import annotations

import json
import logging
from decimal import Decimal, InvalidOperation

import requests
from flask_babel import lazy_gettext as _l

from thebot.models import Payment, PaymentStatus
from thebot.services.billing.providers.base import Created, ProviderUnavailable, State
from thebot.services.errors import Invalid

log = logging.getLogger(__name__)
TIMEOUT = 10  # seconds per request
STATUSES = {
    "pending": PaymentStatus.PENDING,
    "waiting_for_capture": PaymentStatus.PENDING,
    "succeeded": PaymentStatus.SUCCEEDED,
    "canceled": PaymentStatus.CANCELED,
}


class YooKassaProvider:
    name = "yookassa"

    def __init__(self, shop_id: str, secret_key: str, base_url: str):
        self.auth = (shop_id, secret_key)
        self.base_url = base_url.rstrip("/")

    @classmethod
    def from_config(cls, config) -> YooKassaProvider:
        """The provider with YOOKASSA_SHOP_ID, YOOKASSA_SECRET_KEY and YOOKASSA_BASE_URL."""
        return cls(
            config.get("YOOKASSA_SHOP_ID", ""),
            config.get("YOOKASSA_SECRET_KEY", ""),
            config.get("YOOKASSA_BASE_URL") or "https://api.yookassa.ru/v3",
        )

    def _call(self, method: str, path: str, **kw) -> dict:
        """One API request; an unreachable API or an answer that is not a payment is 502."""
        try:
            answer = requests.request(
                method, f"{self.base_url}{path}", auth=self.auth, timeout=TIMEOUT, **kw
            )
        except requests.RequestException:
            log.exception("YooKassa %s %s failed", method, path)
            raise ProviderUnavailable(
                _l("The payment service is unavailable. Please try again later.")
            ) from None
        if answer.status_code != 200:
            log.error(
                "YooKassa %s %s answered %s: %s",
                method,
                path,
                answer.status_code,
                answer.text[:500],
            )
            raise ProviderUnavailable(_l("The payment service refused the request."))
        try:
            data = answer.json()
        except ValueError:
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            log.error("YooKassa %s %s answered no payment object", method, path)
            raise ProviderUnavailable(_l("The payment service answered unexpectedly."))
        return data

    def create(self, payment: Payment, description: str) -> Created:
        """POST /payments (redirect confirmation, immediate capture) → its confirmation URL."""
        body = {
            "amount": {"value": f"{payment.amount:.2f}", "currency": payment.invoice.currency},
            "confirmation": {"type": "redirect", "return_url": payment.return_url},
            "capture": True,
            "description": description[:128],
            "metadata": {"payment_id": str(payment.id)},
        }
        data = self._call(
            "POST", "/payments", json=body, headers={"Idempotence-Key": payment.idempotency_key}
        )
        url = (data.get("confirmation") or {}).get("confirmation_url")
        if not isinstance(url, str) or not url.startswith("https://"):
            log.error("YooKassa payment %s has no redirect confirmation URL", data["id"])
            raise ProviderUnavailable(_l("The payment service answered unexpectedly."))
        return Created(provider_payment_id=data["id"], confirmation_url=url)

    def _state(self, data: dict, payment_id: int | None = None) -> State:
        metadata = data.get("metadata") or {}
        ours = payment_id if payment_id is not None else str(metadata.get("payment_id", ""))
        amount = (data.get("amount") or {}).get("value")
        try:
            value = Decimal(str(amount))
        except InvalidOperation:
            value = Decimal("NaN")
        if not str(ours).isdigit() or data.get("status") not in STATUSES or not value.is_finite():
            log.error("YooKassa payment %s has an unexpected shape", data.get("id"))
            raise ProviderUnavailable(_l("The payment service answered unexpectedly."))
        return State(
            payment_id=int(ours),
            status=STATUSES[data["status"]],
            amount=value,
            provider_payment_id=data["id"],
        )

    def fetch(self, payment: Payment) -> State | None:
        """GET /payments/{id}: the payment's state as YooKassa has it."""
        if not payment.provider_payment_id:
            return None
        return self._state(
            self._call("GET", f"/payments/{payment.provider_payment_id}"), payment.id
        )

    def verify(self, body: bytes, headers) -> State:
        """Read the payment id from a notification and fetch its state back from the API."""
        try:
            note = json.loads(body)
        except ValueError:
            note = None
        target = note.get("object") if isinstance(note, dict) else None
        remote_id = target.get("id") if isinstance(target, dict) else None
        if (
            (note.get("type") if isinstance(note, dict) else None) != "notification"
            or not isinstance(remote_id, str)
            or not remote_id
            or len(remote_id) > 100
            or "/" in remote_id
        ):
            raise Invalid(_l("The payment notification could not be verified."))
        return self._state(self._call("GET", f"/payments/{remote_id}"))
