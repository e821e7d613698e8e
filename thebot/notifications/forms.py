"""The settings form: an in-app and an e-mail switch for each category."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField

from thebot.models.notifications import CATEGORIES

CATEGORY_LABELS = {
    "chat": _l("Chat messages"),
    "reports": _l("Weekly reports"),
    "billing": _l("Invoices and payments"),
    "lessons": _l("Lessons"),
    "homework": _l("Homework"),
}


class SettingsForm(FlaskForm):
    """Fields `<category>_in_app` and `<category>_email` for every category."""

    def categories(self) -> dict[str, dict[str, bool]]:
        """The switches as the service takes them."""
        return {c: {"in_app": self[f"{c}_in_app"].data, "email": self[f"{c}_email"].data}
                for c in CATEGORIES}

    def fill(self, settings: dict[str, dict[str, bool]]) -> None:
        """Show the saved switches."""
        for category, switches in settings.items():
            self[f"{category}_in_app"].data = switches["in_app"]
            self[f"{category}_email"].data = switches["email"]


for _category in CATEGORIES:
    setattr(SettingsForm, f"{_category}_in_app", BooleanField(_l("In the app")))
    setattr(SettingsForm, f"{_category}_email", BooleanField(_l("By e-mail")))
