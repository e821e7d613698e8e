"""JSON API v1: the same services as the pages, JSON in and out, one error envelope."""

from __future__ import annotations

from flask import Blueprint, g, request
from flask_babel import gettext as _
from flask_login import current_user

from thebot.api.errors import error_response
from thebot.extensions import csrf
from thebot.services import signins

bp = Blueprint("api", __name__)
csrf.exempt(bp)  # bearer requests carry no cookie; session requests are checked below

PUBLIC_ENDPOINTS = {"api.login", "api.openapi", "api.password_reset", "api.password_reset_confirm"}
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def bearer_token() -> str | None:
    """The raw token of an `Authorization: Bearer …` header, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


@bp.before_request
def _authenticate():
    """Resolve the caller: a bearer token, else the browser session (with CSRF on unsafe calls)."""
    g.api_user = None
    g.api_token = None
    raw = bearer_token()
    if raw is not None:
        g.api_user = signins.user_for_token(raw, stamp=True)
        g.api_token = raw if g.api_user is not None else None
        if g.api_user is None and request.endpoint not in PUBLIC_ENDPOINTS:
            return error_response(
                401, "unauthorized", _("The token is invalid, expired or revoked.")
            )
    elif current_user.is_authenticated:
        g.api_user = current_user._get_current_object()
        if request.method in UNSAFE_METHODS and request.endpoint not in PUBLIC_ENDPOINTS:
            csrf.protect()
    if g.api_user is None and request.endpoint not in PUBLIC_ENDPOINTS:
        return error_response(401, "unauthorized", _("Sign in first."))
    return None


def api_user():
    """The authenticated caller of this API request."""
    return g.api_user


from thebot.api import (  # noqa: E402,F401  (routes)
    admin,
    auth,
    billing,
    chat,
    homework,
    lesson_bills,
    lessons,
    notifications,
    openapi,
    people,
    reports,
    sessions,
)
