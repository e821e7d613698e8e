"""The parent's area."""
from __future__ import annotations

from flask import render_template

from thebot.services import access, learning, people
from thebot.web import me

from thebot.parent import bp


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
    from thebot.services.reports import reading as report_service  # the page module is `reports` here
    return render_template(
        "parent/child.html", child=student, enrollments=enrollments,
        latest_reports=report_service.reports_for(me(), student_id=student.id, limit=3),
        progress_points=report_service.progress_series(me(), student.id))


from thebot.parent import reports  # noqa: E402,F401
