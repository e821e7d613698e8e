"""Shared fixtures: an app whose schema is built from the migrations (SQLite, or PostgreSQL when
TEST_DATABASE_URL names one), a clean database for every test, HTTP clients that carry CSRF
tokens like a browser, a real server process, and real Chromium.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI") == "true"
PASSWORD = "demo-pass-1"


def need(condition: bool, what: str) -> None:
    """Skip when a service is not configured here; in CI a missing service is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI must provide {what}")
    pytest.skip(f"{what} is not configured")


# --- database ---------------------------------------------------------------------------------

def _postgres_admin(url):
    import psycopg2
    from sqlalchemy.engine import make_url

    base = make_url(url)
    admin = psycopg2.connect(base.set(database="postgres").render_as_string(hide_password=False)
                             .replace("postgresql+psycopg2://", "postgresql://"))
    admin.autocommit = True
    return base, admin


def _fresh_postgres(url: str, suffix: str = "") -> str:
    """Create an empty database next to the one named (dropped first if it exists)."""
    base, admin = _postgres_admin(url)
    name = f"{base.database or 'thebot'}{suffix}_{os.getpid()}"
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    return base.set(database=name).render_as_string(hide_password=False)


def _drop_postgres(url: str) -> None:
    base, admin = _postgres_admin(url)
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{base.database}" WITH (FORCE)')
    admin.close()


def configured_postgres_url() -> str:
    """The PostgreSQL server the suite may use (TEST_POSTGRES_URL or TEST_DATABASE_URL), or ""."""
    for name in ("TEST_POSTGRES_URL", "TEST_DATABASE_URL"):
        url = os.environ.get(name, "").strip()
        if url.startswith("postgres"):
            return url
    return ""


@contextlib.contextmanager
def scratch_postgres(suffix: str):
    """An empty PostgreSQL database of its own for one test or module, dropped afterwards."""
    url = configured_postgres_url()
    need(bool(url), "PostgreSQL (TEST_POSTGRES_URL)")
    fresh = _fresh_postgres(url, suffix)
    try:
        yield fresh
    finally:
        _drop_postgres(fresh)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'thebot.db'}"
        return
    fresh = _fresh_postgres(url)
    yield fresh
    _drop_postgres(fresh)


@pytest.fixture(scope="session")
def uploads_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("uploads")


@pytest.fixture(scope="session")
def app_config(database_url, uploads_dir) -> dict:
    return {"SQLALCHEMY_DATABASE_URI": database_url, "ASYNC_MODE": "threading",
            "SECRET_KEY": "test-secret-key", "UPLOAD_DIR": str(uploads_dir),
            "SOCKETIO_MESSAGE_QUEUE": None}


@pytest.fixture(scope="session")
def service_app(app_config):
    """The app instance tests call services in (see `ctx`), with the schema migrated."""
    os.environ.setdefault("THEBOT_ENV", "test")
    from flask_migrate import upgrade

    from thebot import create_app
    application = create_app(app_config)
    with application.app_context():
        upgrade()
    return application


@pytest.fixture(scope="session")
def app(service_app, app_config):
    """The app instance HTTP test clients talk to.

    It is a second instance on purpose: Flask reuses an already pushed app context of the same
    app for a request, and with it `g`, so the service context of a test would leak into every
    request the test makes.
    """
    from thebot import create_app
    return create_app(app_config)


@pytest.fixture(autouse=True)
def _clean_state(request):
    """Every test starts with empty tables and fresh rate limits."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    from thebot.extensions import db, limiter
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            existing = set(sqlalchemy.inspect(conn).get_table_names())
            for table in reversed(db.metadata.sorted_tables):
                if table.name in existing:
                    conn.execute(table.delete())
        limiter.reset()


@pytest.fixture
def ctx(service_app, app):
    """A request context for calling services directly, as the CLI does."""
    from thebot.extensions import db
    with service_app.test_request_context():
        yield service_app
        db.session.remove()


# --- building data through the services -------------------------------------------------------

@pytest.fixture
def make_user(ctx):
    """make_user(role, username=None, **fields) -> User, through accounts.create_user."""
    from thebot.services import accounts

    def make(role: str, username: str | None = None, **fields):
        username = username or f"{role}-{uuid.uuid4().hex[:8]}"
        fields.setdefault("full_name", username.replace("-", " ").title())
        fields.setdefault("password", PASSWORD)
        return accounts.create_user(None, role=role, username=username, **fields)
    return make


# The demo data as the loader left it, table by table: built through the services once per test
# session, then copied back for every test that asks for it (a load is ~1,800 statements).
_demo_rows: dict[str, list[dict]] = {}


def _restore_demo_rows() -> None:
    from thebot.extensions import db
    with db.engine.begin() as conn:
        for table in db.metadata.sorted_tables:
            if _demo_rows.get(table.name):
                conn.execute(table.insert(), _demo_rows[table.name])


def _take_demo_rows() -> None:
    from thebot.extensions import db
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            _demo_rows[table.name] = [dict(r) for r in conn.execute(table.select()).mappings()]


@pytest.fixture
def demo(ctx):
    """The demo data of contract.md, loaded through the demo loader; users by username."""
    from sqlalchemy import select

    from thebot import demo as demo_module
    from thebot.extensions import db
    from thebot.models import User
    if _demo_rows:
        _restore_demo_rows()  # ids stay below every sequence: they were taken before
    else:
        demo_module.load()
        _take_demo_rows()

    class Demo(dict):
        def __getattr__(self, name):
            return self[name]
    users = db.session.scalars(select(User)).all()
    return Demo({u.username: u for u in users})


# --- HTTP clients -----------------------------------------------------------------------------

CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')


class WebClient:
    """A test client that behaves like a browser: it reads the CSRF token from pages."""

    def __init__(self, flask_client):
        self.http = flask_client
        self._csrf = None

    def csrf(self) -> str:
        page = self.http.get("/auth/login", follow_redirects=True)
        match = CSRF_RE.search(page.get_data(as_text=True))
        assert match, "pages must carry the CSRF meta tag"
        self._csrf = match.group(1)
        return self._csrf

    def get(self, path, **kw):
        return self.http.get(path, **kw)

    def post(self, path, data=None, *, csrf=True, **kw):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self._csrf or self.csrf())
        return self.http.post(path, data=data, **kw)

    def login(self, username: str, password: str = PASSWORD):
        self._csrf = None
        response = self.post("/auth/login", {"login": username, "password": password})
        self._csrf = None  # the session was renewed
        return response

    def logout(self):
        response = self.post("/auth/logout")
        self._csrf = None
        return response

    def api(self, method: str, path: str, json=None, token: str | None = None, csrf=False, **kw):
        headers = kw.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if csrf:
            headers["X-CSRFToken"] = self._csrf or self.csrf()
        return self.http.open(path, method=method, json=json, headers=headers, **kw)


@pytest.fixture
def web(app):
    return WebClient(app.test_client())


@pytest.fixture
def web_factory(app):
    return lambda: WebClient(app.test_client())


def text_of(response) -> str:
    """The visible text of an HTML answer, whitespace folded (for asserting on contents)."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


# --- a real server process --------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """`python wsgi.py` in a subprocess, as `make run` serves it."""

    def __init__(self, database_url: str, uploads: Path, log_path: Path, **env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        environment = {**os.environ, "THEBOT_ENV": "test", "DATABASE_URL": database_url,
                       "PORT": str(self.port), "HOST": "127.0.0.1", "SECRET_KEY": "test-secret-key",
                       "UPLOAD_DIR": str(uploads), "ASYNC_MODE": "eventlet",
                       "PYTHONWARNINGS": "ignore::DeprecationWarning"}
        environment.update({k: str(v) for k, v in env.items() if v is not None})
        for key, value in env.items():
            if value is None:
                environment.pop(key, None)
        self._log = open(log_path, "ab")
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "wsgi.py")], cwd=ROOT,
                                     env=environment, stdout=self._log, stderr=subprocess.STDOUT)
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
    url = os.environ.get("TEST_REDIS_URL", "").strip()
    need(bool(url), "Redis (TEST_REDIS_URL)")
    return url


# --- real Chromium ----------------------------------------------------------------------------

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def chromium():
    need(shutil.which(CHROMIUM) is not None or Path(CHROMIUM).exists(), f"Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium, live_server, request):
    """new_page(locale='en') -> a page in a fresh browser context pointed at the live server."""
    contexts = []

    def make(locale: str = "en", viewport=None):
        context = chromium.new_context(base_url=live_server.url, locale=locale,
                                       viewport=viewport or {"width": 1200, "height": 800})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()
    yield make
    for context in contexts:
        context.close()


def browser_login(page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login form like a person."""
    page.goto("/auth/login")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", password)
    page.click("form[action='/auth/login'] button[type=submit]")
    page.wait_for_load_state("networkidle")
