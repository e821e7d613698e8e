"""The homework pages of every role, one package mounted on each role's blueprint: the handlers
(`routes`), the forms (`forms`) and one set of templates (`templates/homework/`: list, detail and
the teacher's form). The rules are the homework service's (`services/homework/`)."""

from __future__ import annotations

from flask import Blueprint

from thebot.homework.routes import routes_of
from thebot.models import Role
from thebot.services.homework.serialize import attachment_url


def mount(bp: Blueprint, role: Role) -> None:
    """Add the role's homework pages to its blueprint (`/<role>/homework…`, `<role>.…`)."""
    for rule, endpoint, view, methods in routes_of(role):
        bp.add_url_rule(rule, endpoint, view, methods=list(methods))
    # The submission's file is downloaded where the homework service says (members only).
    bp.add_app_template_global(attachment_url, "homework_attachment_url")
