"""Serving: wsgi.py patches for the configured async mode, the eventlet listener turns Nagle off on
every accepted socket, `/healthz` answers from a real server process (200, or 503 when the
database does not answer), server logs carry no secrets, and `make run` serves the demo."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.support import PASSWORD, ROOT
from tests.support.servers import ServerProcess, free_port


def get(url: str, headers: dict | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


# --- TCP_NODELAY ------------------------------------------------------------------------------


def test_no_delay_listener_sets_tcp_nodelay_on_accepted_sockets():
    from thebot.server import NoDelayListener

    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.bind(("127.0.0.1", 0))
    raw.listen(2)
    listener = NoDelayListener(raw)
    assert listener.getsockname() == raw.getsockname()  # everything else is the socket's own
    clients = [socket.create_connection(raw.getsockname()) for _ in range(2)]
    try:
        plain, _ = raw.accept()  # what eventlet's own accept gives: Nagle on
        wrapped, address = listener.accept()
        assert plain.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        assert wrapped.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        assert address[0] == "127.0.0.1"
        clients[1].sendall(b"ping")
        assert wrapped.recv(4) == b"ping"
        plain.close()
        wrapped.close()
    finally:
        for client in clients:
            client.close()
        raw.close()


# --- wsgi.py ----------------------------------------------------------------------------------

PROBE = (
    "import wsgi, eventlet.patcher, socket; "
    "print(wsgi.ASYNC_MODE, wsgi.app.config['ASYNC_MODE'], "
    "eventlet.patcher.is_monkey_patched('socket'), "
    "wsgi.app.extensions['socketio'].server.eio.async_mode)"
)


@pytest.mark.parametrize("mode,patched", [("eventlet", "True"), ("threading", "False")])
def test_wsgi_patches_for_the_configured_async_mode(tmp_path, mode, patched):
    env = {
        **os.environ,
        "ASYNC_MODE": mode,
        "THEBOT_ENV": "test",
        "SECRET_KEY": "x",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.db'}",
        "PYTHONWARNINGS": "ignore",
    }
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [mode, mode, patched, mode]
    assert "Traceback" not in result.stderr


# --- /healthz from real server processes ------------------------------------------------------


def test_healthz_answers_ok_from_the_live_server(live_server):
    status, body = get(f"{live_server.url}/healthz")
    assert status == 200 and json.loads(body) == {"status": "ok"}


class UnhealthyServer(ServerProcess):
    """A server whose database does not answer: ready once /healthz answers at all."""

    def _wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=5):
                    return
            except urllib.error.HTTPError as answer:
                answer.close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"server did not start: {self.log_path.read_text()[-3000:]}")


@pytest.fixture
def unhealthy_server(tmp_path, uploads_dir):
    nothing_listens = f"postgresql://postgres@127.0.0.1:{free_port()}/thebot"
    server = UnhealthyServer(nothing_listens, uploads_dir, tmp_path / "server.log")
    yield server
    server.stop()


def test_healthz_is_503_when_the_database_does_not_answer(unhealthy_server):
    status, body = get(f"{unhealthy_server.url}/healthz")
    assert status == 503 and json.loads(body) == {"status": "unavailable"}
    # the process keeps serving, and the failure is logged with its traceback
    assert get(f"{unhealthy_server.url}/healthz")[0] == 503
    log = unhealthy_server.log_text()
    assert "health check: database does not answer" in log
    assert "Traceback" in log and "OperationalError" in log


def test_server_logs_carry_no_tokens_or_passwords(live_server, demo):
    body = json.dumps({"login": "tutor", "password": PASSWORD}).encode()
    request = urllib.request.Request(
        f"{live_server.url}/api/v1/auth/login",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        token = json.loads(response.read())["token"]
    status, me = get(f"{live_server.url}/api/v1/me", {"Authorization": f"Bearer {token}"})
    assert status == 200 and json.loads(me)["username"] == "tutor"
    # secrets in a query string end up in the access log's request line
    assert get(f"{live_server.url}/healthz?token={token}&password={PASSWORD}")[0] == 200
    time.sleep(0.5)  # the access log line is written after the response
    log = live_server.log_text()
    assert "/healthz?token=[redacted]" in log
    assert token not in log and PASSWORD not in log


# --- make run -----------------------------------------------------------------------------------


@pytest.mark.realtime
def test_make_run_migrates_loads_the_demo_and_serves(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "THEBOT_ENV": "development",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}",
        "SECRET_KEY": "make-run-key",
        "PYTHONWARNINGS": "ignore::DeprecationWarning",
    }
    env.pop("SOCKETIO_MESSAGE_QUEUE", None)
    log_path = tmp_path / "make-run.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            ["make", "run"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 240
        status = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                status, _ = get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                time.sleep(0.5)
        assert status == 200, log_path.read_text()[-3000:]
        body = json.dumps({"login": "teacher2", "password": PASSWORD}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/auth/login",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert json.loads(response.read())["user"]["full_name"] == "Elena Volkova"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
