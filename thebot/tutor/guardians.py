"""The tutor's student page: the family's links — the primary parent and the second guardian
(link by picker or login, remove, swap). The rules are `services.links`; these routes only
carry the forms."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, url_for
from flask_babel import gettext as _

from thebot.models import Role
from thebot.services import access, links, people
from thebot.services.errors import DomainError
from thebot.tutor import bp
from thebot.tutor.forms import (
    LinkGuardianForm,
    LinkParentForm,
    fill_guardian_choices,
    fill_parent_choices,
)
from thebot.tutor.routes import _student_page
from thebot.web import me, show_errors


def _link(student_id: int, form, fill: Callable, link: Callable, page_form: str, done: str):
    """Link a family member from `form` (a picker and a login field): the student page again
    with field errors, or a redirect to it with `done` flashed."""
    actor = me()
    student = access.managed_student(actor, student_id)  # 404 when unseen, 403 when only seen
    fill(form, people.users_visible_to(actor, Role.PARENT), student.student_profile)
    if form.validate_on_submit():
        try:
            link(actor, student_id)
        except DomainError as exc:
            show_errors(form, exc)
        else:
            flash(done, "success")
            return redirect(url_for("tutor.student", student_id=student_id))
    return _student_page(student_id, status=400, **{page_form: form})


def _change(student_id: int, change: Callable, done: str):
    """A change without a form (remove, swap): a refusal is flashed, either way back to the
    student page."""
    actor = me()
    access.managed_student(actor, student_id)  # 404 when unseen, 403 when only seen
    try:
        change(actor, student_id)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(done, "success")
    return redirect(url_for("tutor.student", student_id=student_id))


@bp.post("/students/<int:student_id>/parent")
def link_parent(student_id: int):
    """Link an existing parent account to my student."""
    form = LinkParentForm()
    return _link(
        student_id,
        form,
        fill_parent_choices,
        lambda actor, sid: links.link_parent(
            actor,
            sid,
            parent_id=form.parent_id.data or None,
            parent_login=form.parent_login.data or "",
        ),
        "link_form",
        _("The parent is linked."),
    )


@bp.post("/students/<int:student_id>/guardian")
def link_guardian(student_id: int):
    """Link an existing parent account as my student's second guardian."""
    form = LinkGuardianForm()
    return _link(
        student_id,
        form,
        fill_guardian_choices,
        lambda actor, sid: links.link_guardian(
            actor,
            sid,
            guardian_id=form.guardian_id.data or None,
            guardian_login=form.guardian_login.data or "",
        ),
        "guardian_form",
        _("The second guardian is linked."),
    )


@bp.post("/students/<int:student_id>/guardian/remove")
def remove_guardian(student_id: int):
    """My student has no second guardian any more (their rooms and views end now)."""
    return _change(student_id, links.remove_guardian, _("The second guardian is removed."))


@bp.post("/students/<int:student_id>/guardian/swap")
def swap_guardians(student_id: int):
    """The second guardian becomes the primary parent (billed, the reports' recipient)."""
    return _change(
        student_id, links.swap_guardians, _("The second guardian is now the primary parent.")
    )
