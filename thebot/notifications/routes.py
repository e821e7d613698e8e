"""Pages: my notifications (open, mark read, mark all read) and my notification settings."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required

from thebot.models.notifications import LIVE_CATEGORIES
from thebot.notifications import bp
from thebot.notifications.forms import CATEGORY_LABELS, SettingsForm
from thebot.services import notify
from thebot.services.errors import DomainError
from thebot.web import id_arg, me, show_errors
from thebot.web.urls import safe_next


@bp.before_request
@login_required
def _signed_in():
    """Every page here is the signed-in user's own."""


def _before_arg() -> int | None:
    return id_arg("before")


@bp.get("/")
def index():
    """My notifications, newest first, a page at a time."""
    user = me()
    records = notify.list_for(user, before_id=_before_arg(), limit=notify.PAGE_SIZE + 1)
    more = len(records) > notify.PAGE_SIZE
    records = records[: notify.PAGE_SIZE]
    return render_template(
        "notifications/index.html",
        notifications=records,
        unread=notify.unread_count(user),
        labels=CATEGORY_LABELS,
        next_before=records[-1].id if more else None,
    )


@bp.post("/<int:notification_id>/open")
def open_notification(notification_id: int):
    """Mark it read and go to what it is about."""
    user = me()
    record = notify.get_for(user, notification_id)
    notify.mark_read(user, notification_id)
    return redirect(safe_next(record.url) or url_for("notifications.index"))


@bp.post("/<int:notification_id>/read")
def mark_read(notification_id: int):
    """Mark one notification read and come back to the list."""
    notify.mark_read(me(), notification_id)
    return redirect(safe_next(request.form.get("next")) or url_for("notifications.index"))


@bp.post("/read-all")
def mark_all_read():
    """Mark every notification read."""
    notify.mark_all_read(me())
    flash(_("All notifications are marked read."), "success")
    return redirect(url_for("notifications.index"))


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    """In-app and e-mail switches per category."""
    user = me()
    form = SettingsForm()
    if form.validate_on_submit():
        try:
            notify.update_settings(user, form.categories())
        except DomainError as exc:
            show_errors(form, exc)
        else:
            flash(_("Your notification settings are saved."), "success")
            return redirect(url_for("notifications.settings"))
    elif request.method == "GET":
        form.fill(notify.settings_for(user))
    return render_template(
        "notifications/settings.html",
        form=form,
        categories=LIVE_CATEGORIES,
        labels=CATEGORY_LABELS,
        hints={
            "chat_digest": _(
                "One e-mail about the chats you have left unread for %(minutes)d minutes.",
                minutes=current_app.config["CHAT_DIGEST_AFTER_MINUTES"],
            )
        },
        has_email=bool(user.email),
    )


@bp.app_context_processor
def _bell():
    """`notification_unread_count()` for the bell on every page of a signed-in user."""

    def notification_unread_count() -> int:
        return notify.unread_count(me()) if current_user.is_authenticated else 0

    return {"notification_unread_count": notification_unread_count}


@bp.app_template_global("notification_texts")
def notification_texts(record) -> tuple[str, str]:
    """(title, body) of a notification in the page's language (rendered from its params)."""
    return notify.texts(record)


@bp.app_template_global("plural_forms")
def plural_forms(singular: str, plural: str) -> dict[str, str]:
    """A counter's text by CLDR plural category for the page's language, "{count}" standing for
    the number, so scripts can say "3 unread notifications" in any language (Intl.PluralRules)."""
    locale = get_locale()
    forms: dict[str, str] = {}
    for number in (0, 1, 2, 3, 5, 11, 21, 22, 25, 101, 1000):
        category = locale.plural_form(number)
        if category not in forms:
            forms[category] = ngettext(singular, plural, number).replace(str(number), "{count}")
    return forms
