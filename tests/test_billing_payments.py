"""Payments through the fake provider: start (reused while pending), the checkout page posting a
signed confirmation into the webhook, refused signatures and amounts, declines, duplicate and
concurrent confirmations (threads on PostgreSQL), and `invoice_updated` reaching exactly the
tutor and the parent on a live server."""

from __future__ import annotations

import logging
import re
import threading
import uuid
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import urlencode, urlsplit

import pytest
import requests
from sqlalchemy import select

from tests.support.app import only_on_postgres
from tests.support.http import api_token
from tests.support.realtime import StateListener, browser_session

FIELD_RE = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')


@pytest.fixture
def fam(ctx, make_user):
    """A tutor, a parent and their student; another family's parent; an admin."""
    from thebot.services import links

    admin = make_user("admin")
    tutor = make_user("tutor", full_name="Tess Tutor")
    parent = make_user("parent", full_name="Paula Parent")
    other_parent = make_user("parent")
    other_tutor = make_user("tutor")
    student = make_user("student", full_name="Sam Student")
    links.set_links(admin, student.id, tutor_id=tutor.id, parent_id=parent.id)
    people = SimpleNamespace(
        admin=admin,
        tutor=tutor,
        parent=parent,
        other_parent=other_parent,
        other_tutor=other_tutor,
        student=student,
    )
    people.tokens = {name: api_token(user) for name, user in vars(people).items()}
    return people


def _sent_invoice(fam, amount="1500.00"):
    from thebot.services.billing import invoices, rules

    invoice = invoices.create_invoice(
        fam.tutor,
        student_id=fam.student.id,
        amount=amount,
        description=f"October {uuid.uuid4().hex[:4]}",
        due_date=rules.today() + timedelta(7),
    )
    return invoices.send_invoice(fam.tutor, invoice.id).id


def _call(web, fam, who, method, path, json=None):
    return web.api(method, f"/api/v1{path}", json=json, token=fam.tokens[who])


def _state(invoice_id):
    from thebot.extensions import db
    from thebot.models import Invoice, InvoiceEvent, Notification, Payment

    db.session.expire_all()
    invoice = db.session.get(Invoice, invoice_id)
    return SimpleNamespace(
        status=invoice.status.value,
        payments=[
            p.status.value
            for p in db.session.scalars(
                select(Payment).where(Payment.invoice_id == invoice_id).order_by(Payment.id)
            )
        ],
        paid_rows=len(
            db.session.scalars(
                select(InvoiceEvent).where(
                    InvoiceEvent.invoice_id == invoice_id, InvoiceEvent.to_status == "paid"
                )
            ).all()
        ),
        paid_notes=len(
            db.session.scalars(
                select(Notification).where(Notification.kind == "invoice_paid")
            ).all()
        ),
    )


def _signed_fields(html: str) -> list[tuple[str, str]]:
    """The hidden confirmation fields of the checkout's forms, in page order (Pay, Decline)."""
    names = {"payment_id", "outcome", "amount", "signature"}
    return [(name, value) for name, value in FIELD_RE.findall(html) if name in names]


def _checkout_fields(web, payment_url: str) -> tuple[dict, dict]:
    """The signed Pay and Decline fields of the fake checkout page (signed-in parent)."""
    page = web.get(urlsplit(payment_url).path)
    assert page.status_code == 200
    values = _signed_fields(page.get_data(as_text=True))
    pay, decline = dict(values[:4]), dict(values[4:8])
    assert pay["outcome"] == "succeeded" and decline["outcome"] == "canceled"
    return pay, decline


def _post_webhook(web, fields: dict):
    return web.http.post("/payments/webhook/fake", data=fields)


def test_a_pending_payment_is_reused_and_only_the_parent_may_start_one(web, fam):
    invoice_id = _sent_invoice(fam)
    first = _call(web, fam, "parent", "POST", f"/invoices/{invoice_id}/payments")
    assert first.status_code == 201
    payment = first.get_json()["payment"]
    assert payment["status"] == "pending" and payment["amount"] == "1500.00"
    assert payment["provider"] == "fake" and payment["invoice_id"] == invoice_id
    assert payment["confirmation_url"].endswith(f"/payments/fake/{payment['id']}")
    again = _call(web, fam, "parent", "POST", f"/invoices/{invoice_id}/payments", {})
    assert again.status_code == 201 and again.get_json()["payment"]["id"] == payment["id"]
    assert _call(web, fam, "tutor", "POST", f"/invoices/{invoice_id}/payments").status_code == 403
    for who in ("other_parent", "student", "other_tutor"):
        response = _call(web, fam, who, "POST", f"/invoices/{invoice_id}/payments")
        assert response.status_code == 404, who
    bad = _call(
        web,
        fam,
        "parent",
        "POST",
        f"/invoices/{invoice_id}/payments",
        {"return_url": "javascript:alert(1)"},
    )
    assert bad.status_code == 400 and "return_url" in bad.get_json()["error"]["fields"]
    assert _state(invoice_id).payments == ["pending"]


def test_a_draft_cannot_be_paid(web, fam, ctx):
    from thebot.services.billing import invoices, rules

    draft = invoices.create_invoice(
        fam.tutor,
        student_id=fam.student.id,
        amount="10.00",
        description="draft",
        due_date=rules.today(),
    )
    assert _call(web, fam, "parent", "POST", f"/invoices/{draft.id}/payments").status_code == 404


def test_paying_through_the_fake_checkout_pays_once(web, fam):
    invoice_id = _sent_invoice(fam)
    payment = _call(web, fam, "parent", "POST", f"/invoices/{invoice_id}/payments").get_json()[
        "payment"
    ]
    for who in ("tutor", "admin", "other_parent"):
        web.login(getattr(fam, who).username)
        assert web.get(urlsplit(payment["confirmation_url"]).path).status_code == 404, who
        web.logout()
    web.login(fam.parent.username)
    pay, _decline = _checkout_fields(web, payment["confirmation_url"])
    assert pay["amount"] == "1500.00" and pay["payment_id"] == str(payment["id"])
    done = _post_webhook(web, pay)
    assert done.status_code == 303
    assert done.headers["Location"].endswith(f"/parent/payments/{payment['id']}")
    assert _post_webhook(web, pay).status_code == 303  # the same confirmation again
    state = _state(invoice_id)
    assert (state.status, state.payments, state.paid_rows, state.paid_notes) == (
        "paid",
        ["succeeded"],
        1,
        1,
    )
    for who in ("parent", "tutor"):
        shown = _call(web, fam, who, "GET", f"/payments/{payment['id']}").get_json()["payment"]
        assert shown["status"] == "succeeded" and shown["paid_at"]
    for who in ("other_parent", "student", "other_tutor"):
        assert _call(web, fam, who, "GET", f"/payments/{payment['id']}").status_code == 404
    invoice = _call(web, fam, "tutor", "GET", f"/invoices/{invoice_id}").get_json()
    assert invoice["status"] == "paid" and invoice["history"][-1]["by"] is None
    assert _call(web, fam, "parent", "POST", f"/invoices/{invoice_id}/payments").status_code == 409


def test_a_declined_payment_leaves_the_invoice_payable(web, fam):
    invoice_id = _sent_invoice(fam)
    first = _call(web, fam, "parent", "POST", f"/invoices/{invoice_id}/payments").get_json()[
        "payment"
    ]
    web.login(fam.parent.username)
    _pay, decline = _checkout_fields(web, first["confirmation_url"])
    assert _post_webhook(web, decline).status_code == 303
    assert _state(invoice_id).payments == ["canceled"]
    assert _state(invoice_id).status == "sent"
    second = _call(web, fam, "parent", "POST", f"/invoices/{invoice_id}/payments").get_json()[
        "payment"
    ]
    assert second["id"] != first["id"] and second["status"] == "pending"
    assert _call(web, fam, "parent", "GET", f"/invoices/{invoice_id}").get_json()["can_pay"]


@pytest.mark.parametrize(
    "tamper",
    [
        {"signature": "0" * 64},
        {"outcome": "canceled"},
        {"amount": "1.00"},
        {"payment_id": "999"},
        {"signature": ""},
    ],
)
def test_a_confirmation_that_is_not_signed_by_the_server_is_refused(web, fam, tamper):
    invoice_id = _sent_invoice(fam)
    payment = _call(web, fam, "parent", "POST", f"/invoices/{invoice_id}/payments").get_json()[
        "payment"
    ]
    web.login(fam.parent.username)
    pay, _ = _checkout_fields(web, payment["confirmation_url"])
    answer = _post_webhook(web, {**pay, **tamper})
    assert answer.status_code == 400 and answer.get_json()["error"]["code"] == "bad_request"
    assert _state(invoice_id).payments == ["pending"] and _state(invoice_id).status == "sent"
    assert web.http.post("/payments/webhook/paypal", data=pay).status_code == 400
    assert (
        web.http.post(
            "/payments/webhook/fake", data=b"\xff\x00", content_type="application/octet-stream"
        ).status_code
        == 400
    )


def test_a_differing_amount_is_refused_and_logged(web, fam, ctx, caplog):
    from thebot.services.billing.providers import fake

    invoice_id = _sent_invoice(fam)
    payment = _call(web, fam, "parent", "POST", f"/invoices/{invoice_id}/payments").get_json()[
        "payment"
    ]
    signed = {
        "payment_id": str(payment["id"]),
        "outcome": "succeeded",
        "amount": "1.00",
        "signature": fake.sign(payment["id"], "succeeded", "1.00"),
    }
    with caplog.at_level(logging.WARNING, logger="thebot.services.billing.payments"):
        answer = web.http.post(
            "/payments/webhook/fake",
            data=urlencode(signed),
            content_type="application/x-www-form-urlencoded",
        )
    assert answer.status_code == 400
    assert any("amount 1.00, expected 1500.00" in r.getMessage() for r in caplog.records)
    assert _state(invoice_id).payments == ["pending"] and _state(invoice_id).status == "sent"


def test_a_cancelled_invoice_cancels_its_pending_payment(web, fam):
    invoice_id = _sent_invoice(fam)
    _call(web, fam, "parent", "POST", f"/invoices/{invoice_id}/payments")
    _call(web, fam, "tutor", "POST", f"/invoices/{invoice_id}/cancel", {"reason": "gift"})
    assert _state(invoice_id).payments == ["canceled"]
    assert _call(web, fam, "parent", "POST", f"/invoices/{invoice_id}/payments").status_code == 409


def test_concurrent_confirmations_pay_once(app, fam, ctx):
    only_on_postgres(app)
    from thebot.extensions import db
    from thebot.services.billing import payments
    from thebot.services.billing.providers import fake

    invoice_id = _sent_invoice(fam)
    payment = payments.start_payment(fam.parent, invoice_id)
    body = urlencode(fake.confirmation_fields(payment, "succeeded")).encode()
    db.session.commit()
    barrier, outcomes = threading.Barrier(6), []

    def confirm():
        with app.test_request_context():
            barrier.wait()
            try:
                outcomes.append(payments.handle_webhook("fake", body, {}).status.value)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=confirm) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcomes == ["succeeded"] * 6
    state = _state(invoice_id)
    assert (state.status, state.payments, state.paid_rows, state.paid_notes) == (
        "paid",
        ["succeeded"],
        1,
        1,
    )


# --- live: invoice_updated on /notifications -----------------------------------------------------


def test_invoice_updated_reaches_exactly_the_tutor_and_the_parent(live_server, fam):
    url = live_server.url
    sockets = {
        who: StateListener(url, fam.tokens[who], "invoice_updated")
        for who in ("tutor", "parent", "other_parent", "other_tutor", "student", "admin")
    }
    try:

        def api(who, method, path, json=None):
            answer = requests.request(
                method,
                f"{url}/api/v1{path}",
                json=json,
                timeout=10,
                headers={"Authorization": f"Bearer {fam.tokens[who]}"},
            )
            assert answer.status_code in (200, 201), answer.text
            return answer.json()

        def heard() -> dict:
            return {who: listener.settle() for who, listener in sockets.items()}

        silent = {"other_parent": [], "other_tutor": [], "student": [], "admin": []}
        draft = api(
            "tutor",
            "POST",
            "/invoices",
            {
                "student_id": fam.student.id,
                "amount": "700.00",
                "description": "Live one",
                "due_date": (_today() + timedelta(days=3)).isoformat(),
            },
        )
        assert heard() == {"tutor": [(draft["id"], "draft")], "parent": [], **silent}
        api("tutor", "POST", f"/invoices/{draft['id']}/send")
        both = {"tutor": [(draft["id"], "sent")], "parent": [(draft["id"], "sent")]}
        assert heard() == {**both, **silent}
        api("tutor", "POST", f"/invoices/{draft['id']}/send")  # a no-op sends nothing
        api("parent", "GET", f"/invoices/{draft['id']}")
        assert heard() == {
            "tutor": [(draft["id"], "viewed")],
            "parent": [(draft["id"], "viewed")],
            **silent,
        }
        payment = api("parent", "POST", f"/invoices/{draft['id']}/payments")["payment"]
        browser = browser_session(url, fam.parent.username)
        page = browser.get(url + urlsplit(payment["confirmation_url"]).path, timeout=10)
        fields = dict(_signed_fields(page.text)[:4])
        done = browser.post(
            f"{url}/payments/webhook/fake", data=fields, timeout=10, allow_redirects=False
        )
        assert done.status_code == 303
        assert heard() == {
            "tutor": [(draft["id"], "paid")],
            "parent": [(draft["id"], "paid")],
            **silent,
        }
        other = api(
            "tutor",
            "POST",
            "/invoices",
            {
                "student_id": fam.student.id,
                "amount": "5.00",
                "description": "Never sent",
                "due_date": _today().isoformat(),
            },
        )
        api("tutor", "POST", f"/invoices/{other['id']}/cancel")
        assert heard() == {
            "tutor": [(other["id"], "draft"), (other["id"], "cancelled")],
            "parent": [],
            **silent,
        }
    finally:
        for listener in sockets.values():
            listener.client.disconnect()


def _today():
    from thebot.services.billing.rules import today

    return today()
