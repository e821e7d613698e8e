"""The OpenAPI document at /api/v1/openapi.json (contract.md section 3): public, and it lists
every route of the API with its methods, path parameters and summary."""

from __future__ import annotations

import re

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


def test_the_document_is_public_and_lists_every_api_route(app, web):
    answer = web.get("/api/v1/openapi.json")
    assert answer.status_code == 200 and answer.is_json
    doc = answer.get_json()
    assert doc["openapi"] == "3.1.0" and doc["info"]["title"] == "THE BOT API"
    listed = {(method, path) for path, item in doc["paths"].items() for method in item}
    expected = {
        (method.lower(), ARG.sub(lambda m: "{" + m.group(1) + "}", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    assert listed == expected
    assert listed >= CONTRACT_ROUTES


def test_each_operation_is_described_and_ids_are_integers(web):
    doc = web.get("/api/v1/openapi.json").get_json()
    operation_ids = []
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            operation_ids.append(operation["operationId"])
            assert operation["summary"].strip(), (method, path)
            assert operation["responses"]["default"] == {"$ref": "#/components/responses/Error"}
            names = re.findall(r"{(\w+)}", path)
            params = {p["name"]: p for p in operation.get("parameters", [])}
            assert sorted(params) == sorted(names), (method, path)
            for name in names:
                if name.endswith("_id"):
                    assert params[name]["schema"] == {"type": "integer", "minimum": 1}
    assert len(operation_ids) == len(set(operation_ids))
    login = doc["paths"]["/api/v1/auth/login"]["post"]
    assert login["security"] == []  # the one door in without credentials
    assert "security" not in doc["paths"]["/api/v1/me"]["get"]  # the document's default: bearer
    assert doc["security"] == [{"bearer": []}, {"session": []}]
