"""The invitation page: a family member chooses their own password through the e-mailed link."""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from thebot.auth import bp
from thebot.services import invitations
from thebot.services.errors import DomainError, NotFound
from thebot.web import show_errors


class ChoosePasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=8, max=256)]
    )
    confirm = PasswordField(
        _l("The same password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


def _page(form, user=None, status=200):
    response = make_response(render_template("auth/invite.html", form=form, user=user), status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token never leaves in a Referer
    return response


@bp.route("/invite/<token>", methods=["GET", "POST"])
def invite(token: str):
    """Choose a password through an invitation link (single use; expires)."""
    form = ChoosePasswordForm()
    try:
        user, _record = invitations.invited_user(token)
    except NotFound:
        return _page(None, status=404)
    if form.validate_on_submit():
        try:
            invitations.accept(token, form.password.data)
        except DomainError as exc:
            show_errors(form, exc)
        else:
            flash(_("Your password is set. Sign in with it."), "success")
            return redirect(url_for("auth.login"), code=303)
    return _page(form, user, 400 if form.errors else 200)
