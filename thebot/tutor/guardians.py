"""The tutor's student page: the second guardian (link by picker or login, remove, swap with the
primary parent). The rules are `services.links`; these routes only carry the forms."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _

from thebot.models import Role
from thebot.services import access, links, people
from thebot.services.errors import DomainError
from thebot.tutor import bp
from thebot.tutor.forms import LinkGuardianForm, fill_guardian_choices
from thebot.tutor.routes import _student_page
from thebot.web import me, show_errors


@bp.post("/students/<int:student_id>/guardian")
def link_guardian(student_id: int):
    """Link an existing parent account as my student's second guardian."""
    actor = me()
    student = access.managed_student(actor, student_id)
    form = LinkGuardianForm()
    parents = people.users_visible_to(actor, Role.PARENT)
    fill_guardian_choices(form, parents, student.student_profile)
    if form.validate_on_submit():
        try:
            links.link_guardian(
                actor,
                student_id,
                guardian_id=form.guardian_id.data or None,
                guardian_login=form.guardian_login.data or "",
            )
        except DomainError as exc:
            show_errors(form, exc)
        else:
            flash(_("The second guardian is linked."), "success")
            return redirect(url_for("tutor.student", student_id=student_id))
    return _student_page(student_id, guardian_form=form, status=400)


@bp.post("/students/<int:student_id>/guardian/remove")
def remove_guardian(student_id: int):
    """My student has no second guardian any more (their rooms and views end now)."""
    access.managed_student(me(), student_id)  # 404 when unseen, 403 when only seen
    try:
        links.remove_guardian(me(), student_id)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("The second guardian is removed."), "success")
    return redirect(url_for("tutor.student", student_id=student_id))


@bp.post("/students/<int:student_id>/guardian/swap")
def swap_guardians(student_id: int):
    """The second guardian becomes the primary parent (billed, the reports' recipient)."""
    access.managed_student(me(), student_id)  # 404 when unseen, 403 when only seen
    try:
        links.swap_guardians(me(), student_id)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("The second guardian is now the primary parent."), "success")
    return redirect(url_for("tutor.student", student_id=student_id))
