"""The migrations check: one head in a straight chain, an upgrade from an empty database on SQLite
and PostgreSQL, and no difference between the models and the migrated schema."""

from __future__ import annotations

import itertools

import pytest
import sqlalchemy
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from tests.support import ROOT
from tests.support.app import scratch_postgres


def script_directory() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return ScriptDirectory.from_config(config)


def test_one_head_and_a_straight_chain():
    scripts = script_directory()
    assert len(scripts.get_heads()) == 1, scripts.get_heads()
    assert len(scripts.get_bases()) == 1 and scripts.get_bases() == ["0001"]
    revisions = list(scripts.walk_revisions())  # head first
    for newer, older in itertools.pairwise(revisions):
        assert newer.down_revision == older.revision, (newer.revision, newer.down_revision)
    assert revisions[-1].down_revision is None


def migrate_and_compare(url: str) -> tuple[set[str], str, list]:
    """Upgrade an empty database at `url`; return its tables, its revision and the model diff."""
    from flask_migrate import upgrade

    from thebot import create_app
    from thebot.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "test-secret-key",
            "ASYNC_MODE": "threading",
            "SOCKETIO_MESSAGE_QUEUE": None,
        }
    )
    with app.app_context():
        upgrade()
        try:
            with db.engine.connect() as conn:
                tables = set(sqlalchemy.inspect(conn).get_table_names())
                revision = MigrationContext.configure(conn).get_current_revision()
                context = MigrationContext.configure(conn, opts={"compare_type": True})
                diff = compare_metadata(context, db.metadata)
        finally:
            db.engine.dispose()
    return tables, revision, diff


def assert_matches_models(url: str) -> None:
    from thebot.extensions import db

    tables, revision, diff = migrate_and_compare(url)
    assert tables == set(db.metadata.tables) | {"alembic_version"}
    assert revision == script_directory().get_current_head()
    assert diff == [], "models and migrations differ: " + "\n".join(map(str, diff))


def test_sqlite_upgrade_from_empty_matches_the_models(tmp_path):
    assert_matches_models(f"sqlite:///{tmp_path / 'empty.db'}")


@pytest.fixture
def empty_postgres():
    """A new, empty PostgreSQL database next to the configured one (dropped afterwards)."""
    with scratch_postgres("_migcheck") as url:
        yield url


def test_postgresql_upgrade_from_empty_matches_the_models(empty_postgres):
    assert_matches_models(empty_postgres)
