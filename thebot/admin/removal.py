"""Removing an account from the admin's area: a confirmation page that says what will happen
(or, for an account with financial records, why it cannot be removed and a deactivation
instead), and the POST that removes it (services/removal.py)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from thebot.admin import bp
from thebot.services import removal
from thebot.services.errors import DomainError
from thebot.web import me


@bp.get("/users/<int:user_id>/delete")
def confirm_removal(user_id: int):
    """What removing this account does, or why it cannot be removed (then: deactivate)."""
    try:
        user = removal.removable_user(me(), user_id)
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash(exc.message, "error")
        return redirect(url_for("admin.user", user_id=user_id))
    return _page(user)


def _page(user, status: int = 200):
    refused = removal.refusal(user)
    return render_template("admin/remove_user.html", user=user, refused=refused), status


@bp.post("/users/<int:user_id>/delete")
def remove_user(user_id: int):
    """Remove the account (erased, the row kept as "Deleted user"); a refusal says why."""
    try:
        removal.remove_user(me(), user_id)
    except removal.HasFinancialRecords:
        return _page(removal.removable_user(me(), user_id), 409)
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash(exc.message, "error")
        return redirect(url_for("admin.user", user_id=user_id))
    flash(_("The account is removed."), "success")
    return redirect(url_for("admin.users"))
