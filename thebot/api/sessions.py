"""The caller's devices: live browser sign-ins and API tokens, listed and ended.

Ids are strings, "b<n>" for a browser sign-in and "t<n>" for a token, so the two kinds never
collide in one list (docs/api-devices.md).
"""

from __future__ import annotations

from flask import g, jsonify, session

from thebot.api import api_user, bp
from thebot.api.shapes import BOOLEAN, COUNT, DATETIME, STRING, array, component, obj, returns
from thebot.models.base import iso
from thebot.services import signins
from thebot.web import LOGIN_KEY

SESSION = component(
    "Session",
    obj(
        {
            "id": {"type": "string", "pattern": "^[bt][1-9][0-9]*$"},
            "kind": {"type": "string", "enum": ["browser", "token"]},
            "device": STRING,
            "created_at": DATETIME,
            "last_used_at": DATETIME,
            "current": BOOLEAN,
        }
    ),
)


def _caller() -> dict:
    """What names the caller's own credential: its bearer token, else its cookie's sign-in."""
    if g.api_token is not None:
        return {"bearer": g.api_token}
    return {"login_key": session.get(LOGIN_KEY)}


def _row(row: dict) -> dict:
    return {**row, "created_at": iso(row["created_at"]), "last_used_at": iso(row["last_used_at"])}


@bp.get("/me/sessions")
@returns(200, obj({"sessions": array(SESSION)}))
def my_sessions():
    """The caller's live sign-ins and tokens; `current` marks the one this request uses."""
    rows = signins.list_devices(api_user(), **_caller())
    return jsonify({"sessions": [_row(row) for row in rows]})


@bp.delete("/me/sessions/<session_ref>")
@returns(204)
def end_my_session(session_ref: str):
    """End one of the caller's sign-ins or tokens (its sockets disconnect); others' are 404."""
    signins.end_device(api_user(), session_ref)
    return "", 204


@bp.post("/me/sessions/end-others")
@returns(200, obj({"ended": COUNT}))
def end_my_other_sessions():
    """End every sign-in and token of the caller but the one this request uses."""
    ended = signins.end_other_devices(api_user(), **_caller())
    return jsonify({"ended": ended})
