"""Billing lessons over JSON: a tutor's completed, unbilled sessions with a student in a period,
and one invoice draft for them (services/billing/lessons.py)."""

from __future__ import annotations

from flask import jsonify, request

from thebot.api import api_user, bp
from thebot.api.billing_shapes import INVOICE
from thebot.api.lessons import LESSON
from thebot.api.schema import accepts
from thebot.api.shapes import array, obj, returns
from thebot.api.util import json_body
from thebot.services.billing import lessons
from thebot.services.billing.serialize import invoice_dict
from thebot.services.ids import payload_id
from thebot.services.lessons.serialize import lesson_dict


@bp.get("/students/<int:student_id>/billable-lessons")
@accepts(query={"date_from": "date", "date_to": "date"})
@returns(200, obj({"lessons": array(LESSON)}))
def billable_lessons(student_id: int):
    """?date_from=&date_to= (YYYY-MM-DD, days in the tutor's zone): the lessons one step bills."""
    viewer = api_user()
    rows = lessons.billable_lessons(
        viewer, student_id, request.args.get("date_from"), request.args.get("date_to")
    )
    return jsonify({"lessons": [lesson_dict(lesson, viewer) for lesson in rows]})


@bp.post("/invoices/from-lessons")
@accepts(
    body={
        "student_id": "id",
        "date_from": "date",
        "date_to": "date",
        "rate": "decimal",
        "due_date": "date",
    },
    required=("student_id", "date_from", "date_to", "rate", "due_date"),
)
@returns(201, INVOICE)
def bill_lessons():
    """{student_id, date_from, date_to, rate (a decimal string), due_date} → 201, the draft."""
    body = json_body()
    invoice = lessons.bill_lessons(
        api_user(),
        student_id=payload_id(body.get("student_id"), "student_id"),
        date_from=body.get("date_from"),
        date_to=body.get("date_to"),
        rate=body.get("rate"),
        due_date=body.get("due_date") if isinstance(body.get("due_date"), str) else None,
    )
    return jsonify(invoice_dict(invoice, api_user())), 201
