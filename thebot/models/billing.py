"""Invoices a tutor sends a parent, their history, and the payments made through a provider."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from thebot.models.accounts import User
from thebot.models.base import Model, UTCDateTime, utcnow, value_enum
from thebot.models.learning import Enrollment

MONEY = Numeric(10, 2)
MIN_AMOUNT = Decimal("0.01")
MAX_AMOUNT = Decimal("99999999.99")
OPEN_SQL = "status IN ('draft', 'sent', 'viewed')"


class InvoiceStatus(str, enum.Enum):
    DRAFT = "draft"
    SENT = "sent"
    VIEWED = "viewed"
    PAID = "paid"
    CANCELLED = "cancelled"


class PaymentStatus(str, enum.Enum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    CANCELED = "canceled"


class Invoice(Model):
    """One bill from a student's tutor to the student's parent."""

    __tablename__ = "invoices"
    __table_args__ = (
        CheckConstraint("amount >= 0.01 AND amount <= 99999999.99", name="amount_range"),
        CheckConstraint(
            "status IN ('draft', 'sent', 'viewed', 'paid', 'cancelled')", name="status_known"
        ),
        CheckConstraint("currency = 'RUB'", name="currency_rub"),
        # An identical open invoice (same tutor, student, amount, description) is a duplicate:
        # `duplicate_key` is a digest of those four (a description is too long to index).
        Index(
            "uq_invoices_open_duplicate",
            "duplicate_key",
            unique=True,
            postgresql_where=text(OPEN_SQL),
            sqlite_where=text(OPEN_SQL),
        ),
        Index("ix_invoices_tutor_id_id", "tutor_id", "id"),
        Index("ix_invoices_parent_id_id", "parent_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tutor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    # Taken from the student's profile when created; moves with the link while the invoice is open.
    parent_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    enrollment_id: Mapped[int | None] = mapped_column(
        ForeignKey("enrollments.id", ondelete="RESTRICT")
    )
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3), default="RUB")
    description: Mapped[str] = mapped_column(Text)
    duplicate_key: Mapped[str] = mapped_column(String(64))
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[InvoiceStatus] = mapped_column(
        value_enum(InvoiceStatus, "invoice_status"), default=InvoiceStatus.DRAFT
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    viewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    overdue_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    tutor: Mapped[User] = relationship(foreign_keys=[tutor_id])
    student: Mapped[User] = relationship(foreign_keys=[student_id])
    parent: Mapped[User] = relationship(foreign_keys=[parent_id])
    enrollment: Mapped[Enrollment | None] = relationship()
    events: Mapped[list[InvoiceEvent]] = relationship(
        back_populates="invoice", order_by="InvoiceEvent.id"
    )
    payments: Mapped[list[Payment]] = relationship(back_populates="invoice", order_by="Payment.id")

    @property
    def is_open(self) -> bool:
        """Not yet paid or cancelled."""
        return self.status in (InvoiceStatus.DRAFT, InvoiceStatus.SENT, InvoiceStatus.VIEWED)

    def __repr__(self) -> str:
        return f"<Invoice {self.id} {self.status.value} {self.amount}>"


class InvoiceEvent(Model):
    """One row of an invoice's history: who moved it from which state to which, when and why."""

    __tablename__ = "invoice_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="RESTRICT"), index=True
    )
    # None: the system or the payment provider.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    from_status: Mapped[InvoiceStatus | None] = mapped_column(
        value_enum(InvoiceStatus, "invoice_event_from")
    )
    to_status: Mapped[InvoiceStatus] = mapped_column(value_enum(InvoiceStatus, "invoice_event_to"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text)

    invoice: Mapped[Invoice] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class Payment(Model):
    """One attempt to pay an invoice through a provider."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("amount >= 0.01 AND amount <= 99999999.99", name="amount_range"),
        CheckConstraint("status IN ('pending', 'succeeded', 'canceled')", name="status_known"),
        # One open (pending) payment per invoice: a second Pay reuses it.
        Index(
            "uq_payments_pending_invoice",
            "invoice_id",
            unique=True,
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        # At most one succeeded payment per invoice: an invoice is paid once.
        Index(
            "uq_payments_succeeded_invoice",
            "invoice_id",
            unique=True,
            postgresql_where=text("status = 'succeeded'"),
            sqlite_where=text("status = 'succeeded'"),
        ),
        Index("ix_payments_provider_payment", "provider", "provider_payment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="RESTRICT"), index=True
    )
    # Who started it: the billed parent or the student's second guardian (None: before 0018 the
    # migration filled in the billed parent, so only an impossible row lacks it).
    payer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    provider: Mapped[str] = mapped_column(String(16))
    provider_payment_id: Mapped[str | None] = mapped_column(String(100))
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[PaymentStatus] = mapped_column(
        value_enum(PaymentStatus, "payment_status"), default=PaymentStatus.PENDING
    )
    amount: Mapped[Decimal] = mapped_column(MONEY)
    confirmation_url: Mapped[str] = mapped_column(String(1000), default="")
    return_url: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    invoice: Mapped[Invoice] = relationship(back_populates="payments")
    payer: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Payment {self.id} {self.provider} {self.status.value}>"
