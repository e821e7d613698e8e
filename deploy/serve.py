"""THE BOT's production shape on one machine: migrations, several `python wsgi.py` processes on
one Redis, and nginx in front of them with sticky sessions (deploy/nginx/thebot.conf).

    python deploy/serve.py serve [--port 8080] [--app-ports 5001,5002] [--redis-url URL] [--demo]
        migrations, the app processes and one nginx on loopback, until Ctrl-C (`make serve`);
    python deploy/serve.py nginx-site --listen 80 --server-name thebot.example \\
            --upstream 127.0.0.1:5001 --upstream 127.0.0.1:5002 > /etc/nginx/sites-available/thebot
        the nginx site of a production machine, from the same template.

`Stack` is what both `make serve` and tests/deploy run. Settings come from the environment
(deploy/thebot.env.example lists them); the command line only names ports and Redis.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
SITE_TEMPLATE = ROOT / "deploy" / "nginx" / "thebot.conf"
STATIC_ROOT = ROOT / "thebot" / "static"
MIME_TYPES = Path("/etc/nginx/mime.types")
START_TIMEOUT = 30.0  # seconds a process may take to answer /healthz
STOP_TIMEOUT = 10.0  # seconds a process may take to stop before it is killed


def nginx_binary() -> str | None:
    """The nginx executable (Debian's package installs /usr/sbin/nginx, often not on PATH)."""
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None


def body_limit() -> int:
    """The app's request body limit (MAX_CONTENT_LENGTH), which nginx must match."""
    if str(ROOT) not in sys.path:  # run as a script from anywhere
        sys.path.insert(0, str(ROOT))
    from thebot.config import Config

    return int(Config.MAX_CONTENT_LENGTH)


def render_site(
    upstreams: Iterable[str],
    *,
    listen: str,
    server_name: str = "_",
    access_log: str = "/var/log/nginx/thebot.access.log",
    static_root: Path = STATIC_ROOT,
    fail_timeout: int = 10,
) -> str:
    """deploy/nginx/thebot.conf with its fields filled in."""
    servers = "\n".join(
        f"    server {address} max_fails=1 fail_timeout={fail_timeout}s;" for address in upstreams
    )
    if not servers:
        raise ValueError("at least one upstream process is needed")
    fields = {
        "UPSTREAM_SERVERS": servers,
        "LISTEN": listen,
        "SERVER_NAME": server_name,
        "ACCESS_LOG": access_log,
        "STATIC_ROOT": str(static_root).rstrip("/"),
        "CLIENT_MAX_BODY_SIZE": str(body_limit()),
    }
    text = SITE_TEMPLATE.read_text()
    for name, value in fields.items():
        text = text.replace("{{" + name + "}}", value)
    if re.search(r"\{\{[A-Z_]+\}\}", text):
        raise ValueError("the nginx template has a field render_site does not know")
    return text


def render_main(run_dir: Path, site: Path) -> str:
    """A whole nginx.conf for a private nginx (`nginx -p run_dir`): its pid, logs and temporary
    files in run_dir, running as the current user, with the site included."""
    user = "user root root;\n" if os.geteuid() == 0 else ""
    mime = f"include {MIME_TYPES};" if MIME_TYPES.exists() else "types { text/css css; }"
    temp = "\n".join(
        f"    {kind}_temp_path {run_dir / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user}worker_processes 1;
pid {run_dir / "nginx.pid"};
error_log {run_dir / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
    {mime}
    default_type application/octet-stream;
    sendfile on;
    tcp_nodelay on;
    server_tokens off;
{temp}
    include {site};
}}
"""


def wait_healthy(url: str, proc: subprocess.Popen, what: str, timeout: float = START_TIMEOUT):
    """Wait until `url` answers 200 while `proc` runs; RuntimeError otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:
                if answer.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not answer {url} within {timeout:.0f} s")


def _pump(stream: IO[bytes], prefix: str) -> None:
    """Copy a child's output to ours, each line prefixed with the child's name."""
    for line in iter(stream.readline, b""):
        sys.stdout.write(f"{prefix} {line.decode(errors='replace')}")
        sys.stdout.flush()


class Stack:
    """Migrations, app processes on `app_ports` and one nginx on `port`, all on loopback.

    `log_dir` None: every line of every process goes to our stdout, prefixed with its name;
    else each process writes `<log_dir>/<name>.log`. `env` overrides the environment of the app
    processes and the migration (THEBOT_ENV, SECRET_KEY, SOCKETIO_CHANNEL, …).
    """

    def __init__(
        self,
        run_dir: Path,
        *,
        port: int = 8080,
        app_ports: Iterable[int] = (5001, 5002),
        redis_url: str = "redis://127.0.0.1:6379/0",
        database_url: str | None = None,
        async_mode: str = "eventlet",
        env: Mapping[str, str] | None = None,
        log_dir: Path | None = None,
    ):
        self.run_dir = Path(run_dir).resolve()
        self.port = port
        self.app_ports = list(app_ports)
        self.redis_url = redis_url
        self.database_url = database_url
        self.async_mode = async_mode
        self.env = dict(env or {})
        self.log_dir = log_dir
        self.url = f"http://127.0.0.1:{port}"
        self.apps: dict[int, subprocess.Popen] = {}
        self.nginx: subprocess.Popen | None = None
        self._files: list[IO[bytes]] = []

    # --- pieces ---------------------------------------------------------------------------

    def app_env(self, port: int | None = None) -> dict[str, str]:
        """The environment of an app process (or, without a port, of the migration)."""
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.setdefault("BASE_URL", self.url)
        env.update(self.env)
        env.update(
            ASYNC_MODE=self.async_mode,
            SOCKETIO_MESSAGE_QUEUE=self.redis_url,
            TRUSTED_PROXIES="1",  # nginx, the one proxy in front
            HOST="127.0.0.1",
        )
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        if port is not None:
            env["PORT"] = str(port)
        return env

    def app_url(self, port: int) -> str:
        return f"http://127.0.0.1:{port}"

    def log_path(self, name: str) -> Path | None:
        return None if self.log_dir is None else Path(self.log_dir) / f"{name}.log"

    def _output(self, name: str):
        path = self.log_path(name)
        if path is None:
            return subprocess.PIPE
        handle = open(path, "ab")  # noqa: SIM115  (open for the process's lifetime)
        self._files.append(handle)
        return handle

    def _spawn(self, name: str, argv: list[str], env: Mapping[str, str]) -> subprocess.Popen:
        proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=dict(env),
            stdout=self._output(name),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches this script, which stops them in order
        )
        if proc.stdout is not None:
            threading.Thread(target=_pump, args=(proc.stdout, f"[{name}]"), daemon=True).start()
        return proc

    def flask(self, *args: str) -> None:
        """Run a `flask --app wsgi` command with the apps' settings; RuntimeError if it fails."""
        argv = [sys.executable, "-m", "flask", "--app", "wsgi", *args]
        done = subprocess.run(
            argv, cwd=ROOT, env=self.app_env(), capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}{done.stderr}")

    def migrate(self) -> None:
        """`flask db upgrade`: before any process serves, as on every deploy."""
        self.flask("db", "upgrade")

    def start_app(self, port: int) -> subprocess.Popen:
        """One `python wsgi.py` on this port, answering /healthz when this returns."""
        proc = self._spawn(f"app-{port}", [sys.executable, "wsgi.py"], self.app_env(port))
        self.apps[port] = proc
        try:
            wait_healthy(f"{self.app_url(port)}/healthz", proc, f"app process on port {port}")
        except RuntimeError as exc:
            path = self.log_path(f"app-{port}")
            tail = path.read_text(errors="replace")[-3000:] if path and path.exists() else ""
            raise RuntimeError(f"{exc}\n{tail}") from None
        return proc

    def kill_app(self, port: int) -> None:
        """SIGKILL one app process (a crash: no handler of it runs)."""
        proc = self.apps[port]
        proc.kill()
        proc.wait(STOP_TIMEOUT)

    def write_nginx_config(self) -> Path:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        site = self.run_dir / "thebot.conf"
        site.write_text(
            render_site(
                [f"127.0.0.1:{port}" for port in self.app_ports],
                listen=f"127.0.0.1:{self.port}",
                server_name="127.0.0.1 localhost",
                access_log=str(self.run_dir / "access.log"),
                fail_timeout=2,
            )
        )
        main = self.run_dir / "nginx.conf"
        main.write_text(render_main(self.run_dir, site))
        return main

    def start_nginx(self) -> subprocess.Popen:
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError("nginx is not installed (Debian: apt-get install nginx)")
        conf = self.write_nginx_config()
        argv = [binary, "-p", str(self.run_dir), "-c", str(conf), "-e", "error.log"]
        checked = subprocess.run([*argv, "-t"], capture_output=True, text=True, check=False)
        if checked.returncode != 0:
            raise RuntimeError(f"nginx refused its configuration:\n{checked.stderr}")
        self.nginx = self._spawn("nginx", [*argv, "-g", "daemon off;"], os.environ)
        wait_healthy(f"{self.url}/healthz", self.nginx, "nginx")
        return self.nginx

    # --- the whole ------------------------------------------------------------------------

    def start(self, *, demo: bool = False) -> Stack:
        """Migrate, start the app processes, then nginx; stops what started if one fails."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        try:
            self.migrate()
            if demo:
                self.flask("demo", "load", "--if-empty")
            for port in self.app_ports:
                self.start_app(port)
            self.start_nginx()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """nginx first (its fast shutdown: long-polling requests would hold a graceful one),
        then the app processes."""
        if self.nginx is not None:
            _stop(self.nginx, signal.SIGTERM)
            self.nginx = None
        for proc in self.apps.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.apps.values():
            _stop(proc, signal.SIGTERM)
        self.apps.clear()
        for handle in self._files:
            handle.close()
        self._files.clear()

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def watch(self) -> None:
        """Until nginx exits: say so once when an app process dies (nginx sends its clients to
        the others)."""
        reported: set[int] = set()
        while self.nginx is not None and self.nginx.poll() is None:
            for port, proc in self.apps.items():
                if proc.poll() is not None and port not in reported:
                    reported.add(port)
                    print(f"[serve] app process on port {port} exited ({proc.returncode})")
            time.sleep(0.5)
        print("[serve] nginx exited")


def _stop(proc: subprocess.Popen, sig: int) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        proc.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(STOP_TIMEOUT)


# --- command line -------------------------------------------------------------------------


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")).geturl()


def _default_redis() -> str:
    configured = os.environ.get("REDIS_URL") or os.environ.get("SOCKETIO_MESSAGE_QUEUE")
    return configured or f"redis://127.0.0.1:6379/{os.environ.get('REDIS_DB', '0')}"


def _ports(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="migrations, app processes and nginx on loopback")
    serve.add_argument("--port", type=int, default=int(os.environ.get("SERVE_PORT", "8080")))
    serve.add_argument("--app-ports", type=_ports, default=_ports("5001,5002"))
    serve.add_argument("--redis-url", default=_default_redis())
    serve.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or None)
    serve.add_argument("--async-mode", default=os.environ.get("ASYNC_MODE", "eventlet"))
    serve.add_argument("--run-dir", type=Path, default=ROOT / "instance" / "run")
    serve.add_argument("--demo", action="store_true", help="load the demo data into an empty db")
    site = commands.add_parser("nginx-site", help="print the nginx site of a production machine")
    site.add_argument("--listen", default="80")
    site.add_argument("--server-name", default="_")
    site.add_argument("--upstream", action="append", required=True, help="host:port, repeated")
    site.add_argument("--access-log", default="/var/log/nginx/thebot.access.log")
    site.add_argument("--static-root", type=Path, default=STATIC_ROOT)
    args = parser.parse_args(argv)

    if args.command == "nginx-site":
        print(
            render_site(
                args.upstream,
                listen=args.listen,
                server_name=args.server_name,
                access_log=args.access_log,
                static_root=args.static_root,
            ),
            end="",
        )
        return 0

    stack = Stack(
        args.run_dir,
        port=args.port,
        app_ports=args.app_ports,
        redis_url=args.redis_url,
        database_url=args.database_url,
        async_mode=args.async_mode,
    )
    signal.signal(signal.SIGTERM, _interrupt)  # stops the stack like Ctrl-C does
    try:
        stack.start(demo=args.demo)
        print(
            f"[serve] {stack.url} (nginx) -> app processes on ports "
            f"{', '.join(map(str, stack.app_ports))}, "
            f"Socket.IO queue {_without_password(args.redis_url)}; "
            f"nginx logs in {stack.run_dir}. Ctrl-C stops."
        )
        stack.watch()
    except KeyboardInterrupt:
        print("[serve] stopping")
    except RuntimeError as exc:
        print(f"[serve] {exc}", file=sys.stderr)
        return 1
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
