"""The tutor's area: students, their families and enrollments."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from thebot.models import Role
from thebot.services import (
    access,
    accounts,
    families,
    invitations,
    learning,
    overview,
    people,
)
from thebot.services.errors import Conflict, DomainError, Invalid
from thebot.tutor import bp
from thebot.tutor.forms import (
    EnrollForm,
    LinkGuardianForm,
    LinkParentForm,
    NewFamilyForm,
    ParentEditForm,
    StudentEditForm,
    fill_enroll_choices,
    fill_guardian_choices,
    fill_parent_choices,
)
from thebot.web import me, show_errors


@bp.get("/")
def dashboard():
    """My work queues (today's lessons, reports due this week), then my students."""
    actor = me()
    students = people.students_visible_to(actor)
    enrollments = learning.enrollments_of_students([s.id for s in students])
    # A tutor sees exactly their own students: the list is the report queue's roster too.
    return render_template(
        "tutor/dashboard.html",
        students=students,
        enrollments=enrollments,
        queues=overview.work_queues(actor, roster=students),
    )


@bp.route("/students/new", methods=["GET", "POST"])
def new_student():
    """Create a student and the parent's account in one form, then show both credentials once.

    Post/Redirect/Get: the form carries a one-time key, so a double-click or a resubmitted POST
    finds the family the first submission made, and the answer is a redirect to its page.
    """
    form = NewFamilyForm()
    if request.method == "GET" or not form.form_key.data:
        form.form_key.data = families.new_family_form_key()
    if form.validate_on_submit():
        try:
            family = families.create_family(
                me(),
                student_name=form.student_name.data,
                grade=form.grade.data,
                goal=form.goal.data or "",
                parent_name=form.parent_name.data,
                parent_email=form.parent_email.data,
                parent_phone=form.parent_phone.data or "",
                student_email=form.student_email.data or None,
                form_key=form.form_key.data,
            )
        except DomainError as exc:
            show_errors(form, exc)
        else:
            return redirect(url_for("tutor.family", family_id=family.id), code=303)
    return render_template("tutor/new_student.html", form=form)


@bp.get("/families/<int:family_id>")
def family(family_id: int):
    """The accounts a new-family form made: the passwords on the first opening only."""
    actor = me()
    record = families.created_family(actor, family_id)
    shown = families.reveal_family_credentials(actor, record.id)
    response = make_response(
        render_template("tutor/credentials.html", family=record, credentials=shown)
    )
    # Never kept by the browser or a proxy: Back or a reload asks the server, which says no.
    response.headers["Cache-Control"] = "no-store"
    return response


def _student_page(
    student_id: int,
    link_form=None,
    enroll_form=None,
    student_form=None,
    parent_form=None,
    status=200,
    guardian_form=None,
):
    actor = me()
    student = access.managed_student(actor, student_id)
    profile = student.student_profile
    parent = profile.parent if profile else None
    student_form = student_form or StudentEditForm(
        formdata=None,
        full_name=student.full_name,
        grade=profile.grade if profile else None,
        goal=profile.goal if profile else "",
    )
    if parent is not None and parent_form is None:
        parent_form = ParentEditForm(
            formdata=None,
            full_name=parent.full_name,
            email=parent.email,
            phone=parent.parent_profile.phone if parent.parent_profile else "",
        )
    enrollments = learning.enrollments_of_students([student.id], active_only=False)[student.id]
    parents = people.users_visible_to(actor, Role.PARENT)
    link_form = link_form or LinkParentForm(formdata=None)
    fill_parent_choices(link_form, parents, profile)
    enroll_form = enroll_form or EnrollForm(formdata=None)
    fill_enroll_choices(enroll_form, learning.subjects(), accounts.users_by_role(Role.TEACHER))
    guardian_form = guardian_form or LinkGuardianForm(formdata=None)
    fill_guardian_choices(guardian_form, parents, profile)
    return render_template(
        "tutor/student.html",
        student=student,
        enrollments=enrollments,
        link_form=link_form,
        enroll_form=enroll_form,
        student_form=student_form,
        parent_form=parent_form,
        guardian_form=guardian_form,
        members=[m for m in (student, parent, profile.guardian if profile else None) if m],
        may_invite=invitations.may_invite,
        invitation_history=invitations.history(actor, student.id),
        picture=overview.student_picture(actor, student),
    ), status


@bp.get("/students/<int:student_id>")
def student(student_id: int):
    """A student's page: family, subjects, the forms to change them, and the whole picture
    (lessons, homework, reports, progress, invoices, chat rooms)."""
    return _student_page(student_id)


@bp.post("/students/<int:student_id>/enrollments")
def enroll(student_id: int):
    """Enroll my student in a subject with a teacher."""
    actor = me()
    access.managed_student(actor, student_id)
    form = EnrollForm()
    fill_enroll_choices(form, learning.subjects(), accounts.users_by_role(Role.TEACHER))
    if form.validate_on_submit():
        try:
            learning.enroll(
                actor,
                student_id=student_id,
                subject_id=form.subject_id.data,
                teacher_id=form.teacher_id.data,
                custom_title=form.custom_title.data,
            )
        except DomainError as exc:
            show_errors(form, exc)
        else:
            flash(_("The student is enrolled."), "success")
            return redirect(url_for("tutor.student", student_id=student_id))
    return _student_page(student_id, enroll_form=form, status=400)


@bp.post("/enrollments/<int:enrollment_id>/end")
def end_enrollment(enrollment_id: int):
    """End one of my students' enrollments (history stays)."""
    enrollment = learning.end_enrollment(me(), enrollment_id)
    flash(_("The enrollment has ended."), "success")
    return redirect(url_for("tutor.student", student_id=enrollment.student_id))


def _save_member(student_id: int, user_id: int, form: FlaskForm, form_name: str, **details):
    """The tutor's edit of one family member (`details` besides the name, read from the bound
    form) through the admin edit form's service: saved, a flash and back to the student page;
    refused, the student page again with this form's field errors (400)."""
    if form.validate_on_submit():
        try:
            accounts.update_user(me(), user_id, full_name=form.full_name.data, **details)
        except DomainError as exc:
            show_errors(form, exc)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("tutor.student", student_id=student_id))
    return _student_page(student_id, **{form_name: form}, status=400)


@bp.post("/students/<int:student_id>/edit")
def edit_student(student_id: int):
    """Change my student's name, grade and goal (the admin edit form's rules)."""
    student = access.managed_student(me(), student_id)
    form = StudentEditForm()
    return _save_member(
        student_id,
        student.id,
        form,
        "student_form",
        email=student.email,
        grade=form.grade.data,
        goal=form.goal.data or "",
    )


@bp.post("/students/<int:student_id>/parent/edit")
def edit_parent(student_id: int):
    """Change my student's parent's name, e-mail and phone (the admin edit form's rules)."""
    student = access.managed_student(me(), student_id)
    parent_id = student.student_profile.parent_id if student.student_profile else None
    if parent_id is None:
        abort(404)
    form = ParentEditForm()
    return _save_member(
        student_id,
        parent_id,
        form,
        "parent_form",
        email=form.email.data,
        phone=form.phone.data or "",
    )


@bp.post("/students/<int:student_id>/members/<int:user_id>/invite")
def resend_invitation(student_id: int, user_id: int):
    """E-mail a family member a new invitation link (earlier links stop working)."""
    try:
        record = invitations.resend(me(), student_id, user_id)
    except (Conflict, Invalid) as exc:  # NotFound and Forbidden stay 404 and 403
        flash(exc.message, "error")
    else:
        flash(_("The invitation is sent to %(email)s.", email=record.user.email), "success")
    return redirect(url_for("tutor.student", student_id=student_id))


@bp.post("/students/<int:student_id>/members/<int:user_id>/password")
def reset_password(student_id: int, user_id: int):
    """Reset a family member's password (their sign-ins end now), then show the new one on the
    page this redirects to: Post/Redirect/Get, so a reload neither resets again nor shows it."""
    record = invitations.reset_member_password(me(), student_id, user_id)
    return redirect(
        url_for("tutor.password_reset", student_id=student_id, record_id=record.id), code=303
    )


@bp.get("/students/<int:student_id>/password-resets/<int:record_id>")
def password_reset(student_id: int, record_id: int):
    """A reset's new password, on the first opening only (like a new family's credentials)."""
    member, password = invitations.reveal_reset_password(me(), student_id, record_id)
    response = make_response(
        render_template(
            "tutor/password_reset.html", student_id=student_id, member=member, password=password
        )
    )
    # Never kept by the browser or a proxy: Back or a reload asks the server, which says no.
    response.headers["Cache-Control"] = "no-store"
    return response
