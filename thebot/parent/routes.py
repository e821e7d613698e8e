"""The parent's area."""
from __future__ import annotations

from flask import Blueprint, render_template

from thebot.models import Role
from thebot.services import access, learning, people
from thebot.web import me, restrict_blueprint

bp = Blueprint("parent", __name__, url_prefix="/parent")
restrict_blueprint(bp, Role.PARENT)


@bp.get("/")
def dashboard():
    """Each child with their tutor, subjects and teachers."""
    children = people.students_visible_to(me())
    enrollments = learning.enrollments_of_students([c.id for c in children])
    return render_template("parent/dashboard.html", children=children, enrollments=enrollments)


@bp.get("/children/<int:student_id>")
def child(student_id: int):
    """One child's page (404 for anyone else's child)."""
    student = access.visible_student(me(), student_id)
    enrollments = learning.enrollments_of_students([student.id])[student.id]
    return render_template("parent/child.html", child=student, enrollments=enrollments)
