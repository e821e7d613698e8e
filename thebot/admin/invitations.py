"""The administrator's list of invitations, re-sends and password resets (issue 11, point 2:
each is recorded), with a re-send per row through services/invitations.py."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from thebot.admin import bp
from thebot.services import invitations
from thebot.services.errors import DomainError
from thebot.web import me


@bp.get("/invitations")
def invitations_list():
    """Who was invited or had a password reset, by whom, when, and what became of it."""
    return render_template(
        "admin/invitations.html",
        rows=invitations.all_invitations(me()),
        may_invite=invitations.may_invite,
    )


@bp.post("/invitations/<int:invitation_id>/resend")
def resend_invitation(invitation_id: int):
    """E-mail the account of this row a new invitation link (earlier links stop working)."""
    try:
        record = invitations.resend_recorded(me(), invitation_id)
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash(exc.message, "error")
    else:
        flash(_("The invitation is sent to %(email)s.", email=record.user.email), "success")
    return redirect(url_for("admin.invitations_list"))
