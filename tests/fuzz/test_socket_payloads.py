"""Every client event of the three Socket.IO namespaces (contract.md section 4), as each role,
with payloads hypothesis makes up: nested objects and lists, huge strings, wrong types, null,
numbers no id can be, the event's own keys holding any of those, and real ids the user may
see. Every event is answered with an ack that is a success or the error envelope with a
contract code, the connection stays up, and no handler logs an ERROR (an unhandled
exception).

In process: Flask-SocketIO's test client on the app (no message queue is needed); bounded by
THEBOT_FUZZ_SOCKET_EXAMPLES examples per event and role (docs/development.md, "Fuzz runs")."""

from __future__ import annotations

import logging
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.http import api_token

# A failing example holding a huge string is reported, not refused for its size.
pytestmark = [
    pytest.mark.fuzz,
    pytest.mark.filterwarnings(
        "ignore:Generating overly large repr:hypothesis.errors.HypothesisWarning"
    ),
]
EXAMPLES = int(os.environ.get("THEBOT_FUZZ_SOCKET_EXAMPLES", "12"))
ROLES = ("student", "parent", "tutor", "teacher", "admin")
CODES = {
    "bad_request",
    "unauthorized",
    "forbidden",
    "not_found",
    "too_large",
    "rate_limited",
    "locked",
    "conflict",
    "internal_error",
}
# Each namespace's client events and the keys their payloads take (contract.md section 4);
# `connect`, `disconnect` and an unknown name must be refused as well.
EVENTS: dict[str, dict[str, tuple[str, ...]]] = {
    "/chat": {
        "rooms": (),
        "join": ("room_id", "after_id"),
        "leave": ("room_id",),
        "history": ("room_id", "before_id", "limit"),
        "send": ("room_id", "content", "client_id", "reply_to_id"),
        "edit": ("message_id", "content"),
        "delete": ("message_id",),
        "typing": ("room_id", "typing"),
        "read": ("room_id", "message_id"),
    },
    "/reports": {"reports": ("student_id", "kind"), "mark_read": ("report_id",)},
    "/notifications": {"list": ("before_id", "limit"), "mark_read": ("id", "all")},
}
REFUSED_NAMES = ("connect", "disconnect", "no_such_event")

_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from([0, -1, 1, 2**31 - 1, 2**31, 2**63, -(2**63), 10**30])
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.sampled_from(["", " ", "1", "tutor", "teacher", "<script>x</script>", "\u0000", "🙂"])
)
JSONISH = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
HUGE = st.sampled_from([70 * 1024, 300 * 1024]).map(lambda n: "x" * n)  # over the 64 KiB limit


def _payloads(keys: tuple[str, ...], real_ids: list[int]):
    """Anything at all, or an object of the event's keys holding anything (real ids too)."""
    value = JSONISH | HUGE | (st.sampled_from(real_ids) if real_ids else st.nothing())
    shaped = (
        st.fixed_dictionaries({}, optional={key: value for key in keys}) if keys else st.just({})
    )
    deep: st.SearchStrategy = st.recursive(
        st.just({}), lambda inner: st.dictionaries(st.just("a"), inner), max_leaves=60
    )
    return (
        JSONISH | shaped | shaped | deep | HUGE.map(lambda text: {keys[0] if keys else "x": text})
    )


def _assert_envelope(namespace: str, event: str, payload, ack) -> None:
    where = (namespace, event, repr(payload)[:200])
    assert isinstance(ack, dict), (where, ack)
    if ack.get("ok") is True:
        assert "error" not in ack, where
        return
    assert ack.get("ok") is False and set(ack) == {"ok", "error"}, (where, ack)
    error = ack["error"]
    assert set(error) == {"code", "message"}, (where, ack)
    assert error["code"] in CODES and isinstance(error["message"], str), (where, ack)
    assert error["code"] != "internal_error", (where, ack)


def _real_ids(client, namespace: str) -> list[int]:
    """Ids the user may see, read through the namespace itself."""
    ids: list[int] = []
    if namespace == "/chat":
        rooms = client.emit("rooms", {}, namespace=namespace, callback=True)["rooms"]
        ids += [room["id"] for room in rooms[:3]]
        ids += [room["last_message"]["id"] for room in rooms[:3] if room.get("last_message")]
    elif namespace == "/reports":
        reports = client.emit("reports", {}, namespace=namespace, callback=True)["reports"]
        ids += [report["id"] for report in reports[:3]]
    else:
        listed = client.emit("list", {}, namespace=namespace, callback=True)["notifications"]
        ids += [note["id"] for note in listed[:3]]
    return ids


def _fuzz(client, namespace: str, event: str, payloads) -> int:
    """Emit `event` with EXAMPLES generated payloads; returns how many were answered."""
    answered = 0

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=os.environ.get("THEBOT_FUZZ_RANDOM") != "1",
        suppress_health_check=list(HealthCheck),
    )
    @given(payload=payloads)
    def emit(payload):
        nonlocal answered
        ack = client.emit(event, payload, namespace=namespace, callback=True)
        _assert_envelope(namespace, event, payload, ack)
        if event in REFUSED_NAMES:
            assert ack["error"]["code"] in ("bad_request", "too_large"), (event, ack)
        assert client.is_connected(namespace), (event, repr(payload)[:200])
        answered += 1

    emit()
    return answered


@pytest.mark.parametrize("namespace", sorted(EVENTS))
def test_every_event_answers_any_payload_with_the_envelope(app, demo, namespace, caplog):
    from thebot.extensions import socketio

    caplog.set_level(logging.ERROR)
    events = {**EVENTS[namespace], **dict.fromkeys(REFUSED_NAMES, ("room_id",))}
    answered = 0
    for role in ROLES:
        client = socketio.test_client(
            app, namespace=namespace, auth={"token": api_token(demo[role])}
        )
        assert client.is_connected(namespace), role
        real_ids = _real_ids(client, namespace)
        for event, keys in events.items():
            answered += _fuzz(client, namespace, event, _payloads(keys, real_ids))
        client.disconnect(namespace=namespace)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [(r.name, r.getMessage()) for r in errors]
    assert answered >= len(ROLES) * len(events) * min(EXAMPLES, 2)
