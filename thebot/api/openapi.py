"""The OpenAPI 3.1 document of API v1 at /api/v1/openapi.json, built from the routes themselves,
so no route can be missing from it; the shapes and examples are in docs/api*.md."""

from __future__ import annotations

import re

from flask import current_app, jsonify

from thebot.api import PUBLIC_ENDPOINTS, bp

_ARG = re.compile(r"<(?:(\w+):)?(\w+)>")
_IGNORED_METHODS = {"HEAD", "OPTIONS"}

_COMPONENTS = {
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
    },
}


def _summary(view) -> str:
    doc = (view.__doc__ or "").strip()
    return doc.splitlines()[0] if doc else view.__name__.replace("_", " ")


def _parameters(rule) -> list[dict]:
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
        methods = sorted((rule.methods or set()) - _IGNORED_METHODS)
        path = _ARG.sub(lambda m: "{" + m.group(2) + "}", rule.rule)
        for method in methods:
            operation: dict = {
                "operationId": rule.endpoint.removeprefix("api.")
                + ("" if len(methods) == 1 else f"_{method.lower()}"),
                "summary": _summary(view),
                "responses": {
                    "2XX": {"description": "Success (shapes: docs/api*.md)."},
                    "default": {"$ref": "#/components/responses/Error"},
                },
            }
            if parameters := _parameters(rule):
                operation["parameters"] = parameters
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
        "components": _COMPONENTS,
    }


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document of API v1 (public)."""
    return jsonify(document())
