"""Paying an invoice: start (or reuse) a payment at the provider, learn its outcome from the
provider's webhook or the return page's status check, and pay the invoice once.

`payment_succeeded` is the one path to "paid": idempotent, and safe under concurrent
confirmations (a conditional UPDATE decides, and one succeeded payment per invoice is a unique
index).
"""

from __future__ import annotations

import logging
import re
import secrets
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from thebot.extensions import db
from thebot.models import Invoice, InvoiceStatus, Payment, PaymentStatus, User
from thebot.models.base import execute_dml, utcnow
from thebot.services import access
from thebot.services.billing import announce, invoices, rules
from thebot.services.billing.providers import NAMES, provider
from thebot.services.billing.providers.base import ProviderUnavailable, State
from thebot.services.errors import Conflict, Forbidden, Invalid, NotFound
from thebot.services.ids import parse_id

log = logging.getLogger(__name__)
URL_MAX = 1000
ABSOLUTE_URL = re.compile(r"^https?://[^\s/]+(/\S*)?$")


def _return_url(value) -> str | None:
    """Where the provider sends the payer back: a path on this site or an http(s) URL (None:
    the payment's own page, known once it has an id)."""
    base = current_app.config["BASE_URL"]
    if value is None or value == "":
        return None
    if isinstance(value, str) and len(value) <= URL_MAX:
        if value.startswith("/") and not value.startswith("//") and " " not in value:
            return base + value
        if ABSOLUTE_URL.match(value):
            return value
    raise Invalid(
        _l("The return URL must be a path on this site or an http(s) address."),
        {"return_url": _l("A path such as /parent/invoices or an https:// address.")},
    )


def _pending(invoice_id: int) -> Payment | None:
    return db.session.scalar(
        select(Payment).where(
            Payment.invoice_id == invoice_id, Payment.status == PaymentStatus.PENDING
        )
    )


def start_payment(parent: User, invoice_id, return_url: str | None = None) -> Payment:
    """The parent billed or the student's second guardian starts paying a sent or viewed invoice;
    an open pending payment is reused (whoever started it, who stays its payer)."""
    invoice = access.visible_invoice(parent, parse_id(invoice_id, "invoice_id"))
    chosen_return = _return_url(return_url)
    db.session.refresh(invoice, with_for_update=True)
    if not rules.may_pay(parent, invoice):
        if parent.id not in access.invoice_family_ids(invoice):
            raise Forbidden(_l("Only the parent billed may pay this invoice."))
        if invoice.status is InvoiceStatus.PAID:
            raise Conflict(_l("This invoice is already paid."))
        raise Conflict(_l("This invoice was cancelled and cannot be paid."))
    existing = _pending(invoice.id)
    if existing is not None:
        db.session.commit()
        return existing
    chosen = provider()
    payment = Payment(
        invoice=invoice,
        payer_id=parent.id,
        provider=chosen.name,
        status=PaymentStatus.PENDING,
        idempotency_key=secrets.token_hex(16),
        amount=invoice.amount,
        created_at=utcnow(),
    )
    db.session.add(payment)
    try:
        db.session.flush()
    except IntegrityError:  # a concurrent Pay created the pending one first: reuse it
        db.session.rollback()
        existing = _pending(invoice.id)
        if existing is None:
            raise
        return existing
    payment.return_url = chosen_return or (
        f"{current_app.config['BASE_URL']}/parent/payments/{payment.id}"
    )
    try:
        created = chosen.create(payment, f"{invoice.description} ({invoice.student.full_name})")
    except (ProviderUnavailable, Invalid):
        db.session.rollback()  # nothing stored: the parent may simply try again
        raise
    payment.provider_payment_id = created.provider_payment_id
    payment.confirmation_url = created.confirmation_url
    db.session.commit()
    log.info("payment %s of invoice %s started by user %s", payment.id, invoice.id, parent.id)
    return payment


def _visible_payment(viewer: User, payment_id) -> Payment:
    payment = db.session.get(Payment, parse_id(payment_id, "payment_id"))
    if payment is None:
        raise NotFound(_l("No such payment."))
    invoice = access.visible_invoice(viewer, payment.invoice_id)  # NotFound when unseen
    payers = access.invoice_family_ids(invoice)
    if not (access.is_admin(viewer) or viewer.id == invoice.tutor_id or viewer.id in payers):
        raise NotFound(_l("No such payment."))
    return payment


def payment_for(viewer: User, payment_id) -> Payment:
    """A payment of an invoice the viewer may see; while pending, the provider is asked."""
    payment = _visible_payment(viewer, payment_id)
    if payment.status is not PaymentStatus.PENDING:
        return payment
    try:
        state = provider(payment.provider).fetch(payment)
    except ProviderUnavailable:  # already logged; the stored state stands until next time
        return payment
    if state is not None:
        apply_state(payment, state)
    return db.session.get_one(Payment, payment.id)


def payments_of(viewer: User, invoice_id) -> list[Payment]:
    """The payments of an invoice the viewer may see, oldest first."""
    invoice = access.visible_invoice(viewer, parse_id(invoice_id, "invoice_id"))
    return list(
        db.session.scalars(
            select(Payment).where(Payment.invoice_id == invoice.id).order_by(Payment.id)
        )
    )


def apply_state(payment: Payment, state: State) -> Payment:
    """Act on what the provider vouches for: succeeded pays, canceled declines, pending waits."""
    if state.status is PaymentStatus.SUCCEEDED:
        return payment_succeeded(
            payment.id, amount=state.amount, provider_payment_id=state.provider_payment_id
        )
    if state.status is PaymentStatus.CANCELED:
        return payment_canceled(payment.id)
    return payment


def payment_succeeded(
    payment_id: int, *, amount: Decimal, provider_payment_id: str | None = None
) -> Payment:
    """The provider says the money arrived: the payment succeeds and the invoice is paid, once.

    Idempotent (a repeat returns the payment as it is). A differing amount or provider id is
    refused (Invalid) and logged, and nothing changes.
    """
    payment = db.session.scalar(select(Payment).where(Payment.id == payment_id).with_for_update())
    if payment is None:
        raise NotFound(_l("No such payment."))
    if provider_payment_id and payment.provider_payment_id not in (None, provider_payment_id):
        log.warning(
            "payment %s confirmed for provider id %s, expected %s: refused",
            payment.id,
            provider_payment_id,
            payment.provider_payment_id,
        )
        raise Invalid(_l("The confirmation is for another payment."))
    if payment.status is PaymentStatus.SUCCEEDED:
        db.session.commit()
        return payment
    if Decimal(amount) != payment.amount:
        log.warning(
            "payment %s confirmed with amount %s, expected %s: refused",
            payment.id,
            amount,
            payment.amount,
        )
        db.session.rollback()
        raise Invalid(
            _l("The confirmed amount differs from the invoice."),
            {"amount": _l("Must equal the invoice's amount.")},
        )
    # From pending, or from canceled when the provider reports the money arrived after all
    # (e.g. the invoice was cancelled while the payer was at the checkout).
    claimed = execute_dml(
        update(Payment)
        .where(Payment.id == payment.id, Payment.status != PaymentStatus.SUCCEEDED)
        .values(status=PaymentStatus.SUCCEEDED, paid_at=utcnow())
    ).rowcount
    db.session.refresh(payment)
    if claimed:
        invoice = db.session.get_one(Invoice, payment.invoice_id)
        if not invoices.mark_paid(invoice):
            log.warning(
                "payment %s succeeded for invoice %s in state %s: refund it by hand",
                payment.id,
                invoice.id,
                invoice.status.value,
            )
    try:
        db.session.commit()
    except IntegrityError:  # another payment of this invoice succeeded first
        db.session.rollback()
        log.error("a second payment (%s) succeeded for one invoice: refund it by hand", payment_id)
        raise Conflict(_l("This invoice is already paid.")) from None
    return payment


def payment_canceled(payment_id: int) -> Payment:
    """The provider says the payment was declined or failed: the invoice stays payable."""
    payment = db.session.get(Payment, payment_id)
    if payment is None:
        raise NotFound(_l("No such payment."))
    claimed = execute_dml(
        update(Payment)
        .where(Payment.id == payment.id, Payment.status == PaymentStatus.PENDING)
        .values(status=PaymentStatus.CANCELED)
    ).rowcount
    db.session.refresh(payment)
    if claimed:
        announce.emit_updated(db.session.get_one(Invoice, payment.invoice_id))
    db.session.commit()
    return payment


def handle_webhook(provider_name: str, body: bytes, headers) -> Payment:
    """A provider's notification, verified (signature or fetched back), applied once or again."""
    if provider_name not in NAMES:
        raise Invalid(_l("Unknown payment provider."))
    state = provider(provider_name).verify(body, headers)
    payment = db.session.get(Payment, state.payment_id)
    if payment is None or payment.provider != provider_name:
        log.warning("%s webhook for unknown payment %s refused", provider_name, state.payment_id)
        raise Invalid(_l("The payment confirmation could not be verified."))
    return apply_state(payment, state)
