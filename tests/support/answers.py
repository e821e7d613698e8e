"""Every JSON answer of the API that a test receives through the Flask test client is checked
against the route's declared success shape (`@returns`, api/shapes.py; the OpenAPI document
publishes the same declarations): an undeclared success status, a missing field, a field the
declaration does not name or a value of another type fails the test that received it."""

from __future__ import annotations

import json
from functools import cache

import jsonschema_rs
from werkzeug.exceptions import HTTPException


@cache
def _validator(schema_json: str, components: int):
    """A validator of the schema, its references resolved in the components (`components`:
    how many are registered, so a later registration makes a new one)."""
    from thebot.api.shapes import COMPONENTS

    schema = {**json.loads(schema_json), "components": {"schemas": COMPONENTS}}
    return jsonschema_rs.validator_for(schema, validate_formats=True)


def _told(error) -> list[str]:
    """What is wrong, where; for a value matching none of a oneOf/anyOf, what is wrong in the
    alternative it comes closest to (the report of its kind, not "none of the schemas")."""
    branches = getattr(error.kind, "context", None)
    if branches:
        closest = min(branches, key=len)
        return [problem for inner in closest for problem in _told(inner)]
    return [f"{'/'.join(map(str, error.instance_path)) or '(body)'}: {error.message}"]


def check_answer(app, response) -> None:
    """Hold one answer of `app` to its route's declaration (routes declaring nothing: skipped,
    which tests/test_openapi.py does not allow)."""
    from thebot.api.shapes import answers_of

    request = response.request
    if not request.path.startswith("/api/v1/") or not 200 <= response.status_code < 300:
        return
    try:
        rule, _args = app.url_map.bind("localhost").match(
            request.path, request.method, return_rule=True
        )
    except HTTPException:  # answered by no route (the test client follows no such path)
        return
    declared = answers_of(app.view_functions[rule.endpoint])
    if not declared:
        return
    where = f"{request.method} {request.path} answered {response.status_code}"
    answer = declared.get(response.status_code)
    assert answer is not None, f"{where}, which {rule.endpoint} does not declare"
    if not answer.content_types:
        assert not response.get_data(), f"{where} with a body; 204 declares none"
        return
    assert response.mimetype in answer.content_types, f"{where} as {response.mimetype}"
    if answer.schema is None or response.mimetype != "application/json":
        return
    problems = problems_of(answer.schema, response.get_json())
    assert not problems, f"{where}, not as {rule.endpoint} declares: " + "; ".join(problems[:5])


def problems_of(schema: dict, data) -> list[str]:
    """What in `data` breaks `schema` (whose references name the API's components)."""
    from thebot.api.shapes import COMPONENTS

    validator = _validator(json.dumps(schema, sort_keys=True), len(COMPONENTS))
    return [problem for error in validator.iter_errors(data) for problem in _told(error)]
