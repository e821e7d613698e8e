"""The parent's area."""

from __future__ import annotations

from flask import render_template

from thebot.parent import bp
from thebot.services import access, learning, people
from thebot.services.reports import reading
from thebot.web import me


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
    return render_template(
        "parent/child.html",
        child=student,
        enrollments=enrollments,
        latest_reports=reading.reports_for(me(), student_id=student.id, limit=3),
        progress_points=reading.progress_series(me(), student.id),
    )
