"""The teacher's area."""

from __future__ import annotations

from flask import render_template

from thebot.services import learning, overview
from thebot.teacher import bp
from thebot.web import me


@bp.get("/")
def dashboard():
    """My queues (today's lessons, homework to grade, reports due), then my enrollments."""
    enrollments = learning.enrollments_taught_by(me())
    return render_template(
        "teacher/dashboard.html",
        enrollments=enrollments,
        queues=overview.work_queues(me(), roster=enrollments),
    )
