"""People and enrollments the caller may see."""

from __future__ import annotations

from flask import jsonify

from thebot.api import api_user, bp
from thebot.api.serializers import (
    ENROLLMENT,
    STUDENT,
    enrollment_dict,
    student_dict,
    user_brief,
)
from thebot.api.shapes import USER_BRIEF, array, obj, returns
from thebot.services import access, learning, people


@bp.get("/students")
@returns(200, obj({"students": array(STUDENT)}))
def students():
    """The students the caller may see, with links and active enrollments."""
    viewer = api_user()
    rows = people.students_visible_to(viewer)
    grouped = learning.enrollments_of_students([s.id for s in rows])
    return jsonify({"students": [student_dict(s, grouped[s.id], viewer) for s in rows]})


@bp.get("/students/<int:student_id>")
@returns(200, STUDENT)
def student(student_id: int):
    """One student the caller may see (404 otherwise)."""
    viewer = api_user()
    row = access.visible_student(viewer, student_id)
    grouped = learning.enrollments_of_students([row.id])
    return jsonify(student_dict(row, grouped[row.id], viewer))


@bp.get("/people")
@returns(200, obj({"people": array(USER_BRIEF)}))
def visible_people():
    """Everyone the caller may see."""
    return jsonify({"people": [user_brief(u) for u in people.users_visible_to(api_user())]})


@bp.get("/enrollments/<int:enrollment_id>")
@returns(200, ENROLLMENT)
def enrollment(enrollment_id: int):
    """One enrollment the caller may see (404 otherwise)."""
    return jsonify(enrollment_dict(access.visible_enrollment(api_user(), enrollment_id)))
