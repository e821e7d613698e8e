"""The OpenAPI 3.1 document of API v1 at /api/v1/openapi.json, built from the routes themselves,
so no route can be missing from it: paths and methods from the URL map, request bodies and query
parameters from each route's `@accepts` declaration (api/schema.py, which the route's own body
check uses too), success answers from its `@returns` declarations (api/shapes.py, which the test
suite holds every answer to), errors as the one envelope. Examples are in docs/api*.md."""

from __future__ import annotations

import re

from flask import current_app, jsonify

from thebot.api import PUBLIC_ENDPOINTS, bp
from thebot.api.schema import input_of, query_parameters, request_body
from thebot.api.shapes import COMPONENTS, responses, returns

_ARG = re.compile(r"<(?:(\w+):)?(\w+)>")
_IGNORED_METHODS = {"HEAD", "OPTIONS"}

_COMPONENTS: dict[str, dict] = {
    "securitySchemes": {
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "A token from POST /api/v1/auth/login.",
        },
        "session": {
            "type": "apiKey",
            "in": "cookie",
            "name": "session",
            "description": "The browser session; unsafe methods need X-CSRFToken.",
        },
    },
    "schemas": {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {
                        "code": {"type": "string"},
                        "message": {"type": "string"},
                        "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                    },
                }
            },
        },
    },
    "responses": {
        "Error": {
            "description": "The error envelope (docs/api.md, Errors).",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        },
        **{
            name: {
                "description": description,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
            for name, description in (
                ("BadRequest", "bad_request or validation_error (with fields)."),
                ("Unauthorized", "No, expired or revoked credentials."),
                ("NotFound", "No such thing, or not the caller's to see."),
            )
        },
    },
}


def _summary(view) -> str:
    doc = (view.__doc__ or "").strip()
    return doc.splitlines()[0] if doc else view.__name__.replace("_", " ")


def _path_parameters(rule) -> list[dict]:
    return [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1}
            if converter in ("int", "id")
            else {"type": "string"},
        }
        for converter, name in _ARG.findall(rule.rule)
    ]


def document() -> dict:
    """The OpenAPI document of every route of the `api` blueprint."""
    paths: dict[str, dict] = {}
    for rule in current_app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        view = current_app.view_functions[rule.endpoint]
        declared = input_of(view)
        methods = sorted((rule.methods or set()) - _IGNORED_METHODS)
        path = _ARG.sub(lambda m: "{" + m.group(2) + "}", rule.rule)
        for method in methods:
            operation: dict = {
                "operationId": rule.endpoint.removeprefix("api.")
                + ("" if len(methods) == 1 else f"_{method.lower()}"),
                "summary": _summary(view),
                "responses": {
                    **responses(view),
                    "400": {"$ref": "#/components/responses/BadRequest"},
                    "404": {"$ref": "#/components/responses/NotFound"},
                    "default": {"$ref": "#/components/responses/Error"},
                },
            }
            if rule.endpoint not in PUBLIC_ENDPOINTS:
                operation["responses"]["401"] = {"$ref": "#/components/responses/Unauthorized"}
            if parameters := _path_parameters(rule) + query_parameters(declared):
                operation["parameters"] = parameters
            if method in ("POST", "PUT", "PATCH") and (body := request_body(declared)):
                operation["requestBody"] = body
            if rule.endpoint in PUBLIC_ENDPOINTS:
                operation["security"] = []
            paths.setdefault(path, {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "THE BOT API",
            "version": "1",
            "description": "JSON API v1 for mobile clients and the pages' scripts.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}, {"session": []}],
        "paths": dict(sorted(paths.items())),
        "components": {
            **_COMPONENTS,
            "schemas": {**_COMPONENTS["schemas"], **dict(sorted(COMPONENTS.items()))},
        },
    }


@bp.get("/openapi.json")
@returns(200, {"type": "object", "required": ["openapi", "paths", "components"]})
def openapi():
    """The OpenAPI 3.1 document of API v1 (public)."""
    return jsonify(document())
