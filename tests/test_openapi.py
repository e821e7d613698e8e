"""The OpenAPI document at /api/v1/openapi.json (contract.md section 3): public, and it lists
every route of the API with its methods, path and query parameters, summary, request bodies
(from each route's `@accepts` declaration, api/schema.py) and the error envelope. The
declarations are checked against the routes' own code: a route that reads a JSON body, a form
field or a query argument it does not declare fails here, and a body field of the declared
wrong type is refused by the route itself. Every route declares its success answers
(`@returns`, api/shapes.py), which the document publishes and every API answer of the suite is
held to (tests/support/answers.py)."""

from __future__ import annotations

import inspect
import json
import re
import sys

import pytest
from sqlalchemy import func, select

from tests.support.answers import check_answer
from tests.support.http import api_token
from tests.support.realtime import subject_room

ARG = re.compile(r"<(?:\w+:)?(\w+)>")
# Fixed by contract.md section 3a (and 3): each must be in the document.
CONTRACT_ROUTES = {
    ("post", "/api/v1/auth/login"),
    ("get", "/api/v1/me"),
    ("get", "/api/v1/invoices"),
    ("post", "/api/v1/invoices"),
    ("get", "/api/v1/invoices/{invoice_id}"),
    ("post", "/api/v1/invoices/{invoice_id}/send"),
    ("post", "/api/v1/invoices/{invoice_id}/cancel"),
    ("post", "/api/v1/invoices/{invoice_id}/payments"),
    ("get", "/api/v1/payments/{payment_id}"),
    ("get", "/api/v1/lessons"),
    ("post", "/api/v1/lessons"),
    ("patch", "/api/v1/lessons/{lesson_id}"),
    ("post", "/api/v1/lessons/{lesson_id}/cancel"),
    ("post", "/api/v1/lessons/{lesson_id}/complete"),
    ("post", "/api/v1/me/calendar"),
    ("get", "/api/v1/homework"),
    ("post", "/api/v1/homework"),
    ("get", "/api/v1/homework/{homework_id}"),
    ("post", "/api/v1/homework/{homework_id}/submission"),
    ("post", "/api/v1/homework/{homework_id}/grade"),
    ("post", "/api/v1/homework/{homework_id}/return"),
}
# What a route's code reads, found in its source (and in its module's helpers it calls).
READS_BODY = re.compile(r"\b(?:json_body|_optional_body)\(")
BODY_FIELDS = re.compile(r"""(?:\bbody|\bdata|json_body\(\))\s*(?:\.(?:get|pop)\(\s*|\[)"(\w+)\"""")
QUERY_FIELDS = re.compile(r"""(?:\bid_arg|\bint_arg|\bargs\.get)\(\s*"(\w+)\"""")
FORM_FIELDS = re.compile(r"""request\.(?:form|files)\.get\(\s*"(\w+)\"""")


def _document(web) -> dict:
    answer = web.get("/api/v1/openapi.json")
    assert answer.status_code == 200 and answer.is_json
    return answer.get_json()


def _api_views(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            yield rule, app.view_functions[rule.endpoint]


def _source(view) -> str:
    """The view's source and that of the module-level helpers (`_name(`) it calls."""
    view = inspect.unwrap(view)
    text = inspect.getsource(view)
    module = sys.modules[view.__module__]
    for name in set(re.findall(r"\b(_\w+)\(", text)):
        helper = getattr(module, name, None)
        if inspect.isfunction(helper) and helper.__module__ == module.__name__:
            text += inspect.getsource(helper)
    return text


def _operations(doc, rule):
    path = ARG.sub(lambda m: "{" + m.group(1) + "}", rule.rule)
    item = doc["paths"][path]
    return [item[m.lower()] for m in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})]


def test_the_document_is_public_and_lists_every_api_route(app, web):
    doc = _document(web)
    assert doc["openapi"] == "3.1.0" and doc["info"]["title"] == "THE BOT API"
    listed = {(method, path) for path, item in doc["paths"].items() for method in item}
    expected = {
        (method.lower(), ARG.sub(lambda m: "{" + m.group(1) + "}", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    assert listed == expected  # every route is documented, and every documented path exists
    assert listed >= CONTRACT_ROUTES


def test_each_operation_is_described_and_ids_are_integers(web):
    doc = _document(web)
    operation_ids = []
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            operation_ids.append(operation["operationId"])
            assert operation["summary"].strip(), (method, path)
            responses = operation["responses"]
            assert responses["default"] == {"$ref": "#/components/responses/Error"}
            assert responses["404"] == {"$ref": "#/components/responses/NotFound"}
            names = re.findall(r"{(\w+)}", path)
            params = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "path"}
            assert sorted(params) == sorted(names), (method, path)
            for name in names:
                if name.endswith("_id"):
                    assert params[name]["schema"] == {"type": "integer", "minimum": 1}
            for query in (p for p in operation.get("parameters", []) if p["in"] == "query"):
                assert query["required"] is False and query["allowEmptyValue"] is True, query
                if query["name"].endswith("_id"):
                    assert query["schema"] == {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": 2**31 - 1,
                    }
    assert len(operation_ids) == len(set(operation_ids))
    login = doc["paths"]["/api/v1/auth/login"]["post"]
    assert login["security"] == []  # the one door in without credentials
    assert "401" not in login["responses"]
    me = doc["paths"]["/api/v1/me"]["get"]
    assert "security" not in me and "401" in me["responses"]  # the document's default: bearer
    assert doc["security"] == [{"bearer": []}, {"session": []}]
    error = doc["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    assert error["properties"]["error"]["required"] == ["code", "message"]


def test_every_route_that_reads_a_body_declares_it(app, web):
    doc = _document(web)
    readers = 0
    for rule, view in _api_views(app):
        source = _source(view)
        for operation in _operations(doc, rule):
            content = operation.get("requestBody", {}).get("content", {})
            label = (rule.endpoint, sorted(rule.methods or ()))
            if READS_BODY.search(source):
                readers += 1
                assert "application/json" in content, f"{label} reads a JSON body: @accepts(body=)"
                declared = content["application/json"]["schema"]["properties"]
                read = set(BODY_FIELDS.findall(source))
                assert read <= set(declared), (label, read - set(declared))
            else:
                assert "application/json" not in content, label
            form = set(FORM_FIELDS.findall(source))
            if form:
                declared_form = content["multipart/form-data"]["schema"]["properties"]
                assert form <= set(declared_form), (label, form - set(declared_form))
            query = set(QUERY_FIELDS.findall(source))
            declared_query = {
                p["name"] for p in operation.get("parameters", []) if p["in"] == "query"
            }
            assert query <= declared_query, (label, query - declared_query)
    assert readers >= 25
    send = doc["paths"]["/api/v1/chat/rooms/{room_id}/messages"]["post"]["requestBody"]
    assert send["required"] is True
    schema = send["content"]["application/json"]["schema"]
    assert schema["required"] == ["content"]
    assert schema["properties"]["reply_to_id"]["type"] == ["integer", "null"]
    cancel = doc["paths"]["/api/v1/invoices/{invoice_id}/cancel"]["post"]["requestBody"]
    assert cancel["required"] is False  # {"reason"?}: the body may be left out
    attach = doc["paths"]["/api/v1/chat/rooms/{room_id}/attachments"]["post"]["requestBody"]
    assert attach["content"]["multipart/form-data"]["schema"]["required"] == ["file"]
    amount = doc["paths"]["/api/v1/invoices"]["post"]["requestBody"]["content"]
    assert amount["application/json"]["schema"]["properties"]["amount"]["type"] == "string"


def test_a_body_field_of_the_wrong_type_is_refused_by_the_declaration(web, demo):
    """The declaration is the route's type check: `content` is declared a string, so a number
    is 400 validation_error naming the field, and nothing is stored."""
    from thebot.extensions import db
    from thebot.models import ChatMessage

    room = subject_room(demo.student, "Maths")
    token = api_token("teacher", via=web)
    before = db.session.scalar(select(func.count()).select_from(ChatMessage))
    path = f"/api/v1/chat/rooms/{room}/messages"
    for wrong in (123, ["a"], {"text": "a"}, True):
        answer = web.api("POST", path, json={"content": wrong}, token=token)
        assert answer.status_code == 400, wrong
        error = answer.get_json()["error"]
        assert error["code"] == "validation_error" and set(error["fields"]) == {"content"}
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(ChatMessage)) == before
    sent = web.api("POST", path, json={"content": "A string is sent"}, token=token)
    assert sent.status_code == 201 and sent.get_json()["message"]["content"] == "A string is sent"


def _refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_every_route_declares_its_success_answers_and_the_document_publishes_them(app, web):
    """A route without `@returns` fails here; each declared answer is in the document, with
    its schema, and every reference in the document names a published component."""
    from thebot.api.shapes import answers_of

    doc = _document(web)
    for rule, view in _api_views(app):
        declared = answers_of(view)
        assert declared, f"{rule.endpoint} declares no success answer: @returns(...)"
        for operation in _operations(doc, rule):
            published = {code for code in operation["responses"] if code.startswith("2")}
            assert published == {str(status) for status in declared}, rule.endpoint
            for status, answer in declared.items():
                entry = operation["responses"][str(status)]
                if not answer.content_types:
                    assert "content" not in entry, rule.endpoint  # 204: no body
                    continue
                assert sorted(entry["content"]) == sorted(answer.content_types), rule.endpoint
                if "application/json" in answer.content_types:
                    schema = entry["content"]["application/json"]["schema"]
                    assert schema == answer.schema, rule.endpoint
    names = {
        f"#/components/{kind}/{name}"
        for kind in ("schemas", "responses")
        for name in doc["components"][kind]
    }
    assert set(_refs(doc["paths"])) | set(_refs(doc["components"])) <= names
    invoice = doc["paths"]["/api/v1/invoices/{invoice_id}"]["get"]["responses"]["200"]
    assert invoice["content"]["application/json"]["schema"]["$ref"].startswith(
        "#/components/schemas/"
    )
    assert doc["paths"]["/api/v1/me/sessions/{session_ref}"]["delete"]["responses"]["204"] == {
        "description": "Success."
    }


def test_an_answer_unlike_its_declaration_fails_the_suites_check(app, web, demo):
    """The check every API answer of the suite passes through (tests/support/answers.py): the
    real answer passes; with a field renamed, one removed or one added it does not."""
    token = api_token("parent", via=web)
    answer = web.api("GET", "/api/v1/me", token=token)
    body = answer.get_json()
    check_answer(app, answer)
    for changed in (
        {**body, "nickname": "extra"},
        {k: v for k, v in body.items() if k != "email"},
        {**body, "id": str(body["id"])},
        {**body, "role": "pirate"},
    ):
        answer.set_data(json.dumps(changed))
        with pytest.raises(AssertionError, match=r"not as api\.me declares"):
            check_answer(app, answer)


def test_a_report_unlike_its_kinds_shape_is_told_by_field(app, web, demo):
    """A report is one of two shapes (by kind): a wrong field is named in the check's report
    from the alternative of the report's own kind."""
    token = api_token("parent", via=web)
    report = web.api("GET", "/api/v1/reports", token=token).get_json()["reports"][0]
    answer = web.api("GET", f"/api/v1/reports/{report['id']}", token=token)
    check_answer(app, answer)
    body = answer.get_json()
    answer.set_data(json.dumps({"report": {**body["report"], "is_new": "yes"}}))
    with pytest.raises(AssertionError, match=r"report/is_new: \"yes\" is not of type \"boolean\""):
        check_answer(app, answer)
