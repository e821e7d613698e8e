"""The payment provider interface: what a provider answers and what it must do.

A provider creates a payment (amount, description, idempotency key, return URL) and answers a
confirmation URL; fetches a payment's status; and verifies a webhook, answering the status it
trusts (signed by us for the fake provider, fetched back from the API for YooKassa).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from thebot.models import Payment, PaymentStatus
from thebot.services.errors import DomainError


class ProviderUnavailable(DomainError):
    """The payment provider could not be reached or answered nonsense (502)."""

    code = "provider_unavailable"
    status = 502


@dataclass(frozen=True)
class Created:
    """What a provider answers for a new payment."""

    provider_payment_id: str | None
    confirmation_url: str


@dataclass(frozen=True)
class State:
    """A payment's state as the provider vouches for it (`payment_id` is ours)."""

    payment_id: int
    status: PaymentStatus
    amount: Decimal
    provider_payment_id: str | None = None


class Provider(Protocol):
    name: str

    def create(self, payment: Payment, description: str) -> Created:
        """Create the payment at the provider (retries with the same idempotency key are safe)."""

    def fetch(self, payment: Payment) -> State | None:
        """The payment's state at the provider, or None when it has nothing newer to say."""

    def verify(self, body: bytes, headers) -> State:
        """A webhook's trusted state; Invalid when it cannot be verified."""
