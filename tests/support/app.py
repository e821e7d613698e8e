"""The app under test: its schema built from the migrations (SQLite, or PostgreSQL when
TEST_DATABASE_URL names one; one database per xdist worker), a clean database for every test,
a request context for calling services, users and the demo data built through the services, and
a counter of the SQL statements a block runs.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path

import pytest
import sqlalchemy
from flask.testing import FlaskClient
from sqlalchemy import event

from tests.support import PASSWORD, need
from tests.support.answers import check_answer

# --- database ---------------------------------------------------------------------------------


def _postgres_admin(url):
    import psycopg2
    from sqlalchemy.engine import make_url

    base = make_url(url)
    admin = psycopg2.connect(
        base.set(database="postgres")
        .render_as_string(hide_password=False)
        .replace("postgresql+psycopg2://", "postgresql://")
    )
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


def only_on_postgres(app) -> None:
    """For a test of PostgreSQL behaviour (row locks, concurrency) on the suite's own database:
    it runs in the PostgreSQL pass and is skipped in the SQLite pass; with no PostgreSQL
    configured at all it is skipped here and fails in CI (`need`)."""
    need(bool(configured_postgres_url()), "PostgreSQL (TEST_POSTGRES_URL)")
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL behaviour: runs in the PostgreSQL pass")


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
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "ASYNC_MODE": "threading",
        "SECRET_KEY": "test-secret-key",
        "UPLOAD_DIR": str(uploads_dir),
        "SOCKETIO_MESSAGE_QUEUE": None,
    }


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

    application = create_app(app_config)
    application.test_client_class = ClosingClient
    return application


class ClosingClient(FlaskClient):
    """Flask's test client, closing what a WSGI server closes: every answer is read to its end
    and closed (`buffered`: a file sent with send_file is closed at once), and so is the request
    body (werkzeug spools a large multipart body to a temporary file it never closes). Else the
    garbage collector closes them in some later test with a ResourceWarning, an error under
    `filterwarnings = error`."""

    def open(self, *args, buffered: bool = True, **kwargs):
        response = super().open(*args, buffered=buffered, **kwargs)
        for answer in (*response.history, response):
            body = answer.request.environ.get("wsgi.input")
            if body is not None:
                body.close()
            check_answer(self.application, answer)  # the API's declared shapes (answers.py)
        return response


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
# Rows of running server processes and their sockets: never demo data, but a live server may have
# written its own while the snapshot was taken (and writes it again after every clean-up).
_PROCESS_TABLES = {"server_processes", "socket_connections", "chat_socket_joins"}


def _restore_demo_rows() -> None:
    from thebot.extensions import db

    with db.engine.begin() as conn:
        for table in db.metadata.sorted_tables:
            if table.name not in _PROCESS_TABLES and _demo_rows.get(table.name):
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


# --- counting queries -------------------------------------------------------------------------


@contextlib.contextmanager
def count_queries(engine):
    """Collect the SQL statements run inside the block: `with count_queries(x) as statements:`,
    then `len(statements)`. `x` is an engine, or an app (its engine: HTTP requests of the `app`
    fixture run on another engine than services called in `ctx`)."""
    from flask import Flask

    from thebot.extensions import db

    if isinstance(engine, Flask):
        with engine.app_context():
            engine = db.engine
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
