"""The Socket.IO contract every namespace keeps (contract.md section 4), against a real server
process: refusals in Socket.IO's shape (read by the real JS socket.io-client and by
python-socketio), client events named after the lifecycle or unknown refused with `bad_request`
and changing nothing, payloads over the documented maximum answered `too_large` on a connection
that stays up, and typing and join/leave limited per user.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time

import pytest
import requests
import socketio
from sqlalchemy import func, select

from tests.support import IN_CI, ROOT, need
from tests.support.http import api_token
from tests.support.realtime import WAIT, subject_room, tutor_room
from thebot.extensions import db
from thebot.models import ChatSocketJoin, SocketConnection
from thebot.sockets.base import MAX_PAYLOAD

JS = ROOT / "tests" / "js"


def refused(ack, code: str) -> None:
    assert isinstance(ack, dict) and ack["ok"] is False, ack
    assert ack["error"]["code"] == code and ack["error"]["message"], ack


def registry_rows(sid: str) -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(func.count()).select_from(SocketConnection).where(SocketConnection.sid == sid)
    )


def joins_of(sid: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(ChatSocketJoin).where(ChatSocketJoin.sid == sid)
    )


# --- the lifecycle is the server's ------------------------------------------------------------


def test_a_client_disconnect_event_changes_nothing(live_server, demo, connect):
    student = connect("student")
    teacher = connect("teacher")
    room = subject_room(demo.student, "Maths")
    student.join(room)
    for payload in ({}, "io client disconnect", None):
        refused(
            student.sio.call("disconnect", payload, namespace="/chat", timeout=WAIT), "bad_request"
        )
    # Still registered, still joined, still hearing the room ...
    assert registry_rows(student.sid) == 1 and joins_of(student.sid) == 1
    sent = teacher.call("send", {"room_id": room, "content": "Still there?"})["message"]
    assert student.wait_for("message", lambda m: m["id"] == sent["id"])["content"] == "Still there?"
    # ... and so still reachable by a revocation.
    token = api_token("student", via=live_server.url)
    revocable = connect(token=token)
    refused(revocable.sio.call("disconnect", {}, namespace="/chat", timeout=WAIT), "bad_request")
    requests.post(
        f"{live_server.url}/api/v1/auth/logout",
        timeout=WAIT,
        headers={"Authorization": f"Bearer {token}"},
    )
    revocable.wait_disconnected()


def test_a_client_connect_event_changes_nothing(live_server, demo, connect):
    parent = connect("parent")
    before = registry_rows(parent.sid)
    for payload in ({}, {"token": api_token("tutor", via=live_server.url)}):
        refused(parent.sio.call("connect", payload, namespace="/chat", timeout=WAIT), "bad_request")
    assert registry_rows(parent.sid) == before == 1
    # Still the parent: the tutor's token in the payload changed nobody's identity.
    assert (
        db.session.scalar(
            select(SocketConnection.user_id).where(SocketConnection.sid == parent.sid)
        )
        == demo.parent.id
    )
    assert len(parent.call("rooms")["rooms"]) == 6


@pytest.mark.parametrize(
    "namespace, event",
    [
        ("/chat", "frobnicate"),
        ("/reports", "send"),
        ("/notifications", "rooms"),
        ("/chat", "_refused"),
        ("/chat", "connect_error"),
    ],
)
def test_unknown_events_are_refused_in_every_namespace(live_server, demo, namespace, event):
    client = socketio.Client(reconnection=False)
    client.connect(
        live_server.url,
        auth={"token": api_token("tutor", via=live_server.url)},
        namespaces=[namespace],
        transports=["websocket"],
        wait_timeout=WAIT,
    )
    try:
        refused(client.call(event, {}, namespace=namespace, timeout=WAIT), "bad_request")
        assert client.connected
    finally:
        client.disconnect()


# --- payload size -----------------------------------------------------------------------------


def test_a_payload_over_the_maximum_is_too_large_and_the_connection_stays(
    live_server, demo, connect
):
    client = connect("student")
    room = subject_room(demo.student, "Maths")
    for size in (MAX_PAYLOAD + 1, 900 * 1024):
        ack = client.call("send", {"room_id": room, "content": "x" * size, "client_id": "big"})
        refused(ack, "too_large")
        assert "64 KiB" in ack["error"]["message"]
    assert client.sio.connected and client.disconnected.empty()
    assert client.call("send", {"room_id": room, "content": "small again"})["ok"] is True


def test_deeply_nested_and_odd_payloads_get_an_error_not_a_crash(live_server, demo, connect):
    client = connect("student")
    room = subject_room(demo.student, "Maths")
    log_before = len(live_server.log_text())
    # Too deep for any JSON decoder's recursion: written as a raw Socket.IO EVENT packet.
    deep = '{"n":' * 50_000 + "{}" + "}" * 50_000
    client.sio.eio.send(f'42/chat,["send",{deep}]')
    nested: object = {}
    for _ in range(200):
        nested = {"n": nested}
    for payload in (
        {"room_id": room, "content": nested},
        {"room_id": [[[[room]]]]},
        {"room_id": 2**63, "content": "x"},
        {"room_id": 1e308, "content": "x"},
    ):
        ack = client.call("send", payload)
        assert ack["ok"] is False and ack["error"]["code"] in (
            "bad_request",
            "not_found",
            "too_large",
        ), ack
    assert client.call("rooms")["ok"] is True
    assert "Traceback" not in live_server.log_text()[log_before:]


# --- limits on events that fan out to other members ------------------------------------------
# (The server's limits outlive a test for their window: these users type and join nowhere else.)


def test_typing_is_rate_limited_per_user(live_server, demo, connect):
    student = connect("student2")
    teacher = connect("teacher")
    room = subject_room(demo.student2, "Maths")
    student.join(room)
    teacher.join(room)
    teacher.drain()
    acks = [student.call("typing", {"room_id": room, "typing": i % 2 == 0}) for i in range(25)]
    assert [a["ok"] for a in acks] == [True] * 20 + [False] * 5
    refused(acks[-1], "rate_limited")
    # The same user's other connection shares the count.
    refused(connect("student2").call("typing", {"room_id": room, "typing": True}), "rate_limited")
    time.sleep(0.3)
    heard = [e for e in list(teacher.events.queue) if e[0] == "typing"]
    assert len(heard) == 20
    # Another member is not limited by the student's typing.
    assert teacher.call("typing", {"room_id": room, "typing": True})["ok"] is True


def test_join_and_leave_are_rate_limited_per_user(live_server, demo, connect):
    parent = connect("parent2")
    room = tutor_room(demo.student3)
    answers = []
    for _ in range(31):
        answers.append(parent.call("join", {"room_id": room})["ok"])
        answers.append(parent.call("leave", {"room_id": room})["ok"])
    assert answers[:60] == [True] * 60 and answers[60:] == [False, False]
    refused(parent.call("join", {"room_id": room}), "rate_limited")


# --- the JS client's view ---------------------------------------------------------------------


def run_js(url: str, namespace: str, **options) -> dict:
    """Run tests/js/client.mjs (the real socket.io-client from npm) and return its report."""
    need(shutil.which("node") is not None, "Node.js")
    if not (JS / "node_modules" / "socket.io-client").exists():
        need(IN_CI or shutil.which("npm") is not None, "npm")
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"],
            cwd=JS,
            check=True,
            capture_output=True,
            timeout=300,
        )
    done = subprocess.run(
        ["node", str(JS / "client.mjs"), url, namespace, json.dumps(options)],
        cwd=JS,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("namespace", ["/chat", "/reports", "/notifications"])
def test_the_js_client_reads_the_refusal_code(live_server, demo, namespace):
    for auth in ({}, {"token": "not-a-token"}):
        report = run_js(live_server.url, namespace, auth=auth)
        assert report["connected"] is False, report
        assert report["error"]["data"]["code"] == "unauthorized", report
        assert report["error"]["message"] == report["error"]["data"]["message"] != ""


def test_the_js_client_gets_acks_and_refusals(live_server, demo):
    token = api_token("student", via=live_server.url)
    room = subject_room(demo.student, "Maths")
    report = run_js(
        live_server.url,
        "/chat",
        auth={"token": token},
        emits=[
            ["rooms", {}],
            ["frobnicate", {}],
            ["send", {"room_id": room, "content": "y" * (MAX_PAYLOAD + 10)}],
            ["join", {"room_id": room}],
        ],
    )
    assert report["connected"] is True and report["still_connected"] is True, report
    rooms, unknown, big, joined = report["acks"]
    assert rooms["ok"] is True and len(rooms["rooms"]) == 3
    assert unknown["error"]["code"] == "bad_request"
    assert big["error"]["code"] == "too_large"
    assert joined["ok"] is True and joined["room"]["id"] == room
