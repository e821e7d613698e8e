"""PostgreSQL and Redis servers of a test's own, on free ports, to stop and start at will (the
fault tests, tests/faults/): never the machine's shared ones, which other runs use.

- `PostgresInstance`: initdb in a temporary directory (trust auth, the unix socket there too,
  listening on 127.0.0.1 only), `pg_ctl` start/stop; run as the `postgres` user when the suite
  runs as root (CI does), since PostgreSQL refuses to run as root.
- `RedisInstance`: `redis-server --port N --save '' --appendonly no`.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.support import need
from tests.support.servers import free_port

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


class PostgresInstance:
    """A PostgreSQL server in a temporary directory; started on creation."""

    def __init__(self) -> None:
        need((PG_BIN / "initdb").exists(), f"PostgreSQL server binaries ({PG_BIN})")
        self.root = Path(tempfile.mkdtemp(prefix="thebot-pg-"))
        self.data = self.root / "data"
        self.log_path = self.root / "postgres.log"
        self.port = free_port()
        self._as: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
            self._as = [shutil.which("runuser") or "/usr/sbin/runuser", "-u", "postgres", "--"]
        self._run(
            "initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "-E", "UTF8",
            "--locale=C", "--no-sync",
        )  # fmt: skip
        self.start()

    def _run(self, tool: str, *args) -> None:
        result = subprocess.run(
            [*self._as, str(PG_BIN / tool), *map(str, args)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{tool} failed: {result.stdout}{result.stderr}")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off -c synchronous_commit=off"
        )
        self._run("pg_ctl", "-D", self.data, "-l", self.log_path, "-o", options, "-w", "-t", "30",
                  "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (`fast`: every session is ended, as a restart does)."""
        self._run("pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "30", "stop")

    def create_database(self, name: str) -> str:
        import psycopg2

        admin = psycopg2.connect(self.url())
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        admin.close()
        return self.url(name)

    def close(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


class RedisInstance:
    """A Redis server without persistence on a free port; started on creation."""

    def __init__(self) -> None:
        need(shutil.which("redis-server") is not None, "redis-server")
        self.root = Path(tempfile.mkdtemp(prefix="thebot-redis-"))
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        with open(self.root / "redis.log", "ab") as log:
            self.proc = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                 "--save", "", "--appendonly", "no", "--dir", str(self.root)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + 10
        while not self.answers():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start: {self.log_text()}")
            time.sleep(0.05)

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None

    def log_text(self) -> str:
        return (self.root / "redis.log").read_text(errors="replace")

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
