"""The suite's fixtures live in tests/support/ (registered here as plugins); test modules import
plain helpers from tests.support modules and never from each other."""

from __future__ import annotations

import pytest

pytest_plugins = [
    "tests.support.app",
    "tests.support.http",
    "tests.support.servers",
    "tests.support.browser",
    "tests.support.realtime",
    "tests.support.data",
]


def pytest_collection_modifyitems(items):
    """Tests that use Redis run on one xdist worker (`--dist loadgroup`, set in setup.cfg): the
    Socket.IO message queue is a Redis pub/sub channel, one for the whole Redis server, so the
    servers of two workers would hear each other's emits."""
    for item in items:
        if "redis_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("redis"))
