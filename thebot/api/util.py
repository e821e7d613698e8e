"""Helpers for API routes: reading JSON bodies with clear errors."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from thebot.services.errors import DomainError, Invalid
from thebot.services.ids import optional_id


class BadRequest(DomainError):
    code = "bad_request"
    status = 400


def json_body() -> dict:
    """The request's JSON object; a missing, malformed or non-object body is a bad request."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest(_("The body must be a JSON object."))
    return data


def string_field(data: dict, name: str, *, required: bool = True, max_length: int = 10_000) -> str:
    """A string field of a JSON body, validated."""
    value = data.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise Invalid(
            _("'%(name)s' is required.", name=name), {name: _("This field is required (a string).")}
        )
    if len(value) > max_length:
        raise Invalid(
            _("'%(name)s' is too long.", name=name),
            {name: _("At most %(count)d characters.", count=max_length)},
        )
    return value


def id_arg(name: str) -> int | None:
    """An optional id query argument, through the one id parser (services/ids.py)."""
    return optional_id(request.args.get(name), name)


def int_arg(name: str) -> int | None:
    """An optional count query argument (e.g. `limit`); the service checks its range."""
    value = request.args.get(name)
    if value is None or value == "":
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 9:
        raise Invalid(
            _("'%(name)s' must be a whole number.", name=name), {name: _("Must be a whole number.")}
        )
    return int(value)
