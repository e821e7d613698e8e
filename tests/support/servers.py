"""Real server processes: `python wsgi.py` as `make run` serves it, on a free port, against the
session's database (so every xdist worker has servers of its own), and the Redis they may share.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.support import ROOT, need


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


RUN_CHANNEL = f"thebot-test-{uuid.uuid4().hex[:12]}"


class ServerProcess:
    """`python wsgi.py` in a subprocess, as `make run` serves it."""

    def __init__(self, database_url: str, uploads: Path, log_path: Path, **env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        environment = {
            **os.environ,
            "THEBOT_ENV": "test",
            "DATABASE_URL": database_url,
            "PORT": str(self.port),
            "HOST": "127.0.0.1",
            "SECRET_KEY": "test-secret-key",
            "UPLOAD_DIR": str(uploads),
            "ASYNC_MODE": "eventlet",
            "PYTHONWARNINGS": "ignore::DeprecationWarning",
            "BASE_URL": self.url,  # its own address (payment checkout and return)
            # Pub/sub knows no db index: this run's servers talk on a channel of their own, so
            # nothing another run (or a lingering process) publishes on Redis reaches them; their
            # rate-limit counters on Redis are theirs too.
            "SOCKETIO_CHANNEL": RUN_CHANNEL,
            "RATELIMIT_KEY_PREFIX": RUN_CHANNEL,
        }
        environment.update({k: str(v) for k, v in env.items() if v is not None})
        for key, value in env.items():
            if value is None:
                environment.pop(key, None)
        self._log = open(log_path, "ab")  # noqa: SIM115  (open for the process's lifetime)
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "wsgi.py")],
            cwd=ROOT,
            env=environment,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 30) -> None:
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"server did not start: {self.log_path.read_text()[-3000:]}")

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log.close()


@pytest.fixture(scope="session")
def start_server(app, database_url, uploads_dir, tmp_path_factory):
    """start_server(**env) -> a running ServerProcess (stopped at the end of the session)."""
    servers = []

    def start(**env) -> ServerProcess:
        log_path = tmp_path_factory.mktemp("server") / "server.log"
        server = ServerProcess(database_url, uploads_dir, log_path, **env)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def live_server(start_server):
    """One shared server process for browser and socket tests."""
    return start_server()


@pytest.fixture(scope="session")
def redis_url() -> str:
    """TEST_REDIS_URL. Socket.IO's Redis channel is one for the whole Redis server (pub/sub
    knows no databases), so tests using this run on one xdist worker (see tests/conftest.py)."""
    url = os.environ.get("TEST_REDIS_URL", "").strip()
    need(bool(url), "Redis (TEST_REDIS_URL)")
    return url
