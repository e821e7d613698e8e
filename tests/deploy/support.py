"""Helpers of tests/deploy. The production recipe under test is deploy/serve.py's Stack
(migrations, two `python wsgi.py` processes on the machine's Redis, one nginx rendered from
deploy/nginx/thebot.conf) on free ports, against the suite's database (SQLite, or PostgreSQL
with TEST_DATABASE_URL).

Which process a client reaches is nginx's choice: the `thebot_route` cookie (see the template).
`Recipe.route_to(port)` finds a cookie value nginx sends to that process, by asking nginx and
reading which upstream its access log names, so a test can put a sender on one process and a
receiver on the other while every request and socket goes through nginx.
"""

from __future__ import annotations

import queue
import re
import time
import uuid
from pathlib import Path

import requests
import socketio
from requests.adapters import HTTPAdapter

from deploy.serve import Stack, nginx_binary
from tests.support import PASSWORD, need
from tests.support.realtime import CSRF_META, WAIT
from tests.support.servers import free_port

ACCESS_LINE = re.compile(
    r'^(?P<addr>\S+) \[[^]]+\] "(?P<method>\S+) (?P<path>\S+) [^"]*" (?P<status>\d+) \d+ '
    r"\S+ upstream=(?P<upstream>.*) route=(?P<route>\S+)$"
)


class Recipe:
    """A running Stack and what tests ask of it."""

    def __init__(self, stack: Stack):
        self.stack = stack
        self.url = stack.url
        self.ports = list(stack.app_ports)
        self._routes: dict[int, str] = {}

    # --- nginx's access log ----------------------------------------------------------------

    def access_log(self) -> list[dict]:
        path = self.stack.run_dir / "access.log"
        lines = path.read_text().splitlines() if path.exists() else []
        return [m.groupdict() for m in map(ACCESS_LINE.match, lines) if m]

    def upstreams(self, path_part: str, route: str | None = None) -> list[str]:
        """The upstream each logged request to a path containing `path_part` went to (the last
        address nginx tried), oldest first; only requests with this route cookie if given."""
        return [
            line["upstream"].split(",")[-1].strip()
            for line in self.access_log()
            if path_part in line["path"] and (route is None or line["route"] == route)
        ]

    def route_to(self, port: int, *, fresh: bool = False) -> str:
        """A `thebot_route` cookie value nginx sends to the app process on `port` (`fresh`: one
        no earlier call answered, so nginx's log lines with it are this caller's alone)."""
        if fresh:
            self._routes.pop(port, None)
        for attempt in range(200):
            if port in self._routes:
                return self._routes[port]
            value = f"probe{attempt}{uuid.uuid4().hex[:6]}"
            answer = requests.get(
                f"{self.url}/healthz?probe={value}", cookies={"thebot_route": value}, timeout=WAIT
            )
            assert answer.status_code == 200
            deadline = time.monotonic() + WAIT  # logged just after the answer went out
            while not self.upstreams(f"probe={value}") and time.monotonic() < deadline:
                time.sleep(0.02)
            (upstream,) = self.upstreams(f"probe={value}")
            self._routes.setdefault(int(upstream.rsplit(":", 1)[1]), value)
        raise AssertionError(f"nginx sent no probe to port {port}: {self._routes}")

    def app_log(self, port: int) -> str:
        path = self.stack.log_path(f"app-{port}")
        return path.read_text(errors="replace") if path else ""

    # --- clients ---------------------------------------------------------------------------

    def session(self, route: str | None = None, source: str | None = None) -> requests.Session:
        """A requests session to nginx, with a route cookie and/or a loopback source address."""
        http = requests.Session()
        if route is not None:
            http.cookies.set("thebot_route", route)
        if source is not None:
            adapter = SourceAddressAdapter(source)
            http.mount("http://", adapter)
        return http

    def browser(self, username: str, route: str) -> requests.Session:
        """Signed in like a browser (login page, CSRF meta tag, form), on a pinned route."""
        http = self.session(route)
        page = http.get(f"{self.url}/auth/login", timeout=WAIT)
        token = CSRF_META.search(page.text).group(1)
        answer = http.post(
            f"{self.url}/auth/login",
            data={"login": username, "password": PASSWORD, "csrf_token": token},
            timeout=WAIT,
            allow_redirects=False,
        )
        assert answer.status_code == 302, f"sign-in of {username} failed"
        return http

    def token(self, username: str) -> str:
        """A bearer token from POST /api/v1/auth/login through nginx."""
        answer = requests.post(
            f"{self.url}/api/v1/auth/login",
            json={"login": username, "password": PASSWORD, "device": "recipe test"},
            timeout=WAIT,
        )
        assert answer.status_code == 200, answer.text
        return answer.json()["token"]

    def api(self, token: str, method: str, path: str, json=None, route: str | None = None):
        answer = requests.request(
            method,
            f"{self.url}/api/v1{path}",
            json=json,
            headers={"Authorization": f"Bearer {token}"},
            cookies={"thebot_route": route} if route else None,
            timeout=WAIT,
        )
        assert answer.status_code in (200, 201), answer.text
        return answer.json()


class SourceAddressAdapter(HTTPAdapter):
    """Connections from a chosen loopback address (127.0.0.2, …): nginx sees another client."""

    def __init__(self, source: str):
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.source, 0)
        return super().init_poolmanager(*args, **kwargs)


class Socket:
    """A python-socketio client through nginx on a pinned route, recording the events it hears
    on its namespaces; `reconnect=True` lets it reconnect on its own (counted in `connects`)."""

    def __init__(
        self,
        url: str,
        token: str,
        route: str,
        namespaces: list[str],
        events: list[str],
        *,
        reconnect: bool = False,
        transports: list[str] | None = None,
    ):
        self.events: queue.Queue = queue.Queue()
        self.log: list[tuple[str, object]] = []  # every event ever received, in order
        self.connects: queue.Queue = queue.Queue()
        self.namespace = namespaces[0]
        # The route cookie in the client's own jar: sent with every long-polling request and
        # with the WebSocket handshake, as a browser sends it (handshake headers are not).
        self.http = requests.Session()
        self.http.cookies.set("thebot_route", route)
        self.sio = socketio.Client(
            http_session=self.http,
            reconnection=reconnect,
            reconnection_delay=0.2,
            reconnection_delay_max=0.5,
            randomization_factor=0,
        )
        for namespace in namespaces:
            for name in events:
                self.sio.on(name, self._recorder(name), namespace=namespace)
        self.sio.on("connect", lambda: self.connects.put(time.monotonic()), namespace=namespaces[0])
        self.sio.connect(
            url,
            auth={"token": token},
            namespaces=namespaces,
            transports=transports or ["websocket"],
            wait_timeout=WAIT,
        )

    def _recorder(self, name: str):
        def record(data=None):
            self.log.append((name, data))
            self.events.put((name, data))

        return record

    def call(self, event: str, data=None, namespace: str | None = None) -> dict:
        return self.sio.call(
            event, {} if data is None else data, namespace=namespace or self.namespace, timeout=WAIT
        )

    def wait_for(self, event: str, match=lambda data: True, timeout: float = WAIT):
        deadline = time.monotonic() + timeout
        seen = []
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                name, data = self.events.get(timeout=remaining)
            except queue.Empty:
                break
            seen.append(name)
            if name == event and match(data):
                return data
        raise AssertionError(f"no matching {event!r} arrived; got {seen}")

    def received(self) -> list[tuple[str, object]]:
        """Every event recorded so far (and forgotten)."""
        out = []
        while True:
            try:
                out.append(self.events.get_nowait())
            except queue.Empty:
                return out

    def close(self) -> None:
        self.sio.disconnect()
        self.http.close()


def start_recipe(run_dir: Path, database_url: str, uploads: Path, redis_url: str, **env) -> Recipe:
    """Stack on free ports; its Socket.IO channel and rate-limit keys are its own, so nothing
    crosses with other servers on the same Redis (pub/sub knows no db index)."""
    need(nginx_binary() is not None, "nginx (Debian package nginx)")
    own = f"thebot-recipe-{uuid.uuid4().hex[:10]}"
    async_mode = env.pop("ASYNC_MODE", "eventlet")
    stack = Stack(
        run_dir,
        port=free_port(),
        app_ports=(free_port(), free_port()),
        redis_url=redis_url,
        database_url=database_url,
        async_mode=async_mode,
        log_dir=run_dir,
        env={
            "THEBOT_ENV": "test",
            "SECRET_KEY": "test-secret-key",
            "UPLOAD_DIR": str(uploads),
            "SOCKETIO_CHANNEL": own,
            "RATELIMIT_KEY_PREFIX": own,
            "SOCKET_HEARTBEAT_SECONDS": "1",
            "CHAT_SEND_LIMIT": "0",
            "PYTHONWARNINGS": "ignore::DeprecationWarning",
            **env,
        },
    )
    stack.start()
    return Recipe(stack)
