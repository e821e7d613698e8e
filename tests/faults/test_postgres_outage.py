"""PostgreSQL stopped and started under a running server (issue 12, point 4): a real
`python wsgi.py` process on a PostgreSQL server of the test's own. While the database is away
`/healthz` answers 503, API requests the JSON envelope (503 `unavailable`), pages an error page,
each failure logged once; connected sockets stay up. Once PostgreSQL is back the same process
serves again (pooled connections PostgreSQL dropped are replaced: pool_pre_ping).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest
import requests

from tests.support import ROOT
from tests.support.http import api_token, text_of
from tests.support.instances import PostgresInstance
from tests.support.realtime import WAIT, ChatClient, browser_session
from tests.support.servers import ServerProcess

pytestmark = [pytest.mark.realtime, pytest.mark.timeout(240)]


def _flask(database_url: str, *command: str) -> None:
    """`flask --app wsgi …` against that database, as an operator runs it."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "THEBOT_ENV": "test",
        "SECRET_KEY": "test-secret-key",
        "PYTHONWARNINGS": "ignore",
    }
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.fixture(scope="module")
def outage(uploads_dir, tmp_path_factory):
    """A PostgreSQL of our own with the demo data, and a server process on it."""
    postgres = PostgresInstance()
    server = None
    try:
        url = postgres.create_database("thebot")
        _flask(url, "db", "upgrade")
        _flask(url, "demo", "load")
        server = ServerProcess(url, uploads_dir, tmp_path_factory.mktemp("outage") / "server.log")
        yield postgres, server
    finally:
        if server is not None:
            server.stop()
        postgres.close()


def _visible(answer: requests.Response) -> str:
    return text_of(SimpleNamespace(get_data=lambda as_text: answer.text))


def _log_since(server: ServerProcess, offset: int) -> str:
    return server.log_text()[offset:]


def _wait_healthy(url: str, timeout: float) -> requests.Response:
    deadline = time.monotonic() + timeout
    while True:
        answer = requests.get(f"{url}/healthz", timeout=WAIT)
        if answer.status_code == 200 or time.monotonic() > deadline:
            return answer
        time.sleep(0.2)


def test_postgresql_stopped_then_started_fails_cleanly_and_recovers(outage):
    postgres, server = outage
    url = server.url
    token = api_token("tutor", via=url)
    bearer = {"Authorization": f"Bearer {token}"}
    page = browser_session(url, "tutor")
    tutor = ChatClient(url, token=token)
    student = ChatClient(url, token=api_token("student", via=url))
    room = next(r["id"] for r in student.call("rooms")["rooms"] if r["kind"] == "tutor")
    tutor.join(room)
    student.join(room)
    dashboard = page.get(f"{url}/tutor/", timeout=WAIT)
    assert dashboard.status_code == 200
    tutor_name = requests.get(f"{url}/api/v1/me", headers=bearer, timeout=WAIT).json()["full_name"]
    assert tutor_name in _visible(dashboard)
    pid = server.proc.pid

    offset = len(server.log_text())
    postgres.stop()  # `fast`: the pooled connections are ended by the server

    for _ in range(3):  # a load balancer probing: every answer 503, the outage logged once
        health = requests.get(f"{url}/healthz", timeout=WAIT)
        assert health.status_code == 503 and health.json() == {"status": "unavailable"}
    me = requests.get(f"{url}/api/v1/me", headers=bearer, timeout=WAIT)
    assert me.status_code == 503
    assert me.json() == {
        "error": {"code": "unavailable", "message": "The service is unavailable right now."}
    }
    invoices = requests.get(f"{url}/api/v1/invoices", headers=bearer, timeout=WAIT)
    assert invoices.status_code == 503 and invoices.json()["error"]["code"] == "unavailable"
    down_page = page.get(f"{url}/tutor/", timeout=WAIT, allow_redirects=False)
    assert down_page.status_code == 503
    assert "text/html" in down_page.headers["Content-Type"]
    assert "Unavailable" in _visible(down_page)
    assert "The service is unavailable right now." in _visible(down_page)
    ack = tutor.call("send", {"room_id": room, "content": "while the database is away"})
    assert ack["ok"] is False and ack["error"]["code"] == "internal_error"
    assert tutor.sio.connected and student.sio.connected  # the sockets stay up

    during = _log_since(server, offset)
    assert during.count("health check: database does not answer") == 1
    assert during.count("database unavailable on GET /api/v1/me") == 1
    assert during.count("database unavailable on GET /api/v1/invoices") == 1
    assert during.count("database unavailable on GET /tutor/") == 1
    assert during.count("socket event on_send failed") == 1
    assert "unhandled error" not in during
    assert '" 500 ' not in during  # no answer was a 500 (the access log's status column)

    offset = len(server.log_text())
    postgres.start()

    health = _wait_healthy(url, timeout=10)
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    again = requests.get(f"{url}/api/v1/me", headers=bearer, timeout=WAIT)
    assert again.status_code == 200 and again.json()["username"] == "tutor"
    back = page.get(f"{url}/tutor/", timeout=WAIT)
    assert back.status_code == 200 and tutor_name in _visible(back)
    ack = tutor.call("send", {"room_id": room, "content": "back again", "client_id": "pg-back"})
    assert ack["ok"] is True
    heard = student.wait_for("message", lambda m: m["client_id"] == "pg-back")
    assert heard["content"] == "back again" and heard["id"] == ack["message"]["id"]
    assert server.proc.poll() is None and server.proc.pid == pid  # recovered without a restart
    after = _log_since(server, offset)
    assert after.count("health check: database answers again") == 1
    assert "database unavailable" not in after
    tutor.close()
    student.close()


def test_what_counts_as_the_database_being_unavailable():
    """503 for an outage (refused, dropped, locked, no free connection); a bug stays a 500."""
    import sqlite3

    import psycopg2
    from sqlalchemy import exc

    from thebot.web.errors import database_unavailable

    def wrapped(kind, orig, **kw):
        return kind("SELECT 1", {}, orig, **kw)

    assert database_unavailable(wrapped(exc.OperationalError, psycopg2.OperationalError("refused")))
    assert database_unavailable(wrapped(exc.InterfaceError, psycopg2.InterfaceError("closed")))
    assert database_unavailable(exc.TimeoutError("QueuePool limit reached"))
    assert database_unavailable(
        wrapped(exc.DBAPIError, Exception("gone"), connection_invalidated=True)
    )
    locked = sqlite3.OperationalError("database is locked")
    assert database_unavailable(wrapped(exc.OperationalError, locked))
    missing = sqlite3.OperationalError("no such table: users")
    assert not database_unavailable(wrapped(exc.OperationalError, missing))
    syntax = psycopg2.ProgrammingError("syntax error")
    assert not database_unavailable(wrapped(exc.ProgrammingError, syntax))
    assert not database_unavailable(ValueError("not the database"))
