"""Helpers for API routes: reading JSON bodies with clear errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

from flask import Response, request, send_file
from flask_babel import gettext as _

from thebot.api import schema
from thebot.api.shapes import returns
from thebot.services import attachments
from thebot.services.errors import DomainError, Invalid, NotFound
from thebot.services.ids import optional_id

F = TypeVar("F", bound=Callable[..., Any])


class BadRequest(DomainError):
    code = "bad_request"
    status = 400


def json_body() -> dict:
    """The request's JSON object; a missing, malformed or non-object body is a bad request, and
    a field of the wrong type for the route's `@accepts` declaration is a validation error."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest(_("The body must be a JSON object."))
    schema.check_body(schema.current_input(), data)  # the route's declared field types
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


# Every type a stored attachment may go out as (the upload allow-list), without parameters.
ATTACHMENT_TYPES = tuple(sorted({t.content_type.split(";")[0] for t in attachments.TYPES.values()}))


def returns_attachment(view: F) -> F:
    """Declare a download of `attachment_response`: the file as its stored type, whole (200) or
    the range asked for (206)."""
    view = returns(200, content_type=ATTACHMENT_TYPES, description="The file.")(view)
    return returns(206, content_type=ATTACHMENT_TYPES, description="The range asked for.")(view)


def attachment_response(key: str | None, name: str | None, content_type: str | None) -> Response:
    """A stored attachment (services/attachments.py) as a download, images inline, with the
    headers every file download carries (no sniffing, sandboxed, never cached). A record whose
    file is gone answers 404 as any missing file."""
    path = attachments.path_of(key) if key else None
    if path is None or not name or not content_type:
        raise NotFound(_("No such file."))
    inline = attachments.is_image(content_type)
    response = send_file(
        path,
        mimetype=content_type,
        as_attachment=not inline,
        download_name=name,
        conditional=True,
        max_age=0,
    )
    # The stored type is complete (text carries its charset): send it as it is, not with a
    # second charset appended by the framework.
    response.headers["Content-Type"] = content_type
    disposition = "inline" if inline else "attachment"
    fallback = name.encode("ascii", "replace").decode().replace('"', "_")
    response.headers["Content-Disposition"] = (
        f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
