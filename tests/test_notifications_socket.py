"""The /notifications namespace on a real server process with real python-socketio clients:
list and mark_read acks, bad input, and pushes that reach exactly the notified user's sockets."""

from __future__ import annotations

import pytest
import requests
import socketio

from tests.support.data import draft_report
from tests.support.http import api_token

NS = "/notifications"


def _notify(user, title="Invoice", kind="invoice_sent"):
    from thebot.extensions import db
    from thebot.services import notify

    record = notify.notify(user, kind, title=title)
    db.session.commit()
    return record.id


def test_an_action_reaches_exactly_the_notified_users_sockets(live_server, listeners, family):
    report = draft_report(family.tutor, family.student, summary="Steady progress in geometry.")
    phone, laptop = listeners(family.parent), listeners(family.parent)
    tutor, stranger = listeners(family.tutor), listeners(family.other_parent)
    response = requests.post(
        f"{live_server.url}/api/v1/reports/{report.id}/send",
        timeout=10,
        headers={"Authorization": f"Bearer {api_token(family.tutor)}"},
    )
    assert response.status_code == 200, response.text
    for socket in (phone, laptop):
        events = socket.settle()
        assert [name for name, _ in events] == ["notification", "unread_count"]
        notification = events[0][1]
        assert notification["kind"] == "report_sent" and notification["read"] is False
        assert notification["url"] == f"/parent/reports/{report.id}"
        assert notification["body"] == "Steady progress in geometry."
        assert set(notification) == {"id", "kind", "title", "body", "url", "created_at", "read"}
        assert events[1][1] == {"count": 1}
    assert tutor.settle() == [] and stranger.settle() == []


def test_marking_read_updates_every_socket_of_that_user_only(listeners, family):
    first, second = _notify(family.parent, "A"), _notify(family.parent, "B")
    _notify(family.other_parent, "Theirs")
    phone, laptop, stranger = (
        listeners(family.parent),
        listeners(family.parent),
        listeners(family.other_parent),
    )
    assert phone.call("mark_read", {"id": first}) == {"ok": True, "unread": 1}
    assert laptop.settle() == [("unread_count", {"count": 1})]
    assert phone.call("mark_read", {"all": True}) == {"ok": True, "unread": 0}
    assert laptop.settle() == [("unread_count", {"count": 1}), ("unread_count", {"count": 0})]
    assert stranger.settle() == []
    assert stranger.call("list", {})["unread"] == 1
    assert second


def test_list_pages_and_counts(listeners, family):
    ids = [_notify(family.parent, f"Invoice {i}") for i in range(4)]
    socket = listeners(family.parent)
    first = socket.call("list", {"limit": 3})
    assert first["ok"] is True and first["unread"] == 4
    assert [n["id"] for n in first["notifications"]] == ids[::-1][:3]
    rest = socket.call("list", {"before_id": ids[1]})
    assert [n["id"] for n in rest["notifications"]] == [ids[0]]


@pytest.mark.parametrize(
    "event,payload,code",
    [
        ("list", {"limit": 0}, "bad_request"),
        ("list", {"limit": "5"}, "bad_request"),
        ("list", {"limit": 500}, "bad_request"),
        ("list", {"before_id": True}, "bad_request"),
        ("list", ["not", "an", "object"], "bad_request"),
        ("mark_read", {}, "bad_request"),
        ("mark_read", {"all": "yes"}, "bad_request"),
        ("mark_read", {"id": "1"}, "bad_request"),
        ("mark_read", {"id": 999999}, "not_found"),
    ],
)
def test_bad_payloads_get_error_acks(listeners, family, event, payload, code):
    _notify(family.parent)
    socket = listeners(family.parent)
    ack = socket.call(event, payload)
    assert ack["ok"] is False and ack["error"]["code"] == code
    assert socket.call("list", {})["unread"] == 1


def test_another_users_notification_is_not_found(listeners, family):
    theirs = _notify(family.other_parent)
    ack = listeners(family.parent).call("mark_read", {"id": theirs})
    assert ack == {"ok": False, "error": {"code": "not_found", "message": "No such notification."}}
    assert listeners(family.other_parent).call("list", {})["unread"] == 1


def test_connecting_without_credentials_is_refused(live_server, family):
    client = socketio.Client(reconnection=False)
    refusals = []
    client.on("connect_error", refusals.append, namespace=NS)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(live_server.url, namespaces=[NS], transports=["websocket"], wait_timeout=10)
    assert refusals == [
        {"message": "Sign in first.", "data": {"code": "unauthorized", "message": "Sign in first."}}
    ]
    assert not client.connected
