"""The settings form: an in-app and an e-mail switch for each category."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField

from thebot.models.notifications import EMAIL_ONLY_CATEGORIES, LIVE_CATEGORIES

CATEGORY_LABELS = {
    "chat": _l("Chat messages"),
    "reports": _l("Weekly reports"),
    "billing": _l("Invoices and payments"),
    "lessons": _l("Lessons"),
    "homework": _l("Homework"),
    "chat_digest": _l("Digest of unread chats"),
}


class SettingsForm(FlaskForm):
    """Fields `<category>_in_app` and `<category>_email` for the categories the product has
    today (LIVE_CATEGORIES); the others keep what they are. E-mail-only categories
    (EMAIL_ONLY_CATEGORIES) have no in-app field."""

    def categories(self) -> dict[str, dict[str, bool]]:
        """The switches as the service takes them."""
        return {
            c: {
                **({} if c in EMAIL_ONLY_CATEGORIES else {"in_app": self[f"{c}_in_app"].data}),
                "email": self[f"{c}_email"].data,
            }
            for c in LIVE_CATEGORIES
        }

    def fill(self, settings: dict[str, dict[str, bool]]) -> None:
        """Show the saved switches."""
        for category in LIVE_CATEGORIES:
            switches = settings[category]
            if category not in EMAIL_ONLY_CATEGORIES:
                self[f"{category}_in_app"].data = switches["in_app"]
            self[f"{category}_email"].data = switches["email"]


for _category in LIVE_CATEGORIES:
    if _category not in EMAIL_ONLY_CATEGORIES:
        setattr(SettingsForm, f"{_category}_in_app", BooleanField(_l("In the app")))
    setattr(SettingsForm, f"{_category}_email", BooleanField(_l("By e-mail")))
