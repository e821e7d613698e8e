"""Template globals: the navigation of each role and translated role names."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from thebot.models import Role
from thebot.services.lessons.texts import local_text

ROLE_LABELS = {
    Role.STUDENT: _l("Student"),
    Role.PARENT: _l("Parent"),
    Role.TUTOR: _l("Tutor"),
    Role.TEACHER: _l("Teacher"),
    Role.ADMIN: _l("Administrator"),
}

# Each role's pages; later parts append (endpoint, label) pairs here.
NAV: dict[Role, list[tuple[str, object]]] = {
    Role.STUDENT: [
        ("student.dashboard", _l("My studies")),
        ("student.schedule", _l("Schedule")),
        ("student.homework", _l("Homework")),
        ("chat.index", _l("Chat")),
    ],
    Role.PARENT: [
        ("parent.dashboard", _l("My children")),
        ("parent.schedule", _l("Schedule")),
        ("parent.homework", _l("Homework")),
        ("parent.reports", _l("Reports")),
        ("parent.invoices", _l("Invoices")),
        ("chat.index", _l("Chat")),
    ],
    Role.TUTOR: [
        ("tutor.dashboard", _l("My students")),
        ("tutor.new_student", _l("New student")),
        ("tutor.schedule", _l("Schedule")),
        ("tutor.homework", _l("Homework")),
        ("tutor.reports_to_parents", _l("Reports to parents")),
        ("tutor.reports_from_teachers", _l("Reports from teachers")),
        ("tutor.invoices", _l("Invoices")),
        ("chat.index", _l("Chat")),
    ],
    Role.TEACHER: [
        ("teacher.dashboard", _l("My students")),
        ("teacher.schedule", _l("Schedule")),
        ("teacher.homework", _l("Homework")),
        ("teacher.reports_list", _l("Reports")),
        ("chat.index", _l("Chat")),
    ],
    Role.ADMIN: [
        ("admin.dashboard", _l("Overview")),
        ("admin.users", _l("People")),
        ("admin.invitations_list", _l("Invitations")),
        ("admin.subjects", _l("Subjects")),
        ("admin.schedule", _l("Schedule")),
        ("admin.reports", _l("Reports")),
        ("admin.invoices", _l("Invoices")),
        ("chat.index", _l("Chat")),
    ],
}


def role_label(role: Role | str) -> str:
    return str(ROLE_LABELS[Role(role)])


def localtime(value, pattern: str = "datetime", user=None) -> str:
    """Jinja filter: a stored UTC time in the viewer's time zone (the profile setting; the
    default zone when signed out) and language; `pattern` is a name of lessons.texts.PATTERNS
    ("datetime", "short", "date", "time") or a CLDR pattern."""
    if value is None:
        return ""
    viewer = user if user is not None else current_user
    zone = viewer.time_zone if getattr(viewer, "is_authenticated", False) else None
    return local_text(value, zone, pattern)


def init_app(app: Flask) -> None:
    app.add_template_filter(localtime, "localtime")

    @app.context_processor
    def _globals():
        def nav_items():
            if not current_user.is_authenticated:
                return []
            return NAV.get(current_user.role, [])

        return {"nav_items": nav_items, "role_label": role_label, "Role": Role}
