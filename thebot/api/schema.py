"""What each API route reads, declared next to the route with `@accepts(...)`: its JSON body
fields, its query parameters and its multipart form fields.

The OpenAPI document (api/openapi.py) is built from these declarations, and `json_body()`
(api/util.py) checks every body against its route's declaration before the route reads it: a
field of the wrong JSON type is `400 validation_error` naming the field. So the document
cannot say one thing while the route accepts another. The services check the rest (ranges,
formats, required values, who may), as before.

Field kinds (the values of `body=`, `query=`, `form=`):

- "id": a positive whole number (a JSON number in a body; digits in a query or form);
- "string", "text" (a longer string), "date" (YYYY-MM-DD), "datetime" (ISO 8601), "decimal"
  (money as a string such as "1500.00"), "url": strings;
- "whole": a whole number, as a JSON number or a string of digits (as the forms send it);
- "count": a query's `limit` (1–100); "integer": a JSON number (e.g. `repeat_weeks`);
- "number": a JSON number or a numeric string (a report's `average_grade`);
- "boolean", "object", "file" (multipart only), "any".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import current_app, request
from flask_babel import gettext as _

from thebot.services.errors import Invalid
from thebot.services.ids import MAX_ID

F = TypeVar("F", bound=Callable[..., Any])

_STRINGS = {"string", "text", "date", "datetime", "decimal", "url"}
# The JSON types a body field of each kind may have (besides null, which means "not given").
_JSON_TYPES: dict[str, tuple[str, ...]] = {
    **{kind: ("string",) for kind in _STRINGS},
    "id": ("integer",),
    "whole": ("integer", "string"),
    "count": ("integer",),
    "integer": ("integer",),
    "number": ("integer", "number", "string"),
    "boolean": ("boolean",),
    "object": ("object",),
    "any": (),
}
_FORMATS = {"date": "date", "datetime": "date-time"}  # "url": "" means none, so no format


@dataclass(frozen=True)
class RouteInput:
    """The declared input of one route."""

    body: dict[str, str] | None = None
    required: tuple[str, ...] = ()
    body_optional: bool = False  # the body may be left out entirely (then {})
    query: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] | None = None
    form_required: tuple[str, ...] = ()
    extra_fields: bool = False  # the body takes further fields (e.g. a report's fields)


def accepts(
    *,
    body: dict[str, str] | None = None,
    required: Iterable[str] = (),
    body_optional: bool = False,
    query: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    form_required: Iterable[str] = (),
    extra_fields: bool = False,
) -> Callable[[F], F]:
    """Declare what the route below reads (put it under `@bp.get/post/...`)."""
    declared = RouteInput(
        body=body,
        required=tuple(required),
        body_optional=body_optional,
        query=dict(query or {}),
        form=form,
        form_required=tuple(form_required),
        extra_fields=extra_fields,
    )
    for name in (*declared.required, *declared.form_required):
        assert name in (body or {}) or name in (form or {}), f"required {name!r} is not declared"
    for kind in (*(body or {}).values(), *declared.query.values(), *(form or {}).values()):
        assert kind in _JSON_TYPES or kind == "file", f"unknown field kind {kind!r}"

    def mark(view: F) -> F:
        view.api_input = declared  # type: ignore[attr-defined]
        return view

    return mark


def input_of(view) -> RouteInput:
    """The declared input of a view function (nothing declared: no body, no query)."""
    return getattr(view, "api_input", None) or RouteInput()


def current_input() -> RouteInput:
    """The declared input of the route handling this request."""
    return input_of(current_app.view_functions.get(request.endpoint or ""))


# --- checking a body --------------------------------------------------------------------------


def _json_type(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def _kind_message(kind: str) -> str:
    messages = {
        "id": _("Must be a positive whole number."),
        "whole": _("Enter a whole number."),
        "count": _("Enter a whole number."),
        "integer": _("Enter a whole number."),
        "number": _("Must be a number."),
        "boolean": _("true or false."),
        "object": _("Must be a JSON object."),
    }
    return messages.get(kind) or _("Must be a string.")


def check_body(declared: RouteInput, data: dict) -> None:
    """Refuse a body whose declared fields have the wrong JSON type (null means not given)."""
    if declared.body is None:
        return
    wrong = {}
    for name, kind in declared.body.items():
        value = data.get(name)
        allowed = _JSON_TYPES[kind]
        if value is None or not allowed or _json_type(value) in allowed:
            continue
        wrong[name] = _kind_message(kind)
    if wrong:
        names = ", ".join(sorted(wrong))
        raise Invalid(_("Some fields have the wrong type: %(names)s.", names=names), wrong)


# --- the OpenAPI side -------------------------------------------------------------------------


def json_schema(kind: str, *, nullable: bool = False, in_query: bool = False) -> dict:
    """The JSON Schema of a field kind."""
    schema: dict[str, Any]
    if kind == "id":
        schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    elif kind == "count":
        schema = {"type": "integer", "minimum": 1, "maximum": 100}
    elif kind == "whole":
        schema = {"type": ["integer", "string"]} if not in_query else {"type": "integer"}
    elif kind == "integer":
        schema = {"type": "integer"}
    elif kind == "number":
        schema = {"type": ["number", "string"]}
    elif kind in _STRINGS:
        schema = {"type": "string"}
        if kind in _FORMATS:
            schema["format"] = _FORMATS[kind]
        if kind == "decimal":
            schema["pattern"] = r"^-?[0-9]+(\.[0-9]{1,2})?$"
    elif kind == "file":
        schema = {"type": "string", "contentMediaType": "application/octet-stream"}
    elif kind == "any":
        schema = {}
    else:
        schema = {"type": _JSON_TYPES[kind][0]}
    if nullable and "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        schema["type"] = [*types, "null"]
    return schema


def _object(fields: dict[str, str], required: tuple[str, ...], extra: bool, *, form=False):
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            name: json_schema(kind, nullable=name not in required and not form)
            for name, kind in fields.items()
        },
    }
    if form:  # multipart values are strings (ids as digits)
        schema["properties"] = {
            name: json_schema("file") if kind == "file" else {"type": "string"}
            for name, kind in fields.items()
        }
    if required:
        schema["required"] = list(required)
    if extra:
        schema["additionalProperties"] = True  # further fields are read (unknown ones ignored)
    return schema


def request_body(declared: RouteInput) -> dict | None:
    """The OpenAPI requestBody of a route, or None when it reads none."""
    content: dict[str, Any] = {}
    if declared.body is not None:
        content["application/json"] = {
            "schema": _object(declared.body, declared.required, declared.extra_fields)
        }
    if declared.form is not None:
        content["multipart/form-data"] = {
            "schema": _object(declared.form, declared.form_required, False, form=True)
        }
    if not content:
        return None
    return {"required": not declared.body_optional, "content": content}


def query_parameters(declared: RouteInput) -> list[dict]:
    """Query arguments are optional, and an empty one (`?before_id=`) means not given."""
    return [
        {
            "name": name,
            "in": "query",
            "required": False,
            "allowEmptyValue": True,
            "schema": json_schema(kind, in_query=True),
        }
        for name, kind in declared.query.items()
    ]
