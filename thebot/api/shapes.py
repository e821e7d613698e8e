"""What each API route answers on success, declared next to the route with `@returns(...)`:
the status and the JSON Schema of the body (or its content type, for a file).

The OpenAPI document (api/openapi.py) publishes these declarations, and the test suite checks
every JSON answer a test receives from the API against the document (tests/support/app.py), so
a shape that drifts from its declaration fails the build. Objects are closed
(`additionalProperties: false`): a field the declaration does not name fails too.

Shapes used by several routes are named components (`component(...)`), published under
`#/components/schemas/`; the helpers below keep declarations short:

    INVOICE = component("Invoice", obj({"id": ID, "amount": DECIMAL, ...}))

    @bp.get("/invoices/<int:invoice_id>")
    @returns(200, INVOICE)
    def get_invoice(invoice_id): ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

JSON = "application/json"

# Named shapes, by component name (filled as the API modules are imported).
COMPONENTS: dict[str, dict] = {}

STRING: dict = {"type": "string"}
TEXT: dict = {"type": "string"}
ID: dict = {"type": "integer", "minimum": 1}
INTEGER: dict = {"type": "integer"}
COUNT: dict = {"type": "integer", "minimum": 0}
NUMBER: dict = {"type": "number"}
BOOLEAN: dict = {"type": "boolean"}
DATE: dict = {"type": "string", "format": "date"}
DATETIME: dict = {"type": "string", "format": "date-time"}
URL: dict = {"type": "string"}
DECIMAL: dict = {"type": "string", "pattern": r"^-?\d+\.\d{2}$", "description": "money"}
ANY: dict = {}


def obj(properties: dict[str, dict], optional: tuple[str, ...] = ()) -> dict:
    """A closed object: every property is required but those named in `optional`."""
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
    }


def nullable(schema: dict) -> dict:
    """The schema, or null."""
    return {"anyOf": [schema, {"type": "null"}]}


def array(items: dict) -> dict:
    return {"type": "array", "items": items}


def one_of_values(*values: str) -> dict:
    """A string that is one of these values."""
    return {"type": "string", "enum": list(values)}


def component(name: str, schema: dict) -> dict:
    """Register a named shape; returns the reference to use in declarations."""
    if name in COMPONENTS and COMPONENTS[name] != schema:
        raise ValueError(f"component {name!r} is declared twice, differently")
    COMPONENTS[name] = schema
    return {"$ref": f"#/components/schemas/{name}"}


@dataclass(frozen=True)
class RouteAnswer:
    """One declared success answer of a route."""

    status: int
    schema: dict | None  # None: no JSON body (a file, or 204)
    content_types: tuple[str, ...] = (JSON,)  # (): no body (204)
    description: str = "Success."


def returns(
    status: int,
    schema: dict | None = None,
    *,
    content_type: str | tuple[str, ...] = JSON,
    description: str = "Success.",
) -> Callable[[F], F]:
    """Declare a success answer of the route (stackable: one per status). A file answer gives
    its `content_type`, or every type it may be sent as (a stored upload's), and no schema;
    204 gives neither."""
    types = (
        () if status == 204 else (content_type,) if isinstance(content_type, str) else content_type
    )
    answer = RouteAnswer(status, schema, tuple(types), description)

    def mark(view: F) -> F:
        answers = dict(getattr(view, "api_answers", {}))
        answers[status] = answer
        view.api_answers = answers  # type: ignore[attr-defined]
        return view

    return mark


def answers_of(view) -> dict[int, RouteAnswer]:
    """The declared success answers of a view, by status ({} when none is declared)."""
    return getattr(view, "api_answers", {})


def responses(view) -> dict[str, dict]:
    """The OpenAPI `responses` entries of the view's declared success answers."""
    entries: dict[str, dict] = {}
    for status, answer in sorted(answers_of(view).items()):
        entry: dict = {"description": answer.description}
        if answer.content_types:
            entry["content"] = {
                kind: {
                    "schema": (answer.schema or {})
                    if kind == JSON
                    else {"type": "string", "format": "binary"}
                }
                for kind in answer.content_types
            }
        entries[str(status)] = entry
    return entries


# --- shapes several areas answer with ------------------------------------------------------------

ROLE = one_of_values("admin", "tutor", "teacher", "parent", "student")
OK = component("Ok", obj({"ok": {"const": True}}))
# The fields of serializers.user_brief / user_summary, for the shapes that extend them.
BRIEF_FIELDS: dict[str, dict] = {"id": ID, "full_name": STRING, "role": ROLE}
SUMMARY_FIELDS: dict[str, dict] = {"id": ID, "username": STRING, "full_name": STRING, "role": ROLE}
USER_BRIEF = component("UserBrief", obj(BRIEF_FIELDS))
USER_SUMMARY = component("UserSummary", obj(SUMMARY_FIELDS))
PERSON = component("Person", obj({"id": ID, "full_name": STRING}))  # named without a role
# The subject of an enrollment, and the enrollment's own title (its custom one or the subject's).
TAUGHT_SUBJECT = component("TaughtSubject", obj({"id": ID, "name": STRING, "title": STRING}))
# A stored upload (a chat message's or a homework submission's file), as its download.
STORED_FILE = component(
    "StoredFile", obj({"url": URL, "name": STRING, "size": COUNT, "content_type": STRING})
)
