"""The production recipe, driven through nginx: two app processes behind it on one Redis, a
sender pinned to one process and the receiver to the other for a conversation, a report and a
payment; static files from nginx itself; WebSocket upgrade and sticky long-polling; the client's
address forwarded and believed (TRUSTED_PROXIES); nginx's body limit the app's; JSON logs."""

from __future__ import annotations

import json
import re
import time
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
import requests

from deploy.serve import ROOT, body_limit
from tests.deploy.support import Socket
from tests.support.realtime import WAIT, tutor_room, wait_until_forgotten

pytestmark = [pytest.mark.realtime, pytest.mark.timeout(120)]

FIELD_RE = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')
SIGNED = {"payment_id", "outcome", "amount", "signature"}


@pytest.fixture
def sockets(recipe, app):
    """sockets(username, port, namespaces, events) -> a Socket through nginx whose route
    nginx sends to the app process on `port`; all closed (and forgotten) after the test."""
    opened: list[Socket] = []

    def open_socket(username, port, namespaces=("/chat",), events=("message",), **kw) -> Socket:
        socket = Socket(
            recipe.url,
            recipe.token(username),
            recipe.route_to(port),
            list(namespaces),
            list(events),
            **kw,
        )
        opened.append(socket)
        return socket

    yield open_socket
    sids = [s.sio.get_sid(namespace=s.namespace) for s in opened if s.sio.connected]
    for socket in opened:
        socket.close()
    wait_until_forgotten(app, [sid for sid in sids if sid])


def _served_by(recipe, path_part: str, route: str) -> list[int]:
    """The app ports nginx sent these requests to (its log line is written just after the
    answer went out, so a moment after the client has it)."""
    deadline = time.monotonic() + WAIT
    while not recipe.upstreams(path_part, route) and time.monotonic() < deadline:
        time.sleep(0.05)
    return [int(u.rsplit(":", 1)[1]) for u in recipe.upstreams(path_part, route)]


def test_static_files_come_from_nginx_with_caching_headers(recipe):
    on_disk = (ROOT / "thebot" / "static" / "js" / "app.js").read_bytes()
    answer = requests.get(f"{recipe.url}/static/js/app.js", timeout=WAIT)
    assert answer.status_code == 200 and answer.content == on_disk
    assert answer.headers["Cache-Control"] == "public, max-age=3600"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert "ETag" in answer.headers and "Last-Modified" in answer.headers
    # Every answer of the app carries its Content-Security-Policy; nginx's own do not.
    assert "Content-Security-Policy" not in answer.headers
    page = requests.get(f"{recipe.url}/auth/login", timeout=WAIT)
    assert "Content-Security-Policy" in page.headers
    revalidated = requests.get(
        f"{recipe.url}/static/js/app.js",
        headers={"If-None-Match": answer.headers["ETag"]},
        timeout=WAIT,
    )
    assert revalidated.status_code == 304
    assert requests.get(f"{recipe.url}/static/js/nothing.js", timeout=WAIT).status_code == 404
    for port in recipe.ports:  # neither app process saw a static request
        assert "/static/" not in recipe.app_log(port)


def test_sockets_upgrade_to_websocket_and_long_polling_sticks(recipe, demo, sockets):
    first, second = recipe.ports
    direct = sockets("tutor", first)  # transports=['websocket']: the Upgrade went through nginx
    assert direct.sio.transport() == "websocket"
    rooms = direct.call("rooms")
    assert rooms["ok"] is True and tutor_room(demo.student) in [r["id"] for r in rooms["rooms"]]
    # Long-polling: every request of the connection must reach the process that opened it.
    polling = sockets("parent", second, transports=["polling"])
    assert polling.sio.transport() == "polling"
    for _ in range(5):
        assert polling.call("rooms")["ok"] is True
    # The default: long-polling first, then the upgrade, both on the same process.
    upgrading = sockets("student", first, transports=["polling", "websocket"])
    deadline = time.monotonic() + WAIT
    while upgrading.sio.transport() != "websocket" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert upgrading.sio.transport() == "websocket"
    assert upgrading.call("rooms")["ok"] is True
    route_b = recipe.route_to(second)
    assert set(_served_by(recipe, "/socket.io/", route_b)) == {second}


def test_a_conversation_crosses_from_one_process_to_the_other(recipe, demo, sockets):
    first, second = recipe.ports
    room = tutor_room(demo.student)
    route_a, route_b = recipe.route_to(first, fresh=True), recipe.route_to(second, fresh=True)
    tutor = sockets("tutor", first)
    parent = sockets("parent", second)
    tutor.call("join", {"room_id": room})
    parent.call("join", {"room_id": room})

    ask = tutor.call("send", {"room_id": room, "content": "How was the test?", "client_id": "c1"})
    assert ask["ok"] is True
    assert parent.wait_for("message", lambda m: m["client_id"] == "c1") == ask["message"]
    reply = parent.call("send", {"room_id": room, "content": "An A!", "client_id": "c2"})
    assert tutor.wait_for("message", lambda m: m["client_id"] == "c2") == reply["message"]
    assert reply["message"]["content"] == "An A!" and reply["message"]["id"] > ask["message"]["id"]

    tutor.close()
    parent.close()
    # The sockets really were on the two processes: nginx's log names each one's upstream.
    assert _served_by(recipe, "/socket.io/", route_a) == [first]
    assert _served_by(recipe, "/socket.io/", route_b) == [second]


def test_a_report_sent_on_one_process_reaches_the_parent_on_the_other(recipe, demo, sockets):
    first, second = recipe.ports
    parent = sockets("parent", second, ("/reports",), ("report_sent",))
    tutor_token, route = recipe.token("tutor"), recipe.route_to(first)
    draft = recipe.api(
        tutor_token,
        "POST",
        "/reports",
        {
            "kind": "tutor",
            "student_id": demo.student.id,
            "week_start": "2025-03-03",
            "summary": "A steady week.",
        },
        route=route,
    )["report"]
    sent = recipe.api(tutor_token, "POST", f"/reports/{draft['id']}/send", route=route)["report"]
    heard = parent.wait_for("report_sent", lambda r: r["id"] == draft["id"])
    # The parent's own view of the report the tutor sent (`is_new` is per reader).
    assert {**heard, "is_new": None} == {**sent, "is_new": None}
    assert heard["status"] == "sent" and heard["summary"] == "A steady week."
    assert _served_by(recipe, f"/reports/{draft['id']}/send", route) == [first]


def test_a_payment_on_one_process_reaches_the_tutor_on_the_other(recipe, demo, sockets):
    first, second = recipe.ports
    tutor_socket = sockets("tutor", second, ("/notifications",), ("invoice_updated",))
    tutor, parent = recipe.token("tutor"), recipe.token("parent")
    invoice = recipe.api(
        tutor,
        "POST",
        "/invoices",
        {
            "student_id": demo.student.id,
            "amount": "1500.00",
            "description": "March lessons",
            "due_date": (date.today() + timedelta(days=7)).isoformat(),
        },
    )
    recipe.api(tutor, "POST", f"/invoices/{invoice['id']}/send")
    payment = recipe.api(parent, "POST", f"/invoices/{invoice['id']}/payments")["payment"]

    # The parent pays in a browser whose requests nginx sends to the first process.
    route = recipe.route_to(first)
    browser = recipe.browser("parent", route)
    checkout = browser.get(recipe.url + urlsplit(payment["confirmation_url"]).path, timeout=WAIT)
    assert checkout.status_code == 200
    pay = dict([(k, v) for k, v in FIELD_RE.findall(checkout.text) if k in SIGNED][:4])
    assert pay["outcome"] == "succeeded" and pay["amount"] == "1500.00"
    done = browser.post(
        f"{recipe.url}/payments/webhook/fake", data=pay, timeout=WAIT, allow_redirects=False
    )
    assert done.status_code == 303
    assert _served_by(recipe, "/payments/webhook/fake", route) == [first]

    paid = tutor_socket.wait_for("invoice_updated", lambda i: i["status"] == "paid")
    assert paid["id"] == invoice["id"] and paid["amount"] == "1500.00"
    shown = recipe.api(tutor, "GET", f"/invoices/{invoice['id']}")
    assert shown["status"] == "paid"


def test_the_client_address_is_forwarded_and_believed(recipe, demo):
    """Login failures count per client address (LOGIN_LIMIT_PER_IP is 3 here), in Redis for
    both processes: nginx forwards each client's own address and the app (TRUSTED_PROXIES=1)
    counts it, not nginx's."""
    first, second = recipe.ports
    routes = {first: recipe.route_to(first), second: recipe.route_to(second)}

    def failed_login(source: str, port: int, **headers) -> int:
        http = recipe.session(routes[port], source=source)
        answer = http.post(
            f"{recipe.url}/api/v1/auth/login",
            json={"login": "nobody-at-all", "password": "wrong-password"},
            headers=headers,
            timeout=WAIT,
        )
        http.close()
        return answer.status_code

    # One client's failures on both processes add up (the count is in Redis).
    assert [failed_login("127.0.0.2", port) for port in (first, second, first)] == [401] * 3
    assert failed_login("127.0.0.2", second) == 429
    assert failed_login("127.0.0.3", first) == 401  # another client: its own count
    # A forged forwarding header changes nothing: nginx writes X-Forwarded-For itself.
    assert failed_login("127.0.0.2", first, **{"X-Forwarded-For": "10.9.8.7"}) == 429
    assert _served_by(recipe, "/api/v1/auth/login", routes[second]) == [second, second]


def test_nginx_takes_exactly_the_apps_body_limit(recipe):
    limit = body_limit()
    assert f"client_max_body_size {limit};" in (recipe.stack.run_dir / "thebot.conf").read_text()
    headers = {"Content-Type": "application/octet-stream"}
    over = requests.post(
        f"{recipe.url}/api/v1/chat/rooms/1/attachments",
        data=b"x" * (limit + 1),
        headers=headers,
        timeout=WAIT,
    )
    assert over.status_code == 413
    assert over.json()["error"]["code"] == "too_large"
    at_limit = requests.post(
        f"{recipe.url}/api/v1/chat/rooms/1/attachments",
        data=b"x" * limit,
        headers=headers,
        timeout=WAIT,
    )
    # Passed on: the app itself answers (no token), with its own envelope.
    assert at_limit.status_code == 401 and at_limit.json()["error"]["code"] == "unauthorized"

    def logged() -> int:
        return "".join(map(recipe.app_log, recipe.ports)).count("/api/v1/chat/rooms/1/attachments")

    deadline = time.monotonic() + WAIT  # the access line is written once the answer is out
    while logged() < 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert logged() == 1  # only the request at the limit reached an app process


def test_app_processes_log_one_json_object_per_event(recipe):
    requests.get(f"{recipe.url}/auth/login", timeout=WAIT)
    for port in recipe.ports:
        events = [
            json.loads(line)
            for line in recipe.app_log(port).splitlines()
            if line.startswith("{")  # eventlet's own start-up notice is not a log record
        ]
        assert {"time", "level", "logger", "message", "pid"} <= set(events[0])
        assert any(e["logger"] == "thebot.server" and "serving on" in e["message"] for e in events)
        assert any("GET /healthz" in e["message"] for e in events)
