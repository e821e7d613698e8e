"""The teacher's area."""

from __future__ import annotations

from flask import render_template

from thebot.services import learning
from thebot.teacher import bp
from thebot.web import me


@bp.get("/")
def dashboard():
    """My active enrollments: student, subject, the student's tutor and parent."""
    enrollments = learning.enrollments_taught_by(me())
    return render_template("teacher/dashboard.html", enrollments=enrollments)
