"""The parent's area."""

from __future__ import annotations

from flask import render_template

from thebot.parent import bp
from thebot.services import access, learning, overview, people
from thebot.web import me


@bp.get("/")
def dashboard():
    """Today's lessons and the invoices to pay, then each child with tutor and subjects."""
    children = people.students_visible_to(me())
    enrollments = learning.enrollments_of_students([c.id for c in children])
    return render_template(
        "parent/dashboard.html",
        children=children,
        enrollments=enrollments,
        queues=overview.work_queues(me()),
    )


@bp.get("/children/<int:student_id>")
def child(student_id: int):
    """One child's page (404 for anyone else's child): the whole picture, kept live."""
    student = access.visible_student(me(), student_id)
    enrollments = learning.enrollments_of_students([student.id])[student.id]
    return render_template(
        "parent/child.html",
        child=student,
        enrollments=enrollments,
        picture=overview.student_picture(me(), student),
    )
