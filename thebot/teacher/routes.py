"""The teacher's area."""
from __future__ import annotations

from flask import render_template

from thebot.services import learning
from thebot.web import me

from thebot.teacher import bp


@bp.get("/")
def dashboard():
    """My active enrollments: student, subject, the student's tutor and parent."""
    enrollments = learning.enrollments_taught_by(me())
    return render_template("teacher/dashboard.html", enrollments=enrollments)


from thebot.teacher import reports  # noqa: E402,F401
