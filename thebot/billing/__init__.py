"""The invoice and payment pages of the tutor, the parent and the admin, one package mounted on
each role's blueprint: the handlers (`routes`), the forms (`forms`) and one set of templates
(`templates/billing/`). The rules are the billing service's (`services/billing/`)."""

from __future__ import annotations

import re
from decimal import Decimal

from flask import Blueprint
from flask_babel import format_currency

from thebot.billing.routes import routes_of
from thebot.models import Role
from thebot.services.billing.rules import is_overdue

LETTERS_THEN_DIGIT = re.compile(r"^([^\W\d_]+)(?=\d)")


def money(amount: Decimal | str | None, currency: str = "RUB") -> str:
    """An amount in the viewer's locale ("1 500,00 ₽" in Russian, "RUB 1,500.00" in English)."""
    if amount is None:
        return ""
    # CLDR's currency spacing, which Babel leaves out: "RUB 1,500.00", not "RUB1,500.00".
    return LETTERS_THEN_DIGIT.sub("\\1\u00a0", format_currency(Decimal(amount), currency))


def mount(bp: Blueprint, role: Role) -> None:
    """Add the role's invoice pages to its blueprint (`/<role>/invoices…`, endpoints `<role>.…`)."""
    for rule, endpoint, view, methods in routes_of(role):
        bp.add_url_rule(rule, endpoint, view, methods=list(methods))
    # Lists, badges and the detail mark overdue invoices by the service's own rule.
    bp.add_app_template_global(is_overdue, "invoice_is_overdue")
    bp.add_app_template_filter(money, "money")
