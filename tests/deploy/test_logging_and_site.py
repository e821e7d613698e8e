"""One line per event (plain, or JSON with LOG_FORMAT=json), secrets redacted in both; and the
nginx site a production machine gets from `deploy/serve.py nginx-site`, accepted by nginx."""

from __future__ import annotations

import io
import json
import logging
import re
import subprocess
import sys

import pytest

from deploy.serve import ROOT, body_limit, nginx_binary, render_main
from tests.support import need


def _emit(app_config: dict, log_format: str) -> str:
    """What the app's root handler writes for one error with a traceback."""
    from thebot import create_app, logging_setup

    create_app({**app_config, "LOG_FORMAT": log_format})
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "_thebot", False))
    out = io.StringIO()
    previous = handler.setStream(out)
    try:
        try:
            raise ValueError("bad value\nsecond line")
        except ValueError:
            logging.getLogger("thebot.test").exception("it failed: password=hunter2")
    finally:
        handler.setStream(previous)
        create_app(app_config)  # the suite's format back
    assert logging_setup.formatter("plain")  # the default stays valid
    return out.getvalue()


def test_plain_logs_keep_an_error_and_its_traceback_on_one_line(app_config):
    written = _emit(app_config, "plain")
    assert written.endswith("\n") and written.count("\n") == 1
    assert "ERROR thebot.test: it failed: password=[redacted]" in written
    assert "\\nTraceback (most recent call last):" in written
    assert "ValueError: bad value\\nsecond line" in written
    assert "hunter2" not in written


def test_json_logs_are_one_object_per_line(app_config):
    written = _emit(app_config, "json")
    assert written.count("\n") == 1
    event = json.loads(written)
    assert set(event) == {"time", "level", "logger", "message", "pid", "exc"}
    assert event["level"] == "ERROR" and event["logger"] == "thebot.test"
    assert event["message"] == "it failed: password=[redacted]"
    assert event["exc"].startswith("Traceback (most recent call last):")
    assert "ValueError: bad value" in event["exc"]
    assert event["time"].endswith("Z") and "T" in event["time"]


def test_an_unknown_log_format_is_refused_at_start(app_config):
    from thebot import create_app

    with pytest.raises(RuntimeError, match="LOG_FORMAT must be one of"):
        create_app({**app_config, "LOG_FORMAT": "xml"})
    create_app(app_config)


def test_the_production_site_renders_and_nginx_accepts_it(tmp_path):
    need(nginx_binary() is not None, "nginx (Debian package nginx)")
    rendered = subprocess.run(
        [
            sys.executable,
            str(ROOT / "deploy" / "serve.py"),
            "nginx-site",
            "--listen",
            "127.0.0.1:8443",
            "--server-name",
            "thebot.example",
            "--upstream",
            "127.0.0.1:5001",
            "--upstream",
            "127.0.0.1:5002",
            "--access-log",
            str(tmp_path / "access.log"),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "server 127.0.0.1:5001 max_fails=1" in rendered
    assert "server 127.0.0.1:5002 max_fails=1" in rendered
    assert "hash $thebot_route consistent;" in rendered
    assert f"client_max_body_size {body_limit()};" in rendered
    assert f"alias {ROOT / 'thebot' / 'static'}/;" in rendered
    assert "server_name thebot.example;" in rendered
    assert not re.search(r"\{\{[A-Z_]+\}\}", rendered)  # every field filled in
    site = tmp_path / "thebot.conf"
    site.write_text(rendered)
    main = tmp_path / "nginx.conf"
    main.write_text(render_main(tmp_path, site))
    checked = subprocess.run(
        [nginx_binary(), "-t", "-p", str(tmp_path), "-c", str(main), "-e", "error.log"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    assert "syntax is ok" in checked.stderr
