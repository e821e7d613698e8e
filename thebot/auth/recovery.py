"""Forgotten password (ask for a link, set a new password through it) and the confirmation of a
changed e-mail address: pages only, the rules are in services/recovery.py."""

from __future__ import annotations

from flask import flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from thebot.auth import bp
from thebot.auth.ratelimit import reset_limits
from thebot.services import recovery
from thebot.services.errors import DomainError
from thebot.web import show_errors


class ForgotForm(FlaskForm):
    """The login of the account whose password is forgotten."""

    login = StringField(_l("Username or e-mail"), validators=[DataRequired(), Length(max=254)])


class ResetForm(FlaskForm):
    """A new password, twice."""

    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=256)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


@bp.route("/forgot", methods=["GET", "POST"])
@reset_limits
def forgot_password():
    """Ask for a reset link; the answer is the same whether or not the account exists."""
    form = ForgotForm()
    if form.validate_on_submit():
        recovery.request_reset(form.login.data)
        return render_template("auth/forgot.html", form=form, sent=True)
    return render_template("auth/forgot.html", form=form, sent=False)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Set a new password through an e-mailed link; every sign-in of the account ends."""
    try:
        recovery.user_for_reset(token)
    except DomainError as exc:
        return render_template("auth/reset.html", form=None, error=exc.message), 400
    form = ResetForm()
    if form.validate_on_submit():
        try:
            recovery.reset_password(token, form.password.data)
        except DomainError as exc:
            show_errors(form, exc)
        else:
            if current_user.is_authenticated:
                logout_user()
            session.clear()
            flash(_("Your password is changed. Sign in with the new one."), "success")
            return redirect(url_for("auth.login"), code=303)
    return render_template("auth/reset.html", form=form, error=None)


@bp.get("/confirm-email/<token>")
def confirm_email(token: str):
    """Follow the link sent to a new address: it becomes the account's e-mail."""
    try:
        recovery.confirm_email(token)
    except DomainError as exc:
        return render_template("auth/reset.html", form=None, error=exc.message), 400
    flash(_("Your e-mail address is confirmed."), "success")
    return redirect(url_for("main.profile" if current_user.is_authenticated else "auth.login"))
