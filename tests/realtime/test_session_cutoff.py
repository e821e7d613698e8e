"""Ending a credential ends every live connection of it (contract.md section 4): API logout,
page logout and deactivation disconnect each socket of that token, sign-in or user in /chat,
/reports and /notifications, in this process and, through Redis, in the other one; afterwards
nothing reaches them, presence says offline, no registry rows are left and no traceback is
logged.
"""

from __future__ import annotations

import queue
import time

import pytest
import requests
import socketio
from sqlalchemy import func, select

from tests.support.http import api_token
from tests.support.realtime import WAIT, browser_session, deactivate, tutor_room
from thebot.extensions import db
from thebot.models import ChatSocketJoin, SocketConnection

NAMESPACES = ["/chat", "/reports", "/notifications"]


class Device:
    """One device of a user: a python-socketio client connected to all three namespaces."""

    def __init__(
        self, base_url: str, *, token: str | None = None, http: requests.Session | None = None
    ):
        self.events: queue.Queue = queue.Queue()
        self.gone: dict[str, bool] = {ns: False for ns in NAMESPACES}
        self.sio = socketio.Client(reconnection=False)
        for ns in NAMESPACES:
            self.sio.on(
                "*", lambda event, *args, ns=ns: self.events.put((ns, event, args)), namespace=ns
            )
            self.sio.on(
                "disconnect", lambda *args, ns=ns: self.gone.__setitem__(ns, True), namespace=ns
            )
        headers = {}
        if http is not None:
            headers["Cookie"] = "; ".join(f"{c.name}={c.value}" for c in http.cookies)
        self.sio.connect(
            base_url,
            headers=headers,
            auth={"token": token} if token else None,
            namespaces=NAMESPACES,
            transports=["websocket"],
            wait_timeout=WAIT,
        )
        self.sids = [self.sio.get_sid(namespace=ns) for ns in NAMESPACES]

    def call(self, event: str, data: dict, namespace: str = "/chat") -> dict:
        return self.sio.call(event, data, namespace=namespace, timeout=WAIT)

    def wait_cut_off(self) -> None:
        """Every namespace was disconnected by the server."""
        deadline = time.monotonic() + WAIT
        while not all(self.gone.values()):
            assert time.monotonic() < deadline, f"still connected: {self.gone}"
            time.sleep(0.02)

    def connected_everywhere(self) -> bool:
        return not any(self.gone.values()) and all(
            self.call(
                "rooms" if ns == "/chat" else "reports" if ns == "/reports" else "list", {}, ns
            )["ok"]
            for ns in NAMESPACES
        )

    def received(self) -> list:
        seen = []
        while True:
            try:
                seen.append(self.events.get_nowait())
            except queue.Empty:
                return seen

    def close(self) -> None:
        self.sio.disconnect()


@pytest.fixture
def devices():
    made: list[Device] = []

    def make(base_url: str, **credentials) -> Device:
        device = Device(base_url, **credentials)
        made.append(device)
        return device

    yield make
    for device in made:
        device.close()


def rows_of(app, user_id: int) -> tuple[int, int]:
    """(socket registry rows, chat room joins) of a user."""
    with app.app_context():
        sockets = db.session.scalar(
            select(func.count())
            .select_from(SocketConnection)
            .where(SocketConnection.user_id == user_id)
        )
        joins = db.session.scalar(
            select(func.count())
            .select_from(ChatSocketJoin)
            .where(ChatSocketJoin.user_id == user_id)
        )
        db.session.remove()
    return sockets, joins


def wait_rows_gone(app, user_id: int) -> tuple[int, int]:
    deadline = time.monotonic() + WAIT
    while (left := rows_of(app, user_id)) != (0, 0) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def tutor_says(base_url: str, room_id: int, text: str) -> dict:
    token = api_token("tutor", via=base_url)
    answer = requests.post(
        f"{base_url}/api/v1/chat/rooms/{room_id}/messages",
        timeout=WAIT,
        headers={"Authorization": f"Bearer {token}"},
        json={"content": text},
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["message"]


def parent_online(base_url: str, room_id: int, parent_id: int) -> bool:
    """What the tutor's client is told about the parent's presence in the room."""
    tutor = socketio.Client(reconnection=False)
    tutor.connect(
        base_url,
        auth={"token": api_token("tutor", via=base_url)},
        namespaces=["/chat"],
        transports=["websocket"],
        wait_timeout=WAIT,
    )
    try:
        ack = tutor.call("join", {"room_id": room_id}, namespace="/chat", timeout=WAIT)
    finally:
        tutor.disconnect()
    return next(m for m in ack["room"]["members"] if m["id"] == parent_id)["online"]


def test_logout_and_deactivation_cut_off_every_socket_of_that_credential(
    live_server, app, demo, devices
):
    url = live_server.url
    room = tutor_room(demo.student)
    token_a, token_b = api_token("parent", via=url), api_token("parent", via=url)
    page = browser_session(url, "parent")
    a, b, c = devices(url, token=token_a), devices(url, token=token_b), devices(url, http=page)
    for device in (a, b, c):
        assert device.call("join", {"room_id": room})["ok"] is True
    assert parent_online(url, room, demo.parent.id) is True
    log_before = len(live_server.log_text())

    # API logout: every namespace of that token, no other device.
    answer = requests.post(
        f"{url}/api/v1/auth/logout", timeout=WAIT, headers={"Authorization": f"Bearer {token_a}"}
    )
    assert answer.status_code == 200
    a.wait_cut_off()
    assert b.connected_everywhere() and c.connected_everywhere()

    # Page logout: every namespace of that sign-in.
    answer = page.post(
        f"{url}/auth/logout",
        timeout=WAIT,
        allow_redirects=False,
        data={"csrf_token": page.csrf_token},
    )
    assert answer.status_code == 302
    c.wait_cut_off()
    assert b.connected_everywhere()

    # Deactivation: every socket of the user.
    deactivate(url, demo.parent.id)
    b.wait_cut_off()
    for device in (a, b, c):
        device.received()  # forget what arrived before the cut-off
    sent = tutor_says(url, room, "Is anyone still listening?")

    assert wait_rows_gone(app, demo.parent.id) == (0, 0)
    assert parent_online(url, room, demo.parent.id) is False
    time.sleep(0.3)  # time for a wrongly delivered message to arrive
    for device in (a, b, c):
        assert all(event != "message" for _ns, event, _args in device.received()), sent
    assert "Traceback" not in live_server.log_text()[log_before:]


@pytest.mark.realtime
def test_deactivation_cuts_off_sockets_in_every_process(
    start_server, redis_url, app, demo, devices
):
    first = start_server(SOCKETIO_MESSAGE_QUEUE=redis_url)
    second = start_server(SOCKETIO_MESSAGE_QUEUE=redis_url)
    room = tutor_room(demo.student)
    here = devices(first.url, token=api_token("parent", via=first.url))
    there = [devices(second.url, token=api_token("parent", via=second.url)) for _ in range(2)]
    for device in (here, *there):
        assert device.call("join", {"room_id": room})["ok"] is True
    logs_before = len(first.log_text()), len(second.log_text())

    deactivate(first.url, demo.parent.id)
    for device in (here, *there):
        device.wait_cut_off()
        device.received()
    tutor_says(second.url, room, "Anyone on the second process?")

    assert wait_rows_gone(app, demo.parent.id) == (0, 0)
    assert parent_online(second.url, room, demo.parent.id) is False
    time.sleep(0.3)
    for device in (here, *there):
        assert all(event != "message" for _ns, event, _args in device.received())
    assert "Traceback" not in first.log_text()[logs_before[0] :]
    assert "Traceback" not in second.log_text()[logs_before[1] :]
