"""The database never stalls the event loop (issue 12, point 2): in a real `python wsgi.py`
process (eventlet, and gevent where the extra is installed) on PostgreSQL, one request waits in
the database — the test's own connection holds `LOCK TABLE invoices IN ACCESS EXCLUSIVE MODE`,
so a parent's invoice list waits for the lock, visibly in pg_stat_activity — while other
clients' requests and Socket.IO acks keep answering within a bound. Without a green wait
callback for psycopg2 (psycogreen, set in wsgi.py) the first of them waits for the lock too:
psycopg2 blocks the whole process in libpq. The pool follows DB_POOL_*.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import psycopg2
import pytest
import requests
from sqlalchemy.engine import make_url

from tests.support import ROOT
from tests.support.app import only_on_postgres
from tests.support.http import api_token
from tests.support.realtime import WAIT, subject_room

pytestmark = pytest.mark.realtime

LOCK_HELD = 8.0  # seconds the lock is held at most (released earlier once the probes are done)
BOUND = 2.0  # seconds any other client's answer may take meanwhile (a stalled loop takes 8)
PROBE_ROUNDS = 5


def _psycopg2_dsn(url: str) -> str:
    return (
        make_url(url)
        .render_as_string(hide_password=False)
        .replace("postgresql+psycopg2://", "postgresql://")
    )


def _waiting_for_lock(conn, table: str) -> list[str]:
    """The queries of other backends that wait for a lock and name the table."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT query FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND pid <> pg_backend_pid() AND query ILIKE %s",
            (f"%{table}%",),
        )
        return [row[0] for row in cur.fetchall()]


def _timed(call):
    started = time.monotonic()
    result = call()
    return time.monotonic() - started, result


@pytest.fixture(params=["eventlet", "gevent"])
def green_server(request, app, live_server, start_server):
    """A server process in each green async mode (gevent needs the `[gevent]` extra)."""
    only_on_postgres(app)
    if request.param == "eventlet":
        return live_server
    pytest.importorskip("gevent", reason="the [gevent] extra is not installed")
    pytest.importorskip("geventwebsocket", reason="the [gevent] extra is not installed")
    return start_server(ASYNC_MODE="gevent")


def test_a_request_waiting_in_postgresql_does_not_stall_other_clients(
    green_server, database_url, demo, connect
):
    url = green_server.url
    parent = {"Authorization": f"Bearer {api_token(demo.parent)}"}
    student = {"Authorization": f"Bearer {api_token(demo.student)}"}
    room = subject_room(demo.student, "Maths")
    chat = connect(token=api_token(demo.student), server=green_server)
    chat.join(room)
    # Every path below has run once: nothing left to warm up while the lock is held.
    before = requests.get(f"{url}/api/v1/invoices", headers=parent, timeout=WAIT)
    expected_ids = sorted(i["id"] for i in before.json()["invoices"])
    assert before.status_code == 200 and expected_ids, "the demo parent sees invoices"
    assert requests.get(f"{url}/api/v1/me", headers=student, timeout=WAIT).ok

    locker = psycopg2.connect(_psycopg2_dsn(database_url))
    watcher = psycopg2.connect(_psycopg2_dsn(database_url))
    watcher.autocommit = True
    release = threading.Timer(LOCK_HELD, locker.rollback)
    blocked: dict = {}

    def slow_request():
        blocked["answer"] = requests.get(f"{url}/api/v1/invoices", headers=parent, timeout=30)
        blocked["at"] = time.monotonic()

    slow = threading.Thread(target=slow_request)
    try:
        with locker.cursor() as cur:
            cur.execute("LOCK TABLE invoices IN ACCESS EXCLUSIVE MODE")
        release.start()
        slow.start()
        deadline = time.monotonic() + WAIT
        while not _waiting_for_lock(watcher, "invoices") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _waiting_for_lock(watcher, "invoices"), "the invoice list waits in PostgreSQL"

        timings = []
        for i in range(PROBE_ROUNDS):
            took, health = _timed(lambda: requests.get(f"{url}/healthz", timeout=30))
            timings.append(("healthz", took))
            assert health.status_code == 200 and health.json() == {"status": "ok"}
            took, me = _timed(lambda: requests.get(f"{url}/api/v1/me", headers=student, timeout=30))
            timings.append(("GET /api/v1/me", took))
            assert me.status_code == 200 and me.json()["username"] == "student"
            took, ack = _timed(
                lambda i=i: chat.call(
                    "send", {"room_id": room, "content": f"still here {i}", "client_id": f"nb-{i}"}
                )
            )
            timings.append(("socket send ack", took))
            assert ack["ok"] is True and ack["message"]["content"] == f"still here {i}"
            took, history = _timed(lambda: chat.call("history", {"room_id": room, "limit": 1}))
            timings.append(("socket history ack", took))
            assert [m["client_id"] for m in history["messages"]] == [f"nb-{i}"]
        still_waiting = slow.is_alive() and bool(_waiting_for_lock(watcher, "invoices"))
        released_at = time.monotonic()
        locker.rollback()  # release the lock: the waiting request goes on
        slow.join(WAIT)
    finally:
        release.cancel()
        locker.close()
        watcher.close()

    slowest = max(timings, key=lambda t: t[1])
    assert slowest[1] < BOUND, f"answers stalled while a request waited in the database: {timings}"
    assert still_waiting, "the invoice list waited for the lock all along"
    answer = blocked["answer"]
    assert answer.status_code == 200 and blocked["at"] >= released_at
    assert sorted(i["id"] for i in answer.json()["invoices"]) == expected_ids


def test_the_pool_is_sized_from_the_settings_and_a_full_pool_answers_503(
    app, start_server, database_url, demo
):
    """DB_POOL_* reach the engine: with one connection, held by a request waiting on a lock,
    the next request waits DB_POOL_TIMEOUT for one and answers 503 `unavailable`; once the lock
    goes both kinds of request are served again."""
    only_on_postgres(app)
    server = start_server(DB_POOL_SIZE=1, DB_MAX_OVERFLOW=0, DB_POOL_TIMEOUT=1)
    parent = {"Authorization": f"Bearer {api_token(demo.parent)}"}
    student = {"Authorization": f"Bearer {api_token(demo.student)}"}
    assert requests.get(f"{server.url}/api/v1/invoices", headers=parent, timeout=WAIT).ok
    locker = psycopg2.connect(_psycopg2_dsn(database_url))
    watcher = psycopg2.connect(_psycopg2_dsn(database_url))
    watcher.autocommit = True
    blocked: dict = {}

    def slow_request():
        blocked["answer"] = requests.get(
            f"{server.url}/api/v1/invoices", headers=parent, timeout=30
        )

    slow = threading.Thread(target=slow_request)
    try:
        with locker.cursor() as cur:
            cur.execute("LOCK TABLE invoices IN ACCESS EXCLUSIVE MODE")
        slow.start()
        deadline = time.monotonic() + WAIT
        while not _waiting_for_lock(watcher, "invoices") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _waiting_for_lock(watcher, "invoices"), "the one connection waits on the lock"
        took, me = _timed(
            lambda: requests.get(f"{server.url}/api/v1/me", headers=student, timeout=WAIT)
        )
    finally:
        locker.rollback()
        slow.join(WAIT)
        locker.close()
        watcher.close()
    assert me.status_code == 503 and me.json()["error"]["code"] == "unavailable"
    assert 1.0 <= took < 1.0 + BOUND  # DB_POOL_TIMEOUT, not SQLAlchemy's default 30 s
    assert "database unavailable on GET /api/v1/me" in server.log_text()
    assert blocked["answer"].status_code == 200
    again = requests.get(f"{server.url}/api/v1/me", headers=student, timeout=WAIT)
    assert again.status_code == 200 and again.json()["username"] == "student"


PROBE = (
    "import wsgi, psycopg2.extensions, psycogreen.eventlet; "
    "print(psycopg2.extensions.get_wait_callback() is psycogreen.eventlet.eventlet_wait_callback)"
)


def test_wsgi_installs_the_green_wait_callback_under_eventlet(tmp_path):
    """The patch itself, on any database: serving under eventlet sets psycogreen's callback."""
    env = {
        **os.environ,
        "ASYNC_MODE": "eventlet",
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
    assert result.stdout.split() == ["True"]
