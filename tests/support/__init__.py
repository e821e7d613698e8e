"""Test support: fixtures (registered as pytest plugins by tests/conftest.py) and plain helpers
that test modules import from here, never from each other.

- app: the app under test, its database (one per xdist worker), `ctx`, `make_user`, `demo`,
  `count_queries`, scratch PostgreSQL databases;
- http: `WebClient` (`web`, `web_factory`), `text_of`, `field_errors`, `api_token`;
- servers: `ServerProcess`, `free_port`, `start_server`, `live_server`, `redis_url`;
- browser: real Chromium (`chromium`, `new_page`), `browser_login`;
- realtime: python-socketio clients of a running server (`connect`, `listeners`), the demo's
  chat rooms (`subject_room`, `tutor_room`);
- data: the notification tests' `family`, `draft_report`, lookups by name;
- mail: an aiosmtpd `Sink` and `mail_parts`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
IN_CI = os.environ.get("CI") == "true"
PASSWORD = "demo-pass-1"


def need(condition: bool, what: str) -> None:
    """Skip when a service is not configured here; in CI a missing service is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI must provide {what}")
    pytest.skip(f"{what} is not configured")
