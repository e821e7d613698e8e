"""The profile page's "Account" section: the user's own name, language, e-mail (a change is
confirmed by a link sent to the new address) and password (the current one required; every
other sign-in ends). The rules are the accounts and recovery services'."""

from __future__ import annotations

from flask import current_app, flash, session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from thebot.models import User
from thebot.services import accounts, recovery, signins
from thebot.services.errors import DomainError
from thebot.web import LOGIN_KEY, show_errors

LANGUAGE_NAMES = {"en": "English", "ru": "Русский"}


class DetailsForm(FlaskForm):
    """Name, e-mail and language."""

    action = HiddenField(default="details")
    full_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(
        _l("E-mail"),
        validators=[Optional(), Length(max=254)],
        description=_l("A new address is used once you follow the link we send to it."),
    )
    language = SelectField(_l("Language"))


class PasswordForm(FlaskForm):
    """The current password and a new one, twice."""

    action = HiddenField(default="password")
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=256)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
    )


def account_forms(user: User) -> tuple[DetailsForm, PasswordForm]:
    """The section's two forms, filled with the user's current values."""
    details = DetailsForm(full_name=user.full_name, email=user.email, language=user.locale)
    details.language.choices = [
        (code, LANGUAGE_NAMES.get(code, code)) for code in current_app.config["LANGUAGES"]
    ]
    return details, PasswordForm()


def handle(user: User, action: str | None, details: DetailsForm, password: PasswordForm) -> bool:
    """Apply a posted Account form; True when it succeeded (the page redirects)."""
    if action == "details" and details.validate_on_submit():
        try:
            accounts.update_own_details(
                user, full_name=details.full_name.data, locale=details.language.data
            )
            if recovery.request_email_change(user, details.email.data):
                flash(
                    _(
                        "We sent a confirmation link to %(email)s. Until you follow it, "
                        "your e-mail stays %(old)s.",
                        email=details.email.data.strip().lower(),
                        old=user.email or "—",
                    ),
                    "success",
                )
        except DomainError as exc:
            show_errors(details, exc)
            return False
        flash(_("Your details are saved."), "success")
        return True
    if action == "password" and password.validate_on_submit():
        record = signins.login_session_record(user.id, session.get(LOGIN_KEY) or "")
        try:
            accounts.change_own_password(
                user,
                password.current_password.data,
                password.new_password.data,
                keep_login_session_id=record.id if record else None,
            )
        except DomainError as exc:
            if "password" in exc.fields:
                exc.fields["new_password"] = exc.fields.pop("password")
            show_errors(password, exc)
            return False
        flash(_("Your password is changed; your other sign-ins have ended."), "success")
        return True
    return False
