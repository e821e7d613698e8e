"""The teacher's area."""
from __future__ import annotations

from flask import Blueprint, render_template

from thebot.models import Role
from thebot.services import learning
from thebot.web import me, restrict_blueprint

bp = Blueprint("teacher", __name__, url_prefix="/teacher")
restrict_blueprint(bp, Role.TEACHER)


@bp.get("/")
def dashboard():
    """My active enrollments: student, subject, the student's tutor and parent."""
    enrollments = learning.enrollments_taught_by(me())
    return render_template("teacher/dashboard.html", enrollments=enrollments)


from thebot.teacher import reports  # noqa: E402,F401
