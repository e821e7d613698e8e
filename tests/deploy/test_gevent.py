"""The recipe's alternative async mode: ASYNC_MODE=gevent for both processes behind nginx (needs
the `[gevent]` extra; skipped where it is not installed). A conversation crosses from one
process to the other over WebSocket and over long-polling."""

from __future__ import annotations

import pytest

from tests.deploy.support import Socket, start_recipe
from tests.support.realtime import tutor_room, wait_until_forgotten

pytestmark = [pytest.mark.realtime, pytest.mark.timeout(120)]


@pytest.fixture(scope="module")
def recipe(app, database_url, uploads_dir, redis_url, tmp_path_factory):
    pytest.importorskip("gevent", reason="the [gevent] extra is not installed")
    pytest.importorskip("geventwebsocket", reason="the [gevent] extra is not installed")
    recipe = start_recipe(
        tmp_path_factory.mktemp("gevent"), database_url, uploads_dir, redis_url, ASYNC_MODE="gevent"
    )
    yield recipe
    recipe.stack.stop()


def test_a_conversation_crosses_gevent_processes(recipe, demo, app):
    first, second = recipe.ports
    assert all("async mode gevent" in recipe.app_log(port) for port in recipe.ports), (
        "both processes serve with gevent"
    )
    room = tutor_room(demo.student)
    tutor = Socket(
        recipe.url, recipe.token("tutor"), recipe.route_to(first), ["/chat"], ["message"]
    )
    parent = Socket(
        recipe.url,
        recipe.token("parent"),
        recipe.route_to(second),
        ["/chat"],
        ["message"],
        transports=["polling"],
    )
    sids = [s.sio.get_sid(namespace="/chat") for s in (tutor, parent)]
    try:
        tutor.call("join", {"room_id": room})
        parent.call("join", {"room_id": room})
        ask = tutor.call("send", {"room_id": room, "content": "Ready?", "client_id": "g1"})
        assert parent.wait_for("message", lambda m: m["client_id"] == "g1") == ask["message"]
        reply = parent.call("send", {"room_id": room, "content": "Yes", "client_id": "g2"})
        assert tutor.wait_for("message", lambda m: m["client_id"] == "g2") == reply["message"]
        assert tutor.sio.transport() == "websocket" and parent.sio.transport() == "polling"
    finally:
        tutor.close()
        parent.close()
    wait_until_forgotten(app, sids)
