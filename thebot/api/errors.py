"""The one JSON error envelope of /api: {"error": {"code", "message", "fields"?}}."""

from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "bad_request",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


def error_response(status: int, code: str, message: str, fields: dict | None = None):
    """A JSON error answer in the contract's envelope."""
    body: dict = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return jsonify({"error": body}), status


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood."),
        401: _("Sign in first."),
        403: _("This is not available to you."),
        404: _("There is nothing here, or it is not yours to see."),
        405: _("This address does not accept that kind of request."),
        409: _("This conflicts with the current state. Please reload and try again."),
        413: _("The request or file is larger than allowed."),
        415: _("The request could not be understood."),
        429: _("Too many requests. Please wait and try again."),
        500: _("Something went wrong on our side."),
        503: _("The service is unavailable right now."),
    }


def http_error_response(exc: HTTPException):
    """A werkzeug HTTP error (404 route, 405, 413, 429 …) as the envelope, in the caller's
    language."""
    status = exc.code or 500
    message = _messages().get(status) or _("The request could not be understood.")
    return error_response(status, _CODES.get(status, "bad_request"), message)
