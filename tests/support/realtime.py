"""Real clients of a running server: signing in over HTTP (session cookie or API token),
python-socketio clients of /chat that record every event they receive (`connect`) and of
/notifications (`listeners`), and finding the demo's chat rooms (the rooms themselves are made by
the services).
"""

from __future__ import annotations

import queue
import re
import time

import pytest
import requests
import socketio
from sqlalchemy import select

from tests.support import PASSWORD
from tests.support.http import api_token

CSRF_META = re.compile(r'name="csrf-token" content="([^"]+)"')
WAIT = 10  # seconds an expected event may take to arrive


def browser_session(base_url: str, username: str, password: str = PASSWORD) -> requests.Session:
    """Sign in like a browser: GET the login page, read the CSRF meta tag, POST the form."""
    http = requests.Session()
    page = http.get(f"{base_url}/auth/login", timeout=WAIT)
    token = CSRF_META.search(page.text).group(1)
    answer = http.post(
        f"{base_url}/auth/login",
        timeout=WAIT,
        allow_redirects=False,
        data={"login": username, "password": password, "csrf_token": token},
    )
    assert answer.status_code == 302, f"sign-in of {username} failed"
    http.csrf_token = CSRF_META.search(
        http.get(f"{base_url}/auth/login", timeout=WAIT, allow_redirects=True).text
    ).group(1)
    return http


def _check_payload(event: str, data) -> None:
    """A /chat event whose payload the API also answers with is held to the same declared shape
    (api/shapes.py components): a new message and an edited one are the API's ChatMessage."""
    from tests.support.answers import problems_of
    from thebot.api.chat import MESSAGE

    if event in ("message", "message_edited"):
        problems = problems_of(MESSAGE, data)
        assert not problems, f"/chat {event!r} not as ChatMessage: " + "; ".join(problems[:5])


def deactivate(base_url: str, user_id: int) -> None:
    """The admin deactivates an account on the admin page."""
    admin = browser_session(base_url, "admin")
    answer = admin.post(
        f"{base_url}/admin/users/{user_id}/active",
        timeout=WAIT,
        data={"active": "0", "csrf_token": admin.csrf_token},
    )
    assert "The account is deactivated." in answer.text


class ChatClient:
    """A python-socketio client of /chat that queues every server event it receives."""

    def __init__(
        self, base_url: str, *, token: str | None = None, http: requests.Session | None = None
    ):
        self.base_url = base_url
        self.events: queue.Queue = queue.Queue()
        self.disconnected = queue.Queue()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("*", self._record, namespace="/chat")
        self.sio.on("disconnect", lambda *args: self.disconnected.put(True), namespace="/chat")
        headers = {}
        if http is not None:
            headers["Cookie"] = "; ".join(f"{c.name}={c.value}" for c in http.cookies)
        self.sio.connect(
            base_url,
            headers=headers,
            auth={"token": token} if token else None,
            namespaces=["/chat"],
            transports=["websocket"],
            wait_timeout=WAIT,
        )
        self.sid = self.sio.get_sid(namespace="/chat")

    def _record(self, event, *args):
        self.events.put((event, args[0] if args else None))

    def call(self, event: str, data=None) -> dict:
        """Emit a client event and return its ack."""
        return self.sio.call(event, {} if data is None else data, namespace="/chat", timeout=WAIT)

    def join(self, room_id: int, **extra) -> dict:
        ack = self.call("join", {"room_id": room_id, **extra})
        assert ack["ok"], ack
        return ack

    def wait_for(self, event: str, match=lambda data: True, timeout: float = WAIT):
        """The first received `event` whose payload matches (events before it are consumed)."""
        return self.received_until(event, match, timeout)[-1][1]

    def received_until(self, event: str, match=lambda data: True, timeout: float = WAIT):
        """Every event received up to and including the first matching `event` (a fence)."""
        seen = []
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {event!r} event arrived; got {seen}")
            try:
                name, data = self.events.get(timeout=remaining)
            except queue.Empty:
                raise AssertionError(f"no {event!r} event arrived; got {seen}") from None
            seen.append((name, data))
            _check_payload(name, data)
            if name == event and match(data):
                return seen

    def drain(self) -> None:
        """Forget the events received so far."""
        while True:
            try:
                self.events.get_nowait()
            except queue.Empty:
                return

    def wait_disconnected(self, timeout: float = WAIT) -> None:
        try:
            self.disconnected.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("the server did not disconnect the socket") from None

    def close(self) -> None:
        if self.sio.connected:
            self.sio.disconnect()


def wait_until_forgotten(app, sids: list[str], timeout: float = WAIT) -> None:
    """Wait until the servers have cleaned up after these sockets (before the tables are
    emptied for the next test, so the two never race)."""
    from sqlalchemy import func, select

    from thebot.extensions import db
    from thebot.models import SocketConnection

    deadline = time.monotonic() + timeout
    with app.app_context():
        while time.monotonic() < deadline:
            left = db.session.scalar(
                select(func.count())
                .select_from(SocketConnection)
                .where(SocketConnection.sid.in_(sids))
            )
            db.session.rollback()
            if not left:
                return
            time.sleep(0.05)


@pytest.fixture
def connect(live_server, app):
    """connect(username, via="cookie"|"token", server=live_server) -> a connected ChatClient;
    or connect(token=…) / connect(http=a signed-in requests session)."""
    clients: list[ChatClient] = []

    def make(
        username: str | None = None, *, via: str = "token", server=None, token=None, http=None
    ) -> ChatClient:
        url = (server or live_server).url
        if token is not None or http is not None:
            client = ChatClient(url, token=token, http=http)
        elif via == "cookie":
            client = ChatClient(url, http=browser_session(url, username))
        else:
            client = ChatClient(url, token=api_token(username, via=url))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
    wait_until_forgotten(app, [client.sid for client in clients])


# --- /notifications ---------------------------------------------------------------------------

NOTIFICATIONS = "/notifications"


class NotificationListener:
    """A connected client of /notifications that records the server events it receives."""

    def __init__(self, url: str, token: str):
        self.events: list[tuple[str, dict]] = []
        self.client = socketio.Client(reconnection=False)
        for name in ("notification", "unread_count"):
            self.client.on(
                name,
                lambda data, name=name: self.events.append((name, data)),
                namespace=NOTIFICATIONS,
            )
        self.client.connect(
            url,
            namespaces=[NOTIFICATIONS],
            auth={"token": token},
            transports=["websocket"],
            wait_timeout=10,
        )

    def call(self, event: str, payload) -> dict:
        return self.client.call(event, payload, namespace=NOTIFICATIONS, timeout=10)

    def settle(self) -> list[tuple[str, dict]]:
        """Events received so far: an ack round trip first, so earlier pushes have arrived."""
        self.call("list", {"limit": 1})
        return list(self.events)


class StateListener:
    """A /notifications client that records one kind of record event (`invoice_updated`,
    `lesson_updated`, …) and reports (id, status) of what arrived."""

    def __init__(self, url: str, token: str, event: str):
        self.events: list[dict] = []
        self.client = socketio.Client(reconnection=False)
        self.client.on(event, self.events.append, namespace=NOTIFICATIONS)
        self.client.connect(
            url,
            namespaces=[NOTIFICATIONS],
            auth={"token": token},
            transports=["websocket"],
            wait_timeout=10,
        )

    def settle(self) -> list[tuple[int, str]]:
        """(id, status) of the events so far, after an ack round trip; then forgotten."""
        self.client.call("list", {"limit": 1}, namespace=NOTIFICATIONS, timeout=10)
        seen = [(e["id"], e["status"]) for e in self.events]
        self.events.clear()
        return seen


@pytest.fixture
def listeners(live_server):
    """listeners(user) -> a NotificationListener of the live server signed in as the user."""
    opened = []

    def open_for(user) -> NotificationListener:
        token = api_token(user, device="notification tests")
        listener = NotificationListener(live_server.url, token)
        opened.append(listener)
        return listener

    yield open_for
    for listener in opened:
        listener.client.disconnect()


# --- the demo's chat rooms --------------------------------------------------------------------


def subject_room(student, subject_name: str) -> int:
    """The id of the student's subject room for this subject."""
    from thebot.extensions import db
    from thebot.models import ChatRoom, Enrollment, RoomKind, Subject

    return db.session.scalar(
        select(ChatRoom.id)
        .join(Enrollment, Enrollment.id == ChatRoom.enrollment_id)
        .join(Subject, Subject.id == Enrollment.subject_id)
        .where(
            ChatRoom.kind == RoomKind.SUBJECT,
            Enrollment.student_id == student.id,
            Subject.name == subject_name,
        )
    )


def tutor_room(student) -> int | None:
    """The id of the student's tutor room, if any."""
    from thebot.extensions import db
    from thebot.models import ChatRoom, RoomKind

    return db.session.scalar(
        select(ChatRoom.id).where(
            ChatRoom.kind == RoomKind.TUTOR, ChatRoom.student_id == student.id
        )
    )
