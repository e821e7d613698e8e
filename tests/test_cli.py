"""The command line (contract.md section 1): `flask --app wsgi demo load` (idempotent) and
`flask --app wsgi users create`, run as real processes against the test database."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from tests.support import PASSWORD, ROOT
from tests.support.http import text_of


@pytest.fixture
def flask_cli(app, database_url):
    """flask_cli(*args, input=None) -> CompletedProcess of `flask --app wsgi …`."""
    env = {
        **os.environ,
        "THEBOT_ENV": "test",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key",
        "PYTHONWARNINGS": "ignore::DeprecationWarning",
    }

    def run(*args: str, input: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            cwd=ROOT,
            env=env,
            input=input,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


def table_counts() -> dict[str, int]:
    from thebot.extensions import db
    from thebot.models import Enrollment, StudentProfile, Subject, User

    db.session.expire_all()
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (User, StudentProfile, Subject, Enrollment)
    }


def test_demo_load_builds_the_contracts_demo_data_and_is_idempotent(flask_cli, ctx, web):
    first = flask_cli("demo", "load")
    assert first.returncode == 0, first.stderr
    assert "Demo data loaded." in first.stdout
    counts = table_counts()
    assert counts == {"User": 12, "StudentProfile": 4, "Subject": 5, "Enrollment": 5}
    again = flask_cli("demo", "load")
    assert again.returncode == 0, again.stderr
    assert table_counts() == counts
    skipped = flask_cli("demo", "load", "--if-empty")
    assert "demo data skipped" in skipped.stdout and table_counts() == counts
    web.login("student3")
    page = text_of(web.get("/student/"))
    assert "Maria Ivanova" in page and "Timur Karimov" in page and "Sergey Ivanov" in page


def test_demo_load_completes_partial_data(flask_cli, make_user, ctx):
    make_user("tutor", "tutor", full_name="Someone Else")
    result = flask_cli("demo", "load")
    assert result.returncode == 0, result.stderr
    counts = table_counts()
    assert counts["User"] == 12 and counts["Enrollment"] == 5
    from thebot.services import people

    assert people.find_by_login("tutor").full_name == "Someone Else"  # existing rows are kept


def test_users_create_makes_an_account_with_its_profile(flask_cli, ctx, web):
    result = flask_cli(
        "users",
        "create",
        "--role",
        "teacher",
        "--username",
        "New.Teacher",
        "--password",
        "long-pass-99",
        "--full-name",
        "Nadia Teacher",
        "--email",
        "nadia@example.org",
    )
    assert result.returncode == 0, result.stderr
    assert "Created teacher new.teacher" in result.stdout
    from thebot.services import people

    user = people.find_by_login("nadia@example.org")
    assert user.username == "new.teacher" and user.teacher_profile is not None
    assert web.login("new.teacher", "long-pass-99").headers["Location"] == "/"
    assert "You have no students yet." in text_of(web.get("/teacher/"))


def test_users_create_refuses_bad_input_with_a_clear_message(flask_cli, make_user, ctx):
    make_user("admin", "boss")
    taken = flask_cli(
        "users", "create", "--role", "admin", "--username", "BOSS", "--password", "long-pass-99"
    )
    assert taken.returncode != 0
    assert "This username is taken." in taken.stderr and "Traceback" not in taken.stderr
    short = flask_cli("users", "create", "--role", "tutor", "--username", "t1", "--password", "x")
    assert short.returncode != 0
    assert "At least 8 characters." in short.stderr and "username" in short.stderr
    role = flask_cli(
        "users", "create", "--role", "wizard", "--username", "merlin", "--password", "long-pass-99"
    )
    assert role.returncode != 0 and "wizard" in role.stderr
    assert table_counts()["User"] == 1


def test_users_create_asks_for_the_password(app, ctx):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "--role", "parent", "--username", "asked"],
        input="typed-pass-1\ntyped-pass-1\n",
    )
    assert result.exit_code == 0, result.output
    assert "typed-pass-1" not in result.output
    from thebot.services import signins

    assert signins.authenticate("asked", "typed-pass-1").parent_profile is not None
    assert signins.authenticate("asked", PASSWORD) is None
