"""The student's area."""

from __future__ import annotations

from flask import render_template

from thebot.services import learning, overview
from thebot.student import bp
from thebot.web import me


@bp.get("/")
def dashboard():
    """Today's lessons, my subjects and teachers, my tutor, my parent."""
    user = me()
    enrollments = learning.enrollments_of_students([user.id])[user.id]
    return render_template(
        "student/dashboard.html",
        user=user,
        profile=user.student_profile,
        enrollments=enrollments,
        queues=overview.work_queues(user),
    )
