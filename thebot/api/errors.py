"""The one JSON error envelope of /api: {"error": {"code", "message", "fields"?}}."""
from __future__ import annotations

from flask import jsonify
from werkzeug.exceptions import HTTPException

_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "bad_request",
          429: "rate_limited", 500: "internal_error", 503: "unavailable"}


def error_response(status: int, code: str, message: str, fields: dict | None = None):
    """A JSON error answer in the contract's envelope."""
    body: dict = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return jsonify({"error": body}), status


def http_error_response(exc: HTTPException):
    """A werkzeug HTTP error (404 route, 405, 413, 429 …) as the envelope."""
    status = exc.code or 500
    message = exc.description if status != 500 else "Something went wrong on our side."
    if status == 429:
        message = "Too many requests. Please wait and try again."
    return error_response(status, _CODES.get(status, "bad_request"), message)
