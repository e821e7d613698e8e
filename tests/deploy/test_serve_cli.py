"""`make serve`'s command, `deploy/serve.py serve`, as a terminal runs it: it migrates, starts two
app processes and nginx, serves through nginx, and Ctrl-C (SIGINT) stops every one of them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid

import pytest
import requests

from deploy.serve import ROOT, nginx_binary
from tests.support import need
from tests.support.servers import free_port

pytestmark = [pytest.mark.realtime, pytest.mark.timeout(120)]


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_serve_runs_the_recipe_and_ctrl_c_stops_it(app, database_url, redis_url, tmp_path):
    need(nginx_binary() is not None, "nginx (Debian package nginx)")
    port, apps = free_port(), (free_port(), free_port())
    own = f"thebot-cli-{uuid.uuid4().hex[:10]}"
    env = {
        **os.environ,
        "THEBOT_ENV": "test",
        "SECRET_KEY": "test-secret-key",
        "DATABASE_URL": database_url,
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "SOCKETIO_CHANNEL": own,
        "RATELIMIT_KEY_PREFIX": own,
    }
    run_dir = tmp_path / "run"
    argv = [
        sys.executable,
        str(ROOT / "deploy" / "serve.py"),
        "serve",
        "--port",
        str(port),
        "--app-ports",
        ",".join(map(str, apps)),
        "--redis-url",
        redis_url,
        "--run-dir",
        str(run_dir),
    ]
    out_path = tmp_path / "serve.out"
    with open(out_path, "wb") as out:
        serve = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while "Ctrl-C stops" not in out_path.read_text() and time.monotonic() < deadline:
                assert serve.poll() is None, out_path.read_text()
                time.sleep(0.2)
            assert "Ctrl-C stops" in out_path.read_text(), out_path.read_text()
            page = requests.get(f"http://127.0.0.1:{port}/auth/login", timeout=10)
            assert page.status_code == 200 and 'name="csrf-token"' in page.text
            nginx_pid = int((run_dir / "nginx.pid").read_text())
            assert all(_listening(p) for p in (port, *apps))
            # Each process's lines come out prefixed with its name.
            text = out_path.read_text()
            for app_port in apps:
                assert f"[app-{app_port}] " in text
                assert f"serving on http://127.0.0.1:{app_port}" in text
        finally:
            serve.send_signal(signal.SIGINT)  # Ctrl-C
            code = serve.wait(30)
    assert code == 0, out_path.read_text()
    assert "[serve] stopping" in out_path.read_text()
    assert not _pid_alive(nginx_pid)
    assert not any(_listening(p) for p in (port, *apps))
