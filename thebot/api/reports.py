"""Weekly reports over JSON: list, read, compose, edit, delete and send (services/reports/)."""

from __future__ import annotations

from flask import jsonify, request

from thebot.api import api_user, bp
from thebot.api.schema import accepts
from thebot.api.util import id_arg, json_body
from thebot.services.reports import prefill, reading, rules, writing
from thebot.services.reports.serialize import report_dict

# A report's own fields (services/reports/rules.py): texts and numbers.
REPORT_FIELDS = {
    **dict.fromkeys(rules.TEXT_FIELDS, "text"),
    **dict.fromkeys(("days_present", "days_planned", "progress_percent"), "whole"),
    **dict.fromkeys(("homework_done", "homework_set", "attendance_percent"), "whole"),
    "average_grade": "number",
}


def _report(report):
    return jsonify({"report": report_dict(report, api_user())})


@bp.get("/reports")
@accepts(query={"student_id": "id", "kind": "string", "box": "string", "status": "string"})
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
def get_report(report_id: int):
    """One report the caller may see; the recipient's opening marks it read."""
    return _report(reading.open_report(api_user(), report_id))


@bp.post("/reports/<int:report_id>/read")
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
def update_report(report_id: int):
    """Change a draft's week or fields (the author only)."""
    return _report(writing.update_report(api_user(), report_id, json_body()))


@bp.delete("/reports/<int:report_id>")
def delete_report(report_id: int):
    """Delete a draft (the author only) → 204."""
    writing.delete_report(api_user(), report_id)
    return "", 204


@bp.post("/reports/<int:report_id>/send")
def send_report(report_id: int):
    """Send a draft to the recipient the server takes from the student's links."""
    return _report(writing.send_report(api_user(), report_id))
