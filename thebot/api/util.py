"""Helpers for API routes: reading JSON bodies with clear errors."""
from __future__ import annotations

from flask import request

from thebot.services.errors import DomainError, Invalid


class BadRequest(DomainError):
    code = "bad_request"
    status = 400


def json_body() -> dict:
    """The request's JSON object; a missing, malformed or non-object body is a bad request."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest("The body must be a JSON object.")
    return data


def string_field(data: dict, name: str, *, required: bool = True, max_length: int = 10_000) -> str:
    """A string field of a JSON body, validated."""
    value = data.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise Invalid(f"'{name}' is required.", {name: "This field is required (a string)."})
    if len(value) > max_length:
        raise Invalid(f"'{name}' is too long.", {name: f"At most {max_length} characters."})
    return value


def int_arg(name: str) -> int | None:
    """An optional integer query argument."""
    value = request.args.get(name)
    if value is None or value == "":
        return None
    if not value.isdigit():
        raise Invalid(f"'{name}' must be a whole number.", {name: "Must be a whole number."})
    return int(value)
