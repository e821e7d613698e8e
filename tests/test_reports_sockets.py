"""The /reports namespace against a real server process, with one real python-socketio client per
role: the `reports` and `mark_read` events, and live `report_sent` / `report_read` delivered to
exactly the people who may see the report, and to nobody else."""

from __future__ import annotations

import threading
import time

import pytest
import requests
import socketio

from tests.support.http import api_token

ROLES = ("tutor", "tutor2", "parent", "parent2", "teacher", "teacher2", "admin", "student")
WEEK = "2025-03-03"


class Listener:
    """One user's socket on /reports, recording every server event it receives."""

    def __init__(self, url: str, token: str):
        self.url, self.token = url, token
        self.events: list[tuple[str, dict]] = []
        self._lock = threading.Lock()
        self.sio = socketio.Client(reconnection=False)
        for name in ("report_sent", "report_read"):
            self.sio.on(name, self._recorder(name), namespace="/reports")
        self.sio.connect(
            url,
            namespaces=["/reports"],
            auth={"token": token},
            transports=["websocket"],
            wait_timeout=10,
        )

    def _recorder(self, name):
        def record(data):
            with self._lock:
                self.events.append((name, data))

        return record

    def call(self, event: str, data) -> dict:
        return self.sio.call(event, data, namespace="/reports", timeout=10)

    def got(self, name: str) -> list[dict]:
        with self._lock:
            return [data for event, data in self.events if event == name]

    def api(self, method: str, path: str, json=None) -> requests.Response:
        return requests.request(
            method,
            f"{self.url}/api/v1{path}",
            json=json,
            timeout=10,
            headers={"Authorization": f"Bearer {self.token}"},
        )


@pytest.fixture
def users(live_server, demo, ctx):
    """A connected Listener per demo role, each with a token issued through the service."""
    listeners = {}
    try:
        for username in ROLES:
            raw = api_token(demo[username], device="socket test")
            listeners[username] = Listener(live_server.url, raw)
        yield listeners
    finally:
        for listener in listeners.values():
            listener.sio.disconnect()


def wait_until(predicate, what: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def settle(users) -> None:
    """Let every event the server has sent so far reach each client.

    An acknowledged call on the same connection comes after any event already sent to it; the
    short pause covers the client handing events to handler threads.
    """
    for listener in users.values():
        assert listener.call("reports", {"student_id": 10**9})["ok"] is True
    time.sleep(0.3)


def receivers(users, name: str, report_id: int) -> set[str]:
    return {
        username
        for username, listener in users.items()
        if any((d.get("id") or d.get("report_id")) == report_id for d in listener.got(name))
    }


def create(users, author: str, body: dict) -> dict:
    response = users[author].api("POST", "/reports", json={"week_start": WEEK, **body})
    assert response.status_code == 201, response.text
    return response.json()["report"]


def tutor_report(users, demo, student="student") -> dict:
    return create(
        users,
        "tutor",
        {"kind": "tutor", "student_id": demo[student].id, "summary": "A steady week."},
    )


def teacher_report(users, demo, ctx_enrollment) -> dict:
    return create(
        users,
        "teacher",
        {"kind": "teacher", "enrollment_id": ctx_enrollment.id, "summary": "Good class work."},
    )


@pytest.fixture
def maths_enrollment(demo):
    from sqlalchemy import select

    from thebot.extensions import db
    from thebot.models import Enrollment

    return db.session.scalar(
        select(Enrollment).where(
            Enrollment.student_id == demo.student.id, Enrollment.teacher_id == demo.teacher.id
        )
    )


# --- client events ----------------------------------------------------------------------------


def test_reports_ack_lists_only_what_each_user_may_see(users, demo, maths_enrollment):
    draft = tutor_report(users, demo)
    sent = tutor_report(users, demo, student="student2")
    users["tutor"].api("POST", f"/reports/{sent['id']}/send")
    teacher_draft = teacher_report(users, demo, maths_enrollment)

    def ids(username, payload=None):
        ack = users[username].call("reports", payload or {})
        assert ack["ok"] is True
        return {r["id"] for r in ack["reports"]}

    visible = {username: ids(username) for username in ROLES}
    assert {draft["id"], sent["id"]} <= visible["tutor"]
    assert teacher_draft["id"] in visible["teacher"]
    assert sent["id"] in visible["parent"] and sent["id"] in visible["admin"]
    for username in ROLES:
        if username != "tutor":
            assert draft["id"] not in visible[username], username
        if username != "teacher":
            assert teacher_draft["id"] not in visible[username], username
    for username in ("tutor2", "parent2", "teacher", "teacher2", "student"):
        assert sent["id"] not in visible[username], username
    assert visible["student"] == set()
    # Filters narrow the same list.
    assert ids("tutor", {"student_id": demo.student2.id, "kind": "tutor"}) >= {sent["id"]}
    assert draft["id"] not in ids("tutor", {"student_id": demo.student2.id})
    assert ids("tutor", {"kind": "teacher"}) & {draft["id"], sent["id"]} == set()
    ack = users["parent"].call("reports", {})
    shown = next(r for r in ack["reports"] if r["id"] == sent["id"])
    assert shown["status"] == "sent" and shown["recipient"]["id"] == demo.parent.id


@pytest.mark.parametrize(
    "event, payload",
    [
        ("reports", {"kind": "weekly"}),
        ("reports", {"student_id": "12"}),
        ("reports", {"student_id": True}),
        ("reports", ["not", "an", "object"]),
        ("mark_read", {}),
        ("mark_read", {"report_id": -3}),
        ("mark_read", "7"),
    ],
)
def test_bad_payloads_get_bad_request(users, demo, event, payload):
    ack = users["parent"].call(event, payload)
    assert ack["ok"] is False and ack["error"]["code"] == "bad_request", ack
    assert ack["error"]["message"]


def test_mark_read_refusals(users, demo):
    draft = tutor_report(users, demo)
    ack = users["parent"].call("mark_read", {"report_id": draft["id"]})
    assert ack["error"]["code"] == "not_found"  # a draft is not there for the parent
    for unknown in (10**9, 10**20):
        ack = users["parent"].call("mark_read", {"report_id": unknown})
        assert ack["error"]["code"] == "not_found"
    users["tutor"].api("POST", f"/reports/{draft['id']}/send")
    for username in ("admin", "tutor"):  # they see it but it is not addressed to them
        assert (
            users[username].call("mark_read", {"report_id": draft["id"]})["error"]["code"]
            == "forbidden"
        )
    assert (
        users["parent2"].call("mark_read", {"report_id": draft["id"]})["error"]["code"]
        == "not_found"
    )
    report = users["tutor"].api("GET", f"/reports/{draft['id']}").json()["report"]
    assert report["status"] == "sent"


# --- live delivery ----------------------------------------------------------------------------


def test_drafts_make_no_events(users, demo):
    draft = tutor_report(users, demo)
    users["tutor"].api("PATCH", f"/reports/{draft['id']}", json={"summary": "Edited"})
    other = tutor_report(users, demo, student="student2")
    assert users["tutor"].api("DELETE", f"/reports/{other['id']}").status_code == 204
    settle(users)
    assert all(listener.events == [] for listener in users.values())


def test_a_sent_tutor_report_reaches_exactly_its_audience(users, demo):
    draft = tutor_report(users, demo)
    response = users["tutor"].api("POST", f"/reports/{draft['id']}/send")
    expected = {"tutor", "parent", "admin"}
    wait_until(lambda: receivers(users, "report_sent", draft["id"]) == expected, "report_sent")
    settle(users)
    assert receivers(users, "report_sent", draft["id"]) == expected
    for username in set(ROLES) - expected:
        assert users[username].events == [], username
    (payload,) = users["parent"].got("report_sent")
    # the author's answer, as the parent sees it: new for the parent (is_new is per viewer)
    assert payload == {**response.json()["report"], "is_new": True}
    assert payload["status"] == "sent" and payload["summary"] == "A steady week."
    assert response.json()["report"]["is_new"] is False
    assert [p["is_new"] for p in users["tutor"].got("report_sent")] == [False]
    assert [p["is_new"] for p in users["admin"].got("report_sent")] == [False]


def test_reading_reaches_exactly_the_audience_once(users, demo):
    draft = tutor_report(users, demo)
    users["tutor"].api("POST", f"/reports/{draft['id']}/send")
    settle(users)
    ack = users["parent"].call("mark_read", {"report_id": draft["id"]})
    assert ack["ok"] is True and ack["report"]["status"] == "read"
    expected = {"tutor", "parent", "admin"}
    wait_until(lambda: receivers(users, "report_read", draft["id"]) == expected, "report_read")
    (payload,) = users["tutor"].got("report_read")
    assert payload == {
        "report_id": draft["id"],
        "read_at": ack["report"]["read_at"],
        "reader": {"id": demo.parent.id, "full_name": "Irina Petrova"},
    }
    # Reading again (by event or by opening) changes nothing and tells nobody.
    assert (
        users["parent"].call("mark_read", {"report_id": draft["id"]})["report"]["read_at"]
        == ack["report"]["read_at"]
    )
    users["parent"].api("GET", f"/reports/{draft['id']}")
    settle(users)
    assert receivers(users, "report_read", draft["id"]) == expected
    assert all(len(users[u].got("report_read")) == 1 for u in expected)
    for username in set(ROLES) - expected:
        assert users[username].got("report_read") == [], username


def test_a_teacher_report_reaches_the_tutor_the_parent_and_admin(users, demo, maths_enrollment):
    draft = teacher_report(users, demo, maths_enrollment)
    users["teacher"].api("POST", f"/reports/{draft['id']}/send")
    expected = {"teacher", "tutor", "parent", "admin"}
    wait_until(lambda: receivers(users, "report_sent", draft["id"]) == expected, "report_sent")
    # The parent and admin reading it tell nobody; the tutor opening it marks it read.
    users["parent"].api("GET", f"/reports/{draft['id']}")
    users["admin"].api("GET", f"/reports/{draft['id']}")
    settle(users)
    assert receivers(users, "report_read", draft["id"]) == set()
    opened = users["tutor"].api("GET", f"/reports/{draft['id']}").json()["report"]
    assert opened["status"] == "read"
    wait_until(lambda: receivers(users, "report_read", draft["id"]) == expected, "report_read")
    settle(users)
    for username in set(ROLES) - expected:
        assert users[username].events == [], username
    (payload,) = users["teacher"].got("report_read")
    assert payload["reader"] == {"id": demo.tutor.id, "full_name": "Tatiana Smirnova"}


def test_a_refused_send_tells_nobody(users, demo):
    draft = tutor_report(users, demo, student="student4")  # no parent linked
    response = users["tutor"].api("POST", f"/reports/{draft['id']}/send")
    assert response.status_code == 409 and response.json()["error"]["code"] == "no_recipient"
    settle(users)
    assert all(listener.events == [] for listener in users.values())


def test_the_reports_list_follows_the_childs_current_parent(users, demo):
    """Issue 7: a sent tutor report leaves the old parent's socket list when the parent changes."""
    from thebot.services import links

    sent = tutor_report(users, demo)
    users["tutor"].api("POST", f"/reports/{sent['id']}/send")

    def ids(username):
        ack = users[username].call("reports", {"student_id": demo.student.id})
        assert ack["ok"] is True
        return {r["id"] for r in ack["reports"]}

    assert sent["id"] in ids("parent") and sent["id"] not in ids("parent2")
    links.set_links(demo.tutor, demo.student.id, parent_id=demo.parent2.id)
    assert sent["id"] not in ids("parent")
    assert sent["id"] in ids("parent2")
    assert (
        users["parent"].call("mark_read", {"report_id": sent["id"]})["error"]["code"] == "not_found"
    )
    assert users["parent"].api("GET", f"/reports/{sent['id']}").status_code == 404
