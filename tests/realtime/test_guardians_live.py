"""A second guardian on a real server: their sockets get what the primary parent's get (chat
`message`, `invoice_updated`, `lesson_updated`, `homework_updated`, `notification`), outsiders get
none of it; once the tutor removes the guardian their socket leaves the rooms and hears no more
messages, the members are told (`room_updated`, presence) as for a parent change, and linking
them again brings the room back."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import requests
import socketio

from tests.support.guardians import guardian_family_with_tokens
from tests.support.lessons import slot
from tests.support.realtime import WAIT, StateListener, browser_session, tutor_room


@pytest.fixture
def fam(ctx, make_user):
    return guardian_family_with_tokens(make_user)


def _api(url, fam, who, method, path, json=None):
    answer = requests.request(
        method,
        f"{url}/api/v1{path}",
        json=json,
        timeout=WAIT,
        headers={"Authorization": f"Bearer {fam.tokens[who]}"},
    )
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def _refused(ack: dict, code: str) -> None:
    assert ack["ok"] is False and ack["error"]["code"] == code, ack


def test_the_guardians_sockets_get_the_parents_events(live_server, fam, connect, listeners):
    url = live_server.url
    watched = ("guardian", "parent", "other_parent")
    events = ("invoice_updated", "lesson_updated", "homework_updated")
    sockets = {
        (who, event): StateListener(url, fam.tokens[who], event)
        for who in watched
        for event in events
    }
    notes = {who: listeners(getattr(fam, who)) for who in watched}
    chat = {who: connect(f"g-{who.replace('_', '-')}") for who in ("guardian", "tutor")}
    try:
        room = tutor_room(fam.student)
        chat["guardian"].join(room)
        chat["tutor"].join(room)
        sent = chat["tutor"].call(
            "send", {"room_id": room, "content": "Hi both", "client_id": "m1"}
        )
        assert sent["ok"], sent
        heard = chat["guardian"].wait_for("message", lambda m: m["client_id"] == "m1")
        assert heard["content"] == "Hi both" and heard["sender"]["id"] == fam.tutor.id

        invoice = _api(
            url,
            fam,
            "tutor",
            "POST",
            "/invoices",
            {
                "student_id": fam.student.id,
                "amount": "900.00",
                "description": "Live guardian invoice",
                "due_date": (datetime.now(UTC).date() + timedelta(days=3)).isoformat(),
            },
        )
        _api(url, fam, "tutor", "POST", f"/invoices/{invoice['id']}/send")
        lesson = _api(
            url, fam, "teacher", "POST", "/lessons", {"enrollment_id": fam.maths.id, **slot(30)}
        )["lessons"][0]
        homework = _api(
            url,
            fam,
            "teacher",
            "POST",
            "/homework",
            {
                "enrollment_id": fam.maths.id,
                "title": "Live fractions",
                "due_at": (datetime.now(UTC) + timedelta(days=2)).isoformat(),
                "max_score": 10,
            },
        )
        expected = {
            "invoice_updated": [(invoice["id"], "sent")],
            "lesson_updated": [(lesson["id"], "scheduled")],
            "homework_updated": [(homework["id"], homework["status"])],
        }
        for who in ("guardian", "parent"):
            for event in events:
                assert sockets[(who, event)].settle() == expected[event], (who, event)
        for event in events:
            assert sockets[("other_parent", event)].settle() == [], event
        kinds = {
            who: sorted(n["kind"] for name, n in notes[who].settle() if name == "notification")
            for who in watched
        }
        family_kinds = ["homework_set", "invoice_sent", "lesson_scheduled", "message"]
        assert kinds["guardian"] == family_kinds
        assert kinds["parent"] == family_kinds
        assert kinds["other_parent"] == []
    finally:
        for listener in sockets.values():
            listener.client.disconnect()


def test_a_removed_guardian_stops_hearing_the_room_as_an_unlinked_parent_does(
    live_server, fam, connect
):
    url = live_server.url
    room = tutor_room(fam.student)
    guardian, parent, tutor = connect("g-guardian"), connect("g-parent"), connect("g-tutor")
    for client in (guardian, parent, tutor):
        client.join(room)
    tutor_web = browser_session(url, "g-tutor")
    answer = tutor_web.post(
        f"{url}/tutor/students/{fam.student.id}/guardian/remove",
        timeout=WAIT,
        allow_redirects=False,
        data={"csrf_token": tutor_web.csrf_token},
    )
    assert answer.status_code == 302
    update = parent.wait_for("room_updated", lambda r: r["id"] == room)
    assert "Gary Guardian" not in {m["full_name"] for m in update["members"]}
    assert "Paula Parent" in {m["full_name"] for m in update["members"]}
    gone = tutor.wait_for("presence", lambda p: p["user_id"] == fam.guardian.id)
    assert gone["online"] is False
    tutor.call("send", {"room_id": room, "content": "for the family", "client_id": "fence"})
    assert parent.wait_for("message", lambda m: m["client_id"] == "fence")
    _refused(guardian.call("history", {"room_id": room}), "not_found")
    _refused(guardian.call("send", {"room_id": room, "content": "still here?"}), "not_found")
    guardian.call("rooms")  # answered after everything above
    assert not any(name == "message" for name, _ in list(guardian.events.queue))
    # linked again (by login), the guardian's socket is told of the room and may join it
    guardian.drain()
    again = tutor_web.post(
        f"{url}/tutor/students/{fam.student.id}/guardian",
        timeout=WAIT,
        allow_redirects=False,
        data={"csrf_token": tutor_web.csrf_token, "guardian_id": 0, "guardian_login": "g-guardian"},
    )
    assert again.status_code == 302
    joined = guardian.wait_for("room_updated", lambda r: r["id"] == room)
    assert "Gary Guardian" in {m["full_name"] for m in joined["members"]}
    fence = guardian.join(room)
    assert fence["messages"][-1]["client_id"] == "fence"


class ReportsSocket:
    """A /reports client recording report_sent, report_read and progress_updated."""

    def __init__(self, url: str, token: str):
        self.events: list[tuple[str, dict]] = []
        self.sio = socketio.Client(reconnection=False)
        for name in ("report_sent", "report_read", "progress_updated"):
            self.sio.on(
                name, lambda data, name=name: self.events.append((name, data)), namespace="/reports"
            )
        self.sio.connect(
            url, namespaces=["/reports"], auth={"token": token}, transports=["websocket"]
        )

    def names_for(self, report_id: int) -> list[str]:
        return [n for n, d in self.events if d.get("id", d.get("report_id")) == report_id]


def _wait(predicate, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_report_events_reach_the_guardian_and_their_reading_reaches_everyone(live_server, fam):
    url = live_server.url
    sockets = {
        who: ReportsSocket(url, fam.tokens[who]) for who in ("guardian", "parent", "other_parent")
    }
    try:
        draft = _api(
            url,
            fam,
            "tutor",
            "POST",
            "/reports",
            {
                "kind": "tutor",
                "week_start": "2025-03-03",
                "student_id": fam.student.id,
                "summary": "A steady week.",
            },
        )["report"]
        _api(url, fam, "tutor", "POST", f"/reports/{draft['id']}/send")
        for who in ("guardian", "parent"):
            _wait(lambda who=who: "report_sent" in sockets[who].names_for(draft["id"]), who)
        opened = _api(url, fam, "guardian", "GET", f"/reports/{draft['id']}")["report"]
        assert opened["status"] == "read"
        for who in ("guardian", "parent"):
            _wait(lambda who=who: "report_read" in sockets[who].names_for(draft["id"]), who)
        read = [d for n, d in sockets["parent"].events if n == "report_read"]
        assert read[0]["reader"]["id"] == fam.guardian.id
        assert sockets["other_parent"].events == []
    finally:
        for socket in sockets.values():
            socket.sio.disconnect()
