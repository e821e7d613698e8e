"""What the benchmarks share: server subprocesses on free loopback ports, scratch databases
(SQLite files, PostgreSQL databases created and dropped), the app's environment, percentiles,
and which async modes and services this machine has.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "demo-pass-1"  # every demo account's password
WAIT = 60  # the longest any single step may take, in seconds
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def rss_kib(pid: int) -> int:
    """The resident set size of a process, in KiB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


class Server:
    """A server subprocess on a free loopback port (PORT and HOST in its environment; the port
    also appended to the command when `port_arg`), ready once /healthz answers; stop() ends it.
    """

    def __init__(self, name: str, command: list[str], env: dict, log: Path, port_arg=False):
        self.name, self.port, self.log_path = name, free_port(), log
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = open(log, "ab")  # noqa: SIM115  (the server's output for its whole life)
        environment = {**os.environ, **env, "PORT": str(self.port), "HOST": "127.0.0.1"}
        self.proc = subprocess.Popen(
            [*command, str(self.port)] if port_arg else command,
            cwd=ROOT,
            env=environment,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self._log.close()
                raise RuntimeError(f"{name} exited: {self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{name} did not start: {self.log_tail()}")

    def log_tail(self, size: int = 2000) -> str:
        return self.log_path.read_text(errors="replace")[-size:]

    def rss_kib(self) -> int:
        return rss_kib(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if not self._log.closed:
            self._log.close()


def mode_unavailable(mode: str) -> str | None:
    """Why this async mode cannot run here (a missing package), or None."""
    needs = {"eventlet": ["eventlet"], "gevent": ["gevent", "geventwebsocket"], "threading": []}
    missing = [m for m in needs[mode] if importlib.util.find_spec(m) is None]
    if missing:
        return f"{', '.join(missing)} not installed (pip install -e '.[gevent]')"
    return None


def postgres_unavailable() -> str | None:
    try:
        import psycopg2

        psycopg2.connect(POSTGRES_URL, connect_timeout=3).close()
    except Exception as exc:  # any reason the server cannot be reached is the answer
        return f"PostgreSQL at {POSTGRES_URL} unreachable ({type(exc).__name__})"
    return None


def redis_unavailable() -> str | None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_timeout=3).ping()
    except Exception as exc:  # any reason the server cannot be reached is the answer
        return f"Redis at {REDIS_URL} unreachable ({type(exc).__name__})"
    return None


@contextlib.contextmanager
def scratch_postgres() -> Iterator[str]:
    """A fresh PostgreSQL database on the machine's server, dropped afterwards."""
    import psycopg2

    name = f"thebot_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = psycopg2.connect(POSTGRES_URL, connect_timeout=5)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def app_environment(database_url: str, workdir: Path, **extra) -> dict:
    """The environment of our server (`python wsgi.py`) for a benchmark: no send limit, quiet
    logs, no message queue unless given."""
    env = {
        "DATABASE_URL": database_url,
        "THEBOT_ENV": "development",
        "SECRET_KEY": "bench-secret",
        "UPLOAD_DIR": str(workdir / "uploads"),
        "ASYNC_MODE": "eventlet",
        "CHAT_SEND_LIMIT": "0",
        "SOCKET_PRESENCE_LIMIT": "1000000 per 10 seconds",
        "LOGIN_LIMIT_PER_IP": "100000 per minute",
        "LOGIN_LIMIT_PER_ACCOUNT": "100000 per minute",
        "LOG_LEVEL": "WARNING",
        "PYTHONWARNINGS": "ignore",
        "SOCKETIO_MESSAGE_QUEUE": "",
        "SOCKETIO_CHANNEL": f"thebot-bench-{os.getpid()}",
        "BILLING_OVERDUE_INTERVAL_SECONDS": "86400",
    }
    env.update({k: str(v) for k, v in extra.items()})
    return env


def prepare_database(database_url: str, workdir: Path) -> None:
    """Migrate a fresh database and load the demo data, as `make run` does."""
    env = {**os.environ, **app_environment(database_url, workdir)}
    for args in (["db", "upgrade"], ["demo", "load"]):
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=WAIT * 3,
        )


def our_server(name: str, database_url: str, workdir: Path, **env) -> Server:
    return Server(
        name,
        [sys.executable, "wsgi.py"],
        app_environment(database_url, workdir, **env),
        workdir / f"{name}.log",
    )


def login(url: str, username: str) -> str:
    """A bearer token of a demo account."""
    answer = requests.post(
        f"{url}/api/v1/auth/login", timeout=WAIT, json={"login": username, "password": PASSWORD}
    )
    answer.raise_for_status()
    return answer.json()["token"]


@contextlib.contextmanager
def database(kind: str, workdir: Path) -> Iterator[str]:
    """A migrated database with the demo data: "sqlite" (a file in `workdir`) or "postgres" (a
    scratch database, dropped afterwards)."""
    if kind == "sqlite":
        url = f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:6]}.db'}"
        prepare_database(url, workdir)
        yield url
        return
    with scratch_postgres() as url:
        prepare_database(url, workdir)
        yield url
