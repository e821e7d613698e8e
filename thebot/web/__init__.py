"""What every page shares: role guards, form error mapping and query ids (here), templating and
navigation (`templating`), sign-in sessions (`auth_setup`), error pages (`errors`), URL rules
(`urls`) and the language choice (`i18n`)."""

from __future__ import annotations

from flask import abort, flash, request
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from thebot.models import Role
from thebot.services.errors import DomainError
from thebot.services.ids import optional_id

LOGIN_KEY = "login_key"  # the session's sign-in key (its digest is stored server-side)


def restrict_blueprint(bp, *roles: Role) -> None:
    """Every page of this blueprint is for these roles only."""

    @bp.before_request
    @login_required
    def _guard():
        if current_user.role not in roles:
            abort(403)


def show_errors(form: FlaskForm, exc: DomainError) -> None:
    """Put a service's field errors on the form's fields; the rest becomes a flash message."""
    unplaced = []
    for name, message in exc.fields.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, message]
        else:
            unplaced.append(message)
    if not exc.fields or unplaced:
        flash(exc.message if not unplaced else " ".join(unplaced), "error")


def me():
    """The signed-in user object (not the proxy)."""
    return current_user._get_current_object()


def id_arg(name: str) -> int | None:
    """An optional id from the query string, through the one id parser (services/ids.py):
    missing or empty is None, anything but a positive whole number is a 400 page."""
    return optional_id(request.args.get(name), name)
