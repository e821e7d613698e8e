"""The YooKassa adapter against a stand-in of its HTTP API (started here, speaking its documented
JSON): creating a payment with an Idempotence-Key and basic auth, webhooks trusted only after
fetching the payment back, status polling, declines and a differing amount."""

from __future__ import annotations

import base64
import json
import logging
import threading
import uuid
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest

from tests.support.http import api_token
from tests.support.servers import free_port

SHOP, SECRET = "100500", "test_secret_key"


class StandIn(ThreadingHTTPServer):
    """A YooKassa API stand-in: POST /payments, GET /payments/<id>; records every request."""

    def __init__(self, port: int):
        super().__init__(("127.0.0.1", port), Handler)
        self.payments: dict[str, dict] = {}
        self.requests: list[dict] = []


class Handler(BaseHTTPRequestHandler):
    server: StandIn

    def log_message(self, *args):  # quiet
        pass

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorised(self) -> bool:
        expected = "Basic " + base64.b64encode(f"{SHOP}:{SECRET}".encode()).decode()
        if self.headers.get("Authorization") != expected:
            self._answer(401, {"type": "error", "code": "invalid_credentials"})
            return False
        return True

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length))
        self.server.requests.append(
            {
                "method": "POST",
                "path": self.path,
                "body": body,
                "key": self.headers.get("Idempotence-Key"),
            }
        )
        if not self._authorised():
            return
        remote_id = str(uuid.uuid4())
        payment = {
            "id": remote_id,
            "status": "pending",
            "paid": False,
            "amount": body["amount"],
            "confirmation": {
                "type": "redirect",
                "confirmation_url": f"https://yoomoney.example/checkout?orderId={remote_id}",
            },
            "created_at": "2026-12-01T10:00:00.000Z",
            "description": body["description"],
            "metadata": body["metadata"],
            "recipient": {"account_id": SHOP},
            "refundable": False,
            "test": True,
        }
        self.server.payments[remote_id] = payment
        self._answer(200, payment)

    def do_GET(self):
        self.server.requests.append({"method": "GET", "path": self.path})
        if not self._authorised():
            return
        payment = self.server.payments.get(self.path.rsplit("/", 1)[-1])
        if payment is None:
            self._answer(404, {"type": "error", "code": "not_found"})
            return
        self._answer(200, payment)


@pytest.fixture
def yookassa(app):
    """The app switched to YooKassa with a running stand-in as its API (restored afterwards)."""
    server = StandIn(free_port())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    saved = {
        k: app.config.get(k)
        for k in (
            "PAYMENT_PROVIDER",
            "YOOKASSA_SHOP_ID",
            "YOOKASSA_SECRET_KEY",
            "YOOKASSA_BASE_URL",
        )
    }
    app.config.update(
        PAYMENT_PROVIDER="yookassa",
        YOOKASSA_SHOP_ID=SHOP,
        YOOKASSA_SECRET_KEY=SECRET,
        YOOKASSA_BASE_URL=f"http://127.0.0.1:{server.server_port}/v3",
    )
    yield server
    app.config.update(saved)
    server.shutdown()
    server.server_close()


@pytest.fixture
def fam(ctx, make_user):
    from thebot.services import links
    from thebot.services.billing import invoices, rules

    admin, tutor = make_user("admin"), make_user("tutor")
    parent, student = make_user("parent"), make_user("student", full_name="Sam Student")
    links.set_links(admin, student.id, tutor_id=tutor.id, parent_id=parent.id)
    invoice = invoices.create_invoice(
        tutor,
        student_id=student.id,
        amount="1500.00",
        description="Октябрь: 8 занятий",
        due_date=rules.today() + timedelta(days=5),
    )
    invoices.send_invoice(tutor, invoice.id)
    return SimpleNamespace(
        parent=parent, tutor=tutor, invoice_id=invoice.id, token=api_token(parent)
    )


def _start(web, fam) -> dict:
    answer = web.api(
        "POST",
        f"/api/v1/invoices/{fam.invoice_id}/payments",
        token=fam.token,
        json={"return_url": "/parent/invoices"},
    )
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["payment"]


def _notify(web, remote_id: str, event: str = "payment.succeeded"):
    note = {
        "type": "notification",
        "event": event,
        "object": {
            "id": remote_id,
            "status": event.split(".")[1],
            "amount": {"value": "1500.00", "currency": "RUB"},
        },
    }
    return web.http.post("/payments/webhook/yookassa", json=note)


def _invoice_status(fam) -> str:
    from thebot.extensions import db
    from thebot.models import Invoice

    db.session.expire_all()
    return db.session.get(Invoice, fam.invoice_id).status.value


def test_a_payment_is_created_with_an_idempotence_key_and_basic_auth(web, fam, yookassa, ctx):
    from thebot.extensions import db
    from thebot.models import Payment

    payment = _start(web, fam)
    assert payment["provider"] == "yookassa" and payment["status"] == "pending"
    [call] = yookassa.requests
    stored = db.session.get(Payment, payment["id"])
    assert call["path"] == "/v3/payments" and call["key"] == stored.idempotency_key
    assert call["body"]["amount"] == {"value": "1500.00", "currency": "RUB"}
    assert call["body"]["capture"] is True
    assert call["body"]["confirmation"] == {
        "type": "redirect",
        "return_url": "http://127.0.0.1:5000/parent/invoices",
    }
    assert call["body"]["metadata"] == {"payment_id": str(payment["id"])}
    assert "Октябрь" in call["body"]["description"]
    assert (
        payment["confirmation_url"]
        == yookassa.payments[stored.provider_payment_id]["confirmation"]["confirmation_url"]
    )
    assert _start(web, fam)["id"] == payment["id"] and len(yookassa.requests) == 1


def test_a_webhook_is_trusted_only_as_far_as_the_api_confirms_it(web, fam, yookassa, ctx):
    from thebot.extensions import db
    from thebot.models import Payment

    payment = _start(web, fam)
    remote_id = db.session.get(Payment, payment["id"]).provider_payment_id
    forged = _notify(web, remote_id)  # the API still says pending
    assert forged.status_code == 200 and _invoice_status(fam) == "sent"
    assert yookassa.requests[-1] == {"method": "GET", "path": f"/v3/payments/{remote_id}"}
    assert _notify(web, "no-such-payment").status_code == 400
    assert web.http.post("/payments/webhook/yookassa", data=b"not json").status_code == 400
    yookassa.payments[remote_id]["status"] = "succeeded"
    for _ in range(2):
        assert _notify(web, remote_id).status_code == 200
    assert _invoice_status(fam) == "paid"
    shown = web.api("GET", f"/api/v1/payments/{payment['id']}", token=fam.token).get_json()
    assert shown["payment"]["status"] == "succeeded"


def test_polling_a_pending_payment_asks_the_api(web, fam, yookassa, ctx):
    from thebot.extensions import db
    from thebot.models import Payment

    payment = _start(web, fam)
    remote_id = db.session.get(Payment, payment["id"]).provider_payment_id
    path = f"/api/v1/payments/{payment['id']}"
    assert web.api("GET", path, token=fam.token).get_json()["payment"]["status"] == "pending"
    yookassa.payments[remote_id]["status"] = "succeeded"
    assert web.api("GET", path, token=fam.token).get_json()["payment"]["status"] == "succeeded"
    assert _invoice_status(fam) == "paid"
    calls = len(yookassa.requests)
    web.api("GET", path, token=fam.token)
    assert len(yookassa.requests) == calls  # settled: the API is not asked again


def test_a_canceled_payment_leaves_the_invoice_payable(web, fam, yookassa, ctx):
    from thebot.extensions import db
    from thebot.models import Payment

    payment = _start(web, fam)
    remote_id = db.session.get(Payment, payment["id"]).provider_payment_id
    yookassa.payments[remote_id]["status"] = "canceled"
    assert _notify(web, remote_id, "payment.canceled").status_code == 200
    assert _invoice_status(fam) == "sent"
    assert _start(web, fam)["id"] != payment["id"]


def test_a_differing_amount_at_the_api_is_refused_and_logged(web, fam, yookassa, ctx, caplog):
    from thebot.extensions import db
    from thebot.models import Payment

    payment = _start(web, fam)
    remote_id = db.session.get(Payment, payment["id"]).provider_payment_id
    yookassa.payments[remote_id].update(
        status="succeeded", amount={"value": "15.00", "currency": "RUB"}
    )
    with caplog.at_level(logging.WARNING, logger="thebot.services.billing.payments"):
        assert _notify(web, remote_id).status_code == 400
    assert any("expected 1500.00" in r.getMessage() for r in caplog.records)
    assert _invoice_status(fam) == "sent"


def test_an_unreachable_api_is_an_error_and_nothing_is_stored(web, fam, yookassa, app, ctx):
    from thebot.extensions import db
    from thebot.models import Payment

    app.config["YOOKASSA_SECRET_KEY"] = "wrong"
    answer = web.api("POST", f"/api/v1/invoices/{fam.invoice_id}/payments", token=fam.token)
    assert answer.status_code == 502
    assert answer.get_json()["error"]["code"] == "provider_unavailable"
    assert db.session.query(Payment).count() == 0
    assert "wrong" not in answer.get_data(as_text=True)
