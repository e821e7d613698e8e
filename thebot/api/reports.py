"""Weekly reports over JSON: list, read, compose, edit, delete and send (services/reports/)."""

from __future__ import annotations

from flask import jsonify, request

from thebot.api import api_user, bp
from thebot.api.schema import accepts
from thebot.api.shapes import (
    BOOLEAN,
    COUNT,
    DATE,
    DATETIME,
    ID,
    PERSON,
    STRING,
    TAUGHT_SUBJECT,
    array,
    component,
    nullable,
    obj,
    one_of_values,
    returns,
)
from thebot.api.util import id_arg, json_body
from thebot.models import ReportStatus
from thebot.services.reports import prefill, reading, rules, writing
from thebot.services.reports.serialize import report_dict

# A report's own fields (services/reports/rules.py): texts and numbers.
REPORT_FIELDS = {
    **dict.fromkeys(rules.TEXT_FIELDS, "text"),
    **dict.fromkeys(("days_present", "days_planned", "progress_percent"), "whole"),
    **dict.fromkeys(("homework_done", "homework_set", "attendance_percent"), "whole"),
    "average_grade": "number",
}


# --- answer shapes (services/reports/serialize.py, prefill.prefill_dict) -------------------------

NULL: dict = {"type": "null"}
# The 5-point school scale as a string with two decimals ("4.50"): NUMERIC(3,2), 1.00 to 5.00.
GRADE: dict = {"type": "string", "pattern": r"^[1-5]\.\d{2}$", "description": "grade, 1.00-5.00"}


def _report_shape(kind: str, subject: dict, enrollment_id: dict, numbers: dict) -> dict:
    """A report of one kind: the common fields around the kind's own numbers."""
    return obj(
        {
            "id": ID,
            "kind": {"const": kind},
            "status": one_of_values(*(s.value for s in ReportStatus)),
            "student": PERSON,
            "subject": subject,
            "enrollment_id": enrollment_id,
            "week_start": DATE,
            "author": PERSON,
            "recipient": nullable(PERSON),  # null on drafts
            **dict.fromkeys(rules.TEXT_FIELDS, STRING),
            **numbers,
            "sent_at": nullable(DATETIME),
            "read_at": nullable(DATETIME),
            "created_at": DATETIME,
            "updated_at": DATETIME,
            "can_edit": BOOLEAN,
            "is_new": BOOLEAN,
        }
    )


# The numbers a report (and its pre-fill) has by kind; a tutor report has no subject or enrollment.
TUTOR_NUMBERS = dict.fromkeys(("days_present", "days_planned"), nullable(COUNT))
TEACHER_NUMBERS = {
    **dict.fromkeys(("homework_done", "homework_set"), nullable(COUNT)),
    "average_grade": nullable(GRADE),
    "attendance_percent": nullable(COUNT),
}
REPORT = component(
    "Report",
    {
        "discriminator": {
            "propertyName": "kind",
            "mapping": {
                "tutor": "#/components/schemas/TutorReport",
                "teacher": "#/components/schemas/TeacherReport",
            },
        },
        "oneOf": [
            component(
                "TutorReport",
                _report_shape(
                    "tutor",
                    NULL,
                    NULL,
                    {
                        **TUTOR_NUMBERS,
                        "progress_percent": nullable(COUNT),
                        "attendance_share": nullable(COUNT),
                    },
                ),
            ),
            component(
                "TeacherReport",
                _report_shape("teacher", TAUGHT_SUBJECT, ID, TEACHER_NUMBERS),
            ),
        ],
    },
)
ONE_REPORT = obj({"report": REPORT})


def _prefill_shape(kind: str, enrollment_id: dict, fields: dict, basis: tuple[str, ...]) -> dict:
    """A pre-fill of one kind: the new report's numbers and the counts they come from."""
    return obj(
        {
            "kind": {"const": kind},
            "week_start": DATE,
            "student_id": ID,
            "enrollment_id": enrollment_id,
            "fields": obj(fields),
            "basis": obj(dict.fromkeys(("lessons_completed", "lessons_planned", *basis), COUNT)),
        }
    )


PREFILL = {
    "oneOf": [
        _prefill_shape("tutor", NULL, TUTOR_NUMBERS, ()),
        _prefill_shape("teacher", ID, TEACHER_NUMBERS, ("homework_set", "homework_done")),
    ]
}


def _report(report):
    return jsonify({"report": report_dict(report, api_user())})


@bp.get("/reports")
@accepts(query={"student_id": "id", "kind": "string", "box": "string", "status": "string"})
@returns(200, obj({"reports": array(REPORT)}))
def list_reports():
    """?student_id=&kind=tutor|teacher&box=sent|received|all&status=draft|sent|read|unread."""
    viewer = api_user()
    rows = reading.reports_for(
        viewer,
        student_id=id_arg("student_id"),
        kind=request.args.get("kind") or None,
        box=request.args.get("box") or "all",
        status=request.args.get("status") or None,
    )
    return jsonify({"reports": [report_dict(r, viewer) for r in rows]})


@bp.get("/reports/prefill")
@accepts(query={"kind": "string", "week_start": "date", "student_id": "id", "enrollment_id": "id"})
@returns(200, obj({"prefill": PREFILL}))
def report_prefill():
    """?kind=tutor|teacher&week_start=&student_id= (tutor) or &enrollment_id= (teacher): a new
    report's numbers from that week's lessons and homework."""
    filled = prefill.prefill(
        api_user(),
        request.args.get("kind"),
        request.args.get("week_start"),
        student_id=id_arg("student_id"),
        enrollment_id=id_arg("enrollment_id"),
    )
    return jsonify({"prefill": prefill.prefill_dict(filled)})


@bp.get("/reports/<int:report_id>")
@returns(200, ONE_REPORT)
def get_report(report_id: int):
    """One report the caller may see; the recipient's opening marks it read."""
    return _report(reading.open_report(api_user(), report_id))


@bp.post("/reports/<int:report_id>/read")
@returns(200, ONE_REPORT)
def read_report(report_id: int):
    """The recipient marks a report read (a repeat is a no-op)."""
    return _report(reading.mark_read(api_user(), report_id))


@bp.post("/reports")
@accepts(
    body={
        "kind": "string",
        "week_start": "date",
        "student_id": "id",
        "enrollment_id": "id",
        **REPORT_FIELDS,
    },
    required=("kind", "week_start"),
)
@returns(201, ONE_REPORT)
def create_report():
    """A new draft: {kind, student_id, enrollment_id (teacher), week_start, fields…} → 201."""
    body = dict(json_body())
    report = writing.create_report(
        api_user(),
        kind=body.pop("kind", None),
        week_start=body.pop("week_start", None),
        student_id=body.pop("student_id", None),
        enrollment_id=body.pop("enrollment_id", None),
        fields=body,
    )
    return _report(report), 201


@bp.patch("/reports/<int:report_id>")
@accepts(body={"week_start": "date", **REPORT_FIELDS})
@returns(200, ONE_REPORT)
def update_report(report_id: int):
    """Change a draft's week or fields (the author only)."""
    return _report(writing.update_report(api_user(), report_id, json_body()))


@bp.delete("/reports/<int:report_id>")
@returns(204)
def delete_report(report_id: int):
    """Delete a draft (the author only) → 204."""
    writing.delete_report(api_user(), report_id)
    return "", 204


@bp.post("/reports/<int:report_id>/send")
@returns(200, ONE_REPORT)
def send_report(report_id: int):
    """Send a draft to the recipient the server takes from the student's links."""
    return _report(writing.send_report(api_user(), report_id))
