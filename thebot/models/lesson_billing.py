"""Which lessons an invoice bills: the link of the lesson-to-invoice step (billing.lessons).

A lesson counts as billed while an invoice that lists it is not cancelled; cancelling the invoice
frees its lessons for a new one, and the link rows stay as the cancelled invoice's history.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from thebot.models.base import Model
from thebot.models.billing import Invoice
from thebot.models.lessons import Lesson


class InvoiceLesson(Model):
    """One lesson billed on one invoice."""

    __tablename__ = "invoice_lessons"

    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="RESTRICT"), primary_key=True
    )
    lesson_id: Mapped[int] = mapped_column(
        ForeignKey("lessons.id", ondelete="RESTRICT"), primary_key=True, index=True
    )

    invoice: Mapped[Invoice] = relationship()
    lesson: Mapped[Lesson] = relationship()
