"""API sign-in: bearer tokens, one per device."""

from __future__ import annotations

from flask import current_app, jsonify, request

from thebot.api import api_user, bp
from thebot.api.errors import error_response
from thebot.api.schema import accepts
from thebot.api.serializers import ME, me_dict, user_summary
from thebot.api.shapes import DATETIME, OK, STRING, USER_SUMMARY, nullable, obj, returns
from thebot.api.util import json_body, string_field
from thebot.auth.ratelimit import login_limits, mark_failed, reset_limits
from thebot.models.base import iso
from thebot.services import accounts, recovery, signins


@bp.post("/auth/login")
@accepts(
    body={"login": "string", "password": "string", "device": "string"},
    required=("login", "password"),
)
@returns(
    200,
    obj(
        {
            "token": STRING,
            "token_type": {"const": "Bearer"},
            "expires_at": nullable(DATETIME),
            "user": USER_SUMMARY,
        }
    ),
)
@login_limits
def login():
    """Exchange credentials for a new bearer token."""
    data = json_body()
    login_value = string_field(data, "login", max_length=254)
    password = string_field(data, "password", max_length=256)
    given_device = data.get("device")
    device = given_device if isinstance(given_device, str) else ""
    try:
        user = signins.authenticate(login_value, password)
    except signins.AccountDeactivated as exc:  # the right password of a switched-off account
        return error_response(403, "forbidden", exc.message)
    if user is None:
        mark_failed()
        return error_response(401, "unauthorized", "Wrong login or password.")
    # The device's language (Accept-Language) is what notifications and e-mails will use.
    accounts.remember_locale(
        user, request.accept_languages.best_match(current_app.config["LANGUAGES"])
    )
    raw, token = signins.issue_token(user, device, request.headers.get("User-Agent", ""))
    return jsonify(
        {
            "token": raw,
            "token_type": "Bearer",
            "expires_at": iso(token.expires_at),
            "user": user_summary(user),
        }
    )


@bp.post("/auth/logout")
@returns(200, OK)
def logout():
    """Revoke the bearer token this request carries (a session caller signs out on the page)."""
    from flask import g

    if g.api_token is None:
        return error_response(400, "bad_request", "Sign out with the token you want to revoke.")
    signins.revoke_token(g.api_token)
    return jsonify({"ok": True})


@bp.get("/me")
@returns(200, ME)
def me():
    """The caller's account and profile (profile null when missing)."""
    return jsonify(me_dict(api_user()))


RESET_ANSWER = (
    "If an account with this login has an e-mail address, a link to set a new password is on "
    "its way. Accounts without an e-mail: ask your tutor."
)


@bp.post("/auth/password-reset")
@accepts(body={"login": "string"}, required=("login",))
@returns(202, obj({"ok": {"const": True}, "message": STRING}))
@reset_limits
def password_reset():
    """Ask for a reset link by e-mail: 202 with the same body whether or not the account exists."""
    data = json_body()
    recovery.request_reset(string_field(data, "login", max_length=254))
    return jsonify({"ok": True, "message": RESET_ANSWER}), 202


@bp.post("/auth/password-reset/confirm")
@accepts(body={"token": "string", "password": "string"}, required=("token", "password"))
@returns(200, OK)
def password_reset_confirm():
    """Set a new password with the token from the link; every sign-in and token ends."""
    data = json_body()
    token = data.get("token")
    password = data.get("password")
    recovery.reset_password(token, password if isinstance(password, str) else "")
    return jsonify({"ok": True})
