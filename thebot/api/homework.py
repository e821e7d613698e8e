"""Homework over JSON (contract.md 3a): list, set, open, submit (JSON or multipart), return,
grade, and the submission's file (services/homework/); see docs/api-homework.md."""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _

from thebot.api import api_user, bp
from thebot.api.schema import accepts
from thebot.api.shapes import (
    BOOLEAN,
    COUNT,
    DATETIME,
    ID,
    PERSON,
    STORED_FILE,
    STRING,
    TAUGHT_SUBJECT,
    TEXT,
    array,
    component,
    nullable,
    obj,
    one_of_values,
    returns,
)
from thebot.api.util import (
    attachment_response,
    id_arg,
    int_arg,
    json_body,
    returns_attachment,
)
from thebot.extensions import talisman
from thebot.models import Homework, HomeworkStatus
from thebot.models.homework import MAX_SCORE_LIMIT
from thebot.services import access
from thebot.services.errors import Invalid, NotFound
from thebot.services.homework import listing, work
from thebot.services.homework.serialize import homework_dict
from thebot.services.ids import payload_id

# The shapes of services/homework/serialize.py (the API always passes the viewer: `can_*` set).
HOMEWORK_SUBMISSION = component(
    "HomeworkSubmission",
    obj(
        {
            "text": TEXT,
            "attachment": nullable(STORED_FILE),
            "submitted_at": DATETIME,
            "late": BOOLEAN,
            "score": nullable(COUNT),
            "feedback": TEXT,
            "graded_at": nullable(DATETIME),
            "returned_at": nullable(DATETIME),
        }
    ),
)
HOMEWORK = component(
    "Homework",
    obj(
        {
            "id": ID,
            "enrollment_id": ID,
            "subject": TAUGHT_SUBJECT,
            "student": PERSON,
            "teacher": PERSON,
            "title": STRING,
            "instructions": TEXT,
            "due_at": DATETIME,
            "max_score": {"type": "integer", "minimum": 1, "maximum": MAX_SCORE_LIMIT},
            "status": one_of_values(*(status.value for status in HomeworkStatus)),
            "overdue": BOOLEAN,
            "created_at": DATETIME,
            "updated_at": DATETIME,
            "submission": nullable(HOMEWORK_SUBMISSION),
            "can_submit": BOOLEAN,
            "can_grade": BOOLEAN,
            "can_return": BOOLEAN,
        }
    ),
)

# A submission carries text and a file; a student sending a teacher's field is refused whole.
TEACHER_FIELDS = {"score", "feedback", "max_score", "status", "late", "graded_at", "returned_at"}


def _homework(homework: Homework):
    return jsonify(homework_dict(homework, api_user()))


def _refuse_teacher_fields(names) -> None:
    """A submission never carries what only the teacher writes: 400, nothing stored."""
    given = sorted(set(names) & TEACHER_FIELDS)
    if given:
        message = _("A submission carries only 'text' and 'file'; scores are the teacher's.")
        raise Invalid(message, {name: message for name in given})


@bp.get("/homework")
@accepts(
    query={
        "student_id": "id",
        "status": "string",
        "enrollment_id": "id",
        "limit": "count",
        "before_id": "id",
    }
)
@returns(200, obj({"homework": array(HOMEWORK), "has_more": BOOLEAN}))
def list_homework():
    """?student_id=&status=&enrollment_id=&limit=&before_id= (newest first)."""
    viewer = api_user()
    limit = int_arg("limit")
    rows, has_more = listing.homework_for(
        viewer,
        student_id=id_arg("student_id"),
        status=request.args.get("status") or None,
        enrollment_id=id_arg("enrollment_id"),
        before_id=id_arg("before_id"),
        limit=50 if limit is None else limit,
    )
    return jsonify({"homework": [homework_dict(h, viewer) for h in rows], "has_more": has_more})


@bp.post("/homework")
@accepts(
    body={
        "enrollment_id": "id",
        "title": "string",
        "instructions": "text",
        "due_at": "datetime",
        "max_score": "whole",
    },
    required=("enrollment_id", "title", "due_at", "max_score"),
)
@returns(201, HOMEWORK)
def set_homework():
    """The enrollment's teacher: {enrollment_id, title, instructions, due_at, max_score} → 201."""
    body = json_body()
    homework = work.set_homework(
        api_user(),
        enrollment_id=payload_id(body.get("enrollment_id"), "enrollment_id"),
        title=body.get("title"),
        instructions=body.get("instructions"),
        due_at=body.get("due_at"),
        max_score=body.get("max_score"),
    )
    return _homework(homework), 201


@bp.get("/homework/<int:homework_id>")
@returns(200, HOMEWORK)
def get_homework(homework_id: int):
    """One homework the caller may see (404 otherwise)."""
    return _homework(access.visible_homework_item(api_user(), homework_id))


@bp.post("/homework/<int:homework_id>/submission")
@accepts(body={"text": "text"}, required=("text",), form={"text": "text", "file": "file"})
@returns(200, HOMEWORK)
def submit_homework(homework_id: int):
    """Its student: JSON {text} or multipart text, file → the homework (submitted)."""
    if request.mimetype == "multipart/form-data":
        _refuse_teacher_fields([*request.form.keys(), *request.files.keys()])
        upload = request.files.get("file")
        homework = work.submit_homework(
            api_user(),
            homework_id,
            text=request.form.get("text", ""),
            file=upload.stream if upload is not None and upload.filename else None,
            filename=upload.filename if upload is not None else None,
        )
    else:
        body = json_body()
        _refuse_teacher_fields(body.keys())
        homework = work.submit_homework(api_user(), homework_id, text=body.get("text"))
    return _homework(homework)


@bp.post("/homework/<int:homework_id>/return")
@accepts(body={"feedback": "text"}, required=("feedback",))
@returns(200, HOMEWORK)
def return_homework(homework_id: int):
    """Its teacher sends it back for rework: {feedback}."""
    body = json_body()
    return _homework(work.return_homework(api_user(), homework_id, feedback=body.get("feedback")))


@bp.post("/homework/<int:homework_id>/grade")
@accepts(body={"score": "whole", "feedback": "text"}, required=("score",))
@returns(200, HOMEWORK)
def grade_homework(homework_id: int):
    """Its teacher grades it: {score (0..max_score), feedback?}."""
    body = json_body()
    homework = work.grade_homework(
        api_user(), homework_id, score=body.get("score"), feedback=body.get("feedback")
    )
    return _homework(homework)


@bp.get("/homework/<int:homework_id>/attachment")
@returns_attachment
@talisman(content_security_policy=False)  # the download sets its own, sandboxed
def homework_attachment(homework_id: int):
    """The submission's file, to those who may see the homework; a download, images inline
    (the same headers as chat downloads)."""
    row = access.visible_homework_item(api_user(), homework_id).submission
    if row is None:
        raise NotFound(_("No such file."))
    return attachment_response(row.attachment_key, row.attachment_name, row.attachment_type)
