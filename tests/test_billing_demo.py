"""The demo's invoices: every state, one overdue, a paid one with its payment and history."""

from __future__ import annotations

from sqlalchemy import select


def test_the_demo_has_invoices_in_every_state(demo):
    from thebot.extensions import db
    from thebot.models import Invoice, Notification, PaymentStatus
    from thebot.services.billing import rules

    rows = db.session.scalars(select(Invoice)).all()
    assert {i.status.value for i in rows} == {"draft", "sent", "viewed", "paid", "cancelled"}
    overdue = [i for i in rows if rules.is_overdue(i)]
    assert len(overdue) == 1 and overdue[0].parent_id == demo.parent.id
    [paid] = [i for i in rows if i.status.value == "paid"]
    assert [p.status for p in paid.payments] == [PaymentStatus.SUCCEEDED]
    assert paid.payments[0].provider == "fake" and paid.payments[0].amount == paid.amount
    assert [(e.from_status and e.from_status.value, e.to_status.value) for e in paid.events] == [
        (None, "draft"),
        ("draft", "sent"),
        ("sent", "viewed"),
        ("viewed", "paid"),
    ]
    told = db.session.scalars(
        select(Notification).where(Notification.kind == "invoice_overdue")
    ).all()
    assert [n.user_id for n in told] == [demo.parent.id]
