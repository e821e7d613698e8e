"""The administrator's area: every account, link, enrollment and subject."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from thebot.admin import bp
from thebot.admin.forms import (
    PROFILE_FIELD_NAMES,
    LinksForm,
    SubjectForm,
    UserCreateForm,
    UserEditForm,
)
from thebot.extensions import db
from thebot.models import Enrollment, Role, User
from thebot.services import accounts, learning, links, people
from thebot.services.errors import DomainError, NotFound
from thebot.tutor.forms import EnrollForm, fill_enroll_choices
from thebot.web import me, show_errors
from thebot.web.templating import role_label


def _role_choices():
    return [(r.value, role_label(r)) for r in Role]


@bp.get("/")
def dashboard():
    """Counts by role and the newest accounts."""
    present = User.deleted_at.is_(None)  # removed accounts are not counted or listed
    counts: dict[Role, int] = {
        role: count
        for role, count in db.session.execute(
            select(User.role, func.count()).where(present).group_by(User.role)
        )
    }
    active_enrollments = db.session.scalar(
        select(func.count()).select_from(Enrollment).where(Enrollment.is_active.is_(True))
    )
    newest = db.session.scalars(
        select(User).where(present).order_by(User.created_at.desc()).limit(8)
    ).all()
    return render_template(
        "admin/dashboard.html",
        counts=counts,
        newest=newest,
        active_enrollments=active_enrollments,
        roles=list(Role),
    )


@bp.get("/users")
def users():
    """Every account, filtered by role or a search; `removed=1` lists the removed ones."""
    role_value = request.args.get("role", "")
    role = Role(role_value) if role_value in {r.value for r in Role} else None
    search = request.args.get("q", "")[:100]
    removed = request.args.get("removed") == "1"
    return render_template(
        "admin/users.html",
        users=people.all_users(role, search, removed=removed),
        role=role,
        q=search,
        removed=removed,
        roles=list(Role),
    )


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    """Create an account of any role with its profile."""
    form = UserCreateForm()
    form.role.choices = _role_choices()
    if form.validate_on_submit():
        role = Role(form.role.data)
        profile = {name: getattr(form, name).data for name in PROFILE_FIELD_NAMES[role]}
        try:
            user = accounts.create_user(
                me(),
                role=role,
                username=form.username.data,
                password=form.password.data,
                full_name=form.full_name.data,
                email=form.email.data,
                **profile,
            )
        except DomainError as exc:
            show_errors(form, exc)
        else:
            flash(_("The account %(username)s is created.", username=user.username), "success")
            return redirect(url_for("admin.user", user_id=user.id))
    role_fields = {role.value: list(names) for role, names in PROFILE_FIELD_NAMES.items()}
    return render_template(
        "admin/new_user.html",
        form=form,
        profile_fields=PROFILE_FIELD_NAMES,
        role_fields=role_fields,
    ), 200 if request.method == "GET" else 400


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    return user


def _links_form(user: User, form: LinksForm | None = None) -> LinksForm:
    if not form:
        profile = user.student_profile
        if profile is None:  # callers show links for students with a profile only
            raise NotFound()
        form = LinksForm(
            formdata=None,
            tutor_id=profile.tutor_id or 0,
            parent_id=profile.parent_id or 0,
            guardian_id=profile.guardian_id or 0,
        )
    form.tutor_id.choices = [(0, "—")] + [
        (t.id, t.full_name) for t in accounts.users_by_role(Role.TUTOR)
    ]
    form.parent_id.choices = [(0, "—")] + [
        (p.id, p.full_name) for p in accounts.users_by_role(Role.PARENT)
    ]
    form.guardian_id.choices = form.parent_id.choices
    return form


def _user_page(user: User, edit_form=None, links_form=None, enroll_form=None, status=200):
    profile = user.profile
    if edit_form is None:
        initial = (
            {name: getattr(profile, name) for name in PROFILE_FIELD_NAMES[user.role]}
            if profile
            else {}
        )
        edit_form = UserEditForm(
            formdata=None, full_name=user.full_name, email=user.email, **initial
        )
    context = {
        "user": user,
        "edit_form": edit_form,
        "profile_fields": PROFILE_FIELD_NAMES[user.role] if profile else (),
    }
    if user.role is Role.STUDENT and user.student_profile is not None:
        context["links_form"] = _links_form(user, links_form)
        enroll_form = enroll_form or EnrollForm(formdata=None)
        fill_enroll_choices(enroll_form, learning.subjects(), accounts.users_by_role(Role.TEACHER))
        context["enroll_form"] = enroll_form
        context["enrollments"] = learning.enrollments_of_students([user.id], active_only=False)[
            user.id
        ]
    elif user.role is Role.TEACHER:
        context["taught"] = learning.enrollments_taught_by(user, active_only=False)
    elif user.role in (Role.TUTOR, Role.PARENT):
        context["students"] = people.students_visible_to(user)
    return render_template("admin/user.html", **context), status


@bp.get("/users/<int:user_id>")
def user(user_id: int):
    """One account: details, profile, links and enrollments."""
    return _user_page(_user_or_404(user_id))


@bp.post("/users/<int:user_id>")
def edit_user(user_id: int):
    """Save an account's name, e-mail, password and profile."""
    user = _user_or_404(user_id)
    form = UserEditForm()
    if form.validate_on_submit():
        profile = {name: getattr(form, name).data for name in PROFILE_FIELD_NAMES[user.role]}
        try:
            accounts.update_user(
                me(),
                user.id,
                full_name=form.full_name.data,
                email=form.email.data,
                password=form.password.data or None,
                **profile,
            )
        except DomainError as exc:
            show_errors(form, exc)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("admin.user", user_id=user.id))
    return _user_page(user, edit_form=form, status=400)


@bp.post("/users/<int:user_id>/active")
def set_active(user_id: int):
    """Deactivate (ends every session and token) or reactivate an account."""
    active = request.form.get("active") == "1"
    try:
        user = accounts.set_active(me(), user_id, active)
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash(exc.message, "error")
        return redirect(url_for("admin.user", user_id=user_id))
    flash(
        _("The account is active.") if user.active else _("The account is deactivated."), "success"
    )
    return redirect(url_for("admin.user", user_id=user.id))


@bp.post("/users/<int:user_id>/links")
def set_links(user_id: int):
    """Set a student's tutor, parent and second guardian."""
    user = _user_or_404(user_id)
    if user.role is not Role.STUDENT or user.student_profile is None:
        raise NotFound()
    form = _links_form(user, LinksForm())
    if form.validate_on_submit():
        try:
            links.set_links(
                me(),
                user.id,
                tutor_id=form.tutor_id.data or None,
                parent_id=form.parent_id.data or None,
                guardian_id=(
                    form.guardian_id.data or None if "guardian_id" in request.form else links.UNSET
                ),
            )
        except DomainError as exc:
            show_errors(form, exc)
        else:
            flash(_("Links saved."), "success")
            return redirect(url_for("admin.user", user_id=user.id))
    return _user_page(user, links_form=form, status=400)


@bp.post("/users/<int:user_id>/enrollments")
def enroll(user_id: int):
    """Enroll a student in a subject with a teacher."""
    user = _user_or_404(user_id)
    form = EnrollForm()
    fill_enroll_choices(form, learning.subjects(), accounts.users_by_role(Role.TEACHER))
    if form.validate_on_submit():
        try:
            learning.enroll(
                me(),
                student_id=user.id,
                subject_id=form.subject_id.data,
                teacher_id=form.teacher_id.data,
                custom_title=form.custom_title.data,
            )
        except DomainError as exc:
            show_errors(form, exc)
        else:
            flash(_("The student is enrolled."), "success")
            return redirect(url_for("admin.user", user_id=user.id))
    return _user_page(user, enroll_form=form, status=400)


@bp.post("/enrollments/<int:enrollment_id>/end")
def end_enrollment(enrollment_id: int):
    """End an enrollment (history stays)."""
    enrollment = learning.end_enrollment(me(), enrollment_id)
    flash(_("The enrollment has ended."), "success")
    return redirect(url_for("admin.user", user_id=enrollment.student_id))


@bp.route("/subjects", methods=["GET", "POST"])
def subjects():
    """Subjects and a form to add one."""
    form = SubjectForm()
    status = 200
    if form.validate_on_submit():
        try:
            learning.create_subject(me(), form.name.data, form.description.data or "")
        except DomainError as exc:
            show_errors(form, exc)
            status = 400
        else:
            flash(_("The subject is added."), "success")
            return redirect(url_for("admin.subjects"))
    elif request.method == "POST":
        status = 400
    return render_template("admin/subjects.html", form=form, subjects=learning.subjects()), status
