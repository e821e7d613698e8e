"""The schedule pages of every role, one package mounted on each role's blueprint: the handlers
(`routes`), the forms (`forms`) and one set of templates (`templates/schedule/`: the week with the
upcoming and past lessons, and the lesson form). The rules are the lessons service's
(`services/lessons/`); times show in the viewer's time zone (the `localtime` filter)."""

from __future__ import annotations

from flask import Blueprint

from thebot.models import Role
from thebot.schedule.routes import routes_of


def mount(bp: Blueprint, role: Role) -> None:
    """Add the role's schedule pages to its blueprint (`/<role>/schedule…`, `<role>.…`)."""
    for rule, endpoint, view, methods in routes_of(role):
        bp.add_url_rule(rule, endpoint, view, methods=list(methods))
