"""The settings form: an in-app and an e-mail switch for each category."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField

from thebot.models.notifications import LIVE_CATEGORIES

CATEGORY_LABELS = {
    "chat": _l("Chat messages"),
    "reports": _l("Weekly reports"),
    "billing": _l("Invoices and payments"),
    "lessons": _l("Lessons"),
    "homework": _l("Homework"),
}


class SettingsForm(FlaskForm):
    """Fields `<category>_in_app` and `<category>_email` for the categories the product has
    today (LIVE_CATEGORIES); the others keep what they are."""

    def categories(self) -> dict[str, dict[str, bool]]:
        """The switches as the service takes them."""
        return {
            c: {"in_app": self[f"{c}_in_app"].data, "email": self[f"{c}_email"].data}
            for c in LIVE_CATEGORIES
        }

    def fill(self, settings: dict[str, dict[str, bool]]) -> None:
        """Show the saved switches."""
        for category in LIVE_CATEGORIES:
            switches = settings[category]
            self[f"{category}_in_app"].data = switches["in_app"]
            self[f"{category}_email"].data = switches["email"]


for _category in LIVE_CATEGORIES:
    setattr(SettingsForm, f"{_category}_in_app", BooleanField(_l("In the app")))
    setattr(SettingsForm, f"{_category}_email", BooleanField(_l("By e-mail")))
