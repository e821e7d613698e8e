"""Fixtures of tests/deploy: the production recipe (see tests/deploy/support.py)."""

from __future__ import annotations

import pytest

from tests.deploy.support import start_recipe


@pytest.fixture(scope="module")
def recipe(app, database_url, uploads_dir, redis_url, tmp_path_factory):
    """The recipe for a module's tests (the schema is the suite's: `app` migrated it first, and
    the recipe's own `flask db upgrade` finds nothing to do)."""
    recipe = start_recipe(
        tmp_path_factory.mktemp("recipe"),
        database_url,
        uploads_dir,
        redis_url,
        LOGIN_LIMIT_PER_IP="3 per minute",
        LOGIN_LIMIT_PER_ACCOUNT="100 per minute",
        LOG_FORMAT="json",
    )
    yield recipe
    recipe.stack.stop()
