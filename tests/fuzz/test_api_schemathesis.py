"""Every operation of the OpenAPI document, driven by schemathesis through the WSGI app as each
role (and anonymously), with generated path ids, queries and bodies — schema-valid ones and
broken ones — plus the real ids the role may see: no answer is a 5xx, every error is the
envelope the document declares, and nothing is logged at ERROR.

Bounded: FUZZ_EXAMPLES examples per operation and mode (env THEBOT_FUZZ_EXAMPLES), no deadline,
no example database (docs/development.md, "Fuzz runs")."""

from __future__ import annotations

import logging
import os
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation import GenerationMode

from tests.support.http import api_token

pytestmark = pytest.mark.fuzz
FUZZ_EXAMPLES = int(os.environ.get("THEBOT_FUZZ_EXAMPLES", "2"))
ROLES = ("anonymous", "student", "parent", "tutor", "teacher", "admin")
# Left out of the run: the sign-out would end the run's own token (it is its own test's).
SKIPPED = {("POST", "/api/v1/auth/logout")}
# The lists a role's real ids come from: path parameter -> (list route, key of the items).
LISTS = {
    "room_id": ("/api/v1/chat/rooms", "rooms"),
    "lesson_id": ("/api/v1/lessons", "lessons"),
    "homework_id": ("/api/v1/homework", "homework"),
    "invoice_id": ("/api/v1/invoices", "invoices"),
    "report_id": ("/api/v1/reports", "reports"),
    "student_id": ("/api/v1/students", "students"),
    "notification_id": ("/api/v1/notifications", "notifications"),
}
# Dates and times as hypothesis draws them, with the calendar's ends and zone extremes mixed
# in (the ends overflowed datetime arithmetic once: tests/fuzz/test_found.py).
EDGE_DATES = ["0001-01-01", "0001-01-02", "9999-12-31", "9999-12-27", "2000-02-29"]
EDGE_TIMES = [
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-12:00",
    "9999-12-01T10:00:00+00:00",
    "1900-01-01T00:00:00+00:00",
]
_ZONES = st.sampled_from([UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-12))])
schemathesis.openapi.format("date", st.dates().map(date.isoformat) | st.sampled_from(EDGE_DATES))
schemathesis.openapi.format(
    "date-time",
    st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=_ZONES
    ).map(datetime.isoformat)
    | st.sampled_from(EDGE_TIMES),
)
CHECKS = [
    not_a_server_error,
    negative_data_rejection,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _real_ids(web, token: str | None) -> dict[str, int]:
    """One id of each kind the role may see (through the API itself), for deeper paths."""
    if token is None:
        return {}
    ids = {}
    for name, (path, key) in LISTS.items():
        items = web.api("GET", path, token=token).get_json().get(key) or []
        if items:
            ids[name] = items[0]["id"]
    rooms = web.api("GET", "/api/v1/chat/rooms", token=token).get_json()["rooms"]
    last = next((r["last_message"] for r in rooms if r.get("last_message")), None)
    if last:
        ids["message_id"] = last["id"]
    return ids


def _strategies(operation, ids: dict[str, int]):
    names = {p.name for p in operation.path_parameters}
    known = {name: ids[name] for name in names if name in ids}
    yield operation.as_strategy(GenerationMode.POSITIVE)
    yield operation.as_strategy(GenerationMode.NEGATIVE)
    if known and len(known) == len(names):
        yield operation.as_strategy(GenerationMode.POSITIVE, path_parameters=known)
        yield operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=known)


@pytest.mark.parametrize("role", ROLES)
def test_no_operation_answers_a_server_error_for_any_input(app, web, demo, role, caplog):
    token = None if role == "anonymous" else api_token(demo[role])
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    ids = _real_ids(web, token)
    caplog.set_level(logging.ERROR)
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    ran = 0
    for operation in operations:
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        for strategy in _strategies(operation, ids):

            @settings(
                max_examples=FUZZ_EXAMPLES,
                deadline=None,
                database=None,
                derandomize=os.environ.get("THEBOT_FUZZ_RANDOM") != "1",
                suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy)
            def run(case):
                response = case.call(headers=headers)
                assert response.status_code < 500, (case.method, case.formatted_path, response.text)
                checks = CHECKS
                query = case.query if isinstance(case.query, dict) else {}
                if (case.media_type or "").startswith("multipart/") or any(
                    isinstance(value, (list, dict)) or value is None for value in query.values()
                ):
                    # every multipart value is a string on the wire, and a list or null in a
                    # query may reach it as nothing at all: a "wrong type" there is still valid
                    # input (e.g. a client_id "[]"), not schema-breaking
                    checks = [c for c in CHECKS if c is not negative_data_rejection]
                case.validate_response(response, checks=checks, headers=headers)

            run()
            ran += 1
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]
    assert ran >= 2 * len(operations) - 2
