"""The profile page of every role (GET/POST /profile), in clear sections: the time zone lesson
and homework times are shown in (chosen from the IANA list), and the private calendar feed URL
with a Regenerate button that revokes the old one. The rules are the accounts and calendar
services'; this page only parses, calls and renders."""

from __future__ import annotations

from functools import cache

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField
from wtforms.validators import InputRequired

from thebot.main import account, bp
from thebot.main.devices import devices_context
from thebot.services import accounts
from thebot.services.errors import DomainError
from thebot.services.lessons import calendar
from thebot.web import me, show_errors


@cache
def zone_choices() -> dict[str, list[tuple[str, str]]]:
    """Every IANA zone, grouped by region for the select ("Europe" → [("Europe/Moscow", …)])."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for name in accounts.time_zones():
        region, _sep, place = name.partition("/")
        key = region if place else "Other"
        groups.setdefault(key, []).append((name, place.replace("_", " ") if place else name))
    return dict(sorted(groups.items(), key=lambda item: (item[0] == "Other", item[0])))


class TimeZoneForm(FlaskForm):
    """The time zone lesson and homework times are shown in."""

    action = HiddenField(default="time_zone")
    time_zone = SelectField(
        _l("Time zone"),
        validators=[InputRequired()],
        description=_l("Lesson and homework times are shown in this zone."),
    )


class RegenerateForm(FlaskForm):
    """A new calendar feed URL (the CSRF token and the action only)."""

    action = HiddenField(default="regenerate")


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    """The signed-in user's settings: the time zone and the private calendar feed."""
    user = me()
    zone_form = TimeZoneForm(time_zone=user.time_zone)
    zone_form.time_zone.choices = zone_choices()
    regenerate_form = RegenerateForm()
    details_form, password_form = account.account_forms(user)
    status = 200
    if request.method == "POST":
        action = request.form.get("action")
        if account.handle(user, action, details_form, password_form):
            return redirect(url_for("main.profile"), code=303)
        if action == "regenerate" and regenerate_form.validate_on_submit():
            calendar.regenerate_feed(user)
            flash(_("A new calendar link is made; the old one no longer works."), "success")
            return redirect(url_for("main.profile"), code=303)
        if action == "time_zone" and zone_form.validate_on_submit():
            try:
                accounts.set_time_zone(user, zone_form.time_zone.data)
            except DomainError as exc:
                show_errors(zone_form, exc)
            else:
                flash(_("The time zone is saved."), "success")
                return redirect(url_for("main.profile"), code=303)
        status = 400
    return render_template(
        "main/profile.html",
        zone_form=zone_form,
        regenerate_form=regenerate_form,
        details_form=details_form,
        password_form=password_form,
        feed_url=calendar.feed_url_for(user),
        **devices_context(),
    ), status
