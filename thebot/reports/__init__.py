"""The weekly report pages of every role, one package mounted on each role's blueprint: the
handlers (`routes`), the forms (`forms`) and one set of templates (`templates/reports/`: list,
form, detail and their partials). The rules are the reports service's (`services/reports/`)."""

from __future__ import annotations

from flask import Blueprint

from thebot.models import Role
from thebot.reports.routes import routes_of
from thebot.services.reports.reading import is_unread_for


def mount(bp: Blueprint, role: Role) -> None:
    """Add the role's report pages to its blueprint (`/<role>/reports…`, endpoints `<role>.…`)."""
    for rule, endpoint, view, methods in routes_of(role):
        bp.add_url_rule(rule, endpoint, view, methods=list(methods))
    # Every report list and badge asks whether a report waits for the viewer.
    bp.add_app_template_global(is_unread_for, "report_is_new")
