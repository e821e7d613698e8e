"""The homework pages of every role, one handler each; `thebot.homework.mount` adds a role's
routes to its blueprint with the role bound in (`routes_of`). Students see what to do, what they
submitted and their grades, and submit (text and/or one file); teachers see what to grade first,
set homework, grade it and return it for rework; parents, tutors and the admin read. What a page
offers comes from the homework service (`may_submit`, `may_grade`); the views parse, call and
render."""

from __future__ import annotations

from datetime import time
from functools import wraps

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from thebot.homework.forms import (
    FIELD_OF,
    GradeForm,
    HomeworkFilterForm,
    HomeworkForm,
    ReturnForm,
    SubmitForm,
)
from thebot.models import Role
from thebot.services import access, learning, people
from thebot.services.errors import DomainError
from thebot.services.homework import listing as homework_listing
from thebot.services.homework import work
from thebot.web import me, show_errors

PAGE_SIZE = 50
TODO = ("set", "returned")


def _renamed(exc: DomainError) -> DomainError:
    """The service's error with its field names as the forms' (due_at → due_day …)."""
    exc.fields = {FIELD_OF.get(name, name): message for name, message in exc.fields.items()}
    return exc


def _of(actor, statuses, student_id=None) -> list:
    """This viewer's homework in these states (one page each), by due time."""
    rows: list = []
    for status in statuses:
        part, _more = homework_listing.homework_for(
            actor, status=status, student_id=student_id, limit=PAGE_SIZE
        )
        rows += part
    return sorted(rows, key=lambda hw: (hw.due_at, hw.id))


def homework_list(role: Role):
    """The role's homework: the student's to do / submitted / graded; the teacher's to grade
    first; the parent's, tutor's and admin's per child, read only."""
    actor = me()
    form = HomeworkFilterForm(request.args)
    students = [] if role is Role.STUDENT else people.students_visible_to(actor)
    form.fill(students)
    form.validate()
    student_id = form.student()
    if role is Role.STUDENT:
        sections = [
            ("todo", _("To do"), _of(actor, TODO)),
            ("submitted", _("Submitted"), _of(actor, ("submitted",))),
            ("graded", _("Graded"), list(reversed(_of(actor, ("graded",))))),
        ]
    elif role is Role.TEACHER:
        to_grade = homework_listing.to_grade(actor)
        if student_id is not None:
            to_grade = [hw for hw in to_grade if hw.student_id == student_id]
        sections = [
            ("to_grade", _("To grade"), to_grade),
            ("waiting", _("Waiting for the student"), _of(actor, TODO, student_id)),
            ("graded", _("Graded"), list(reversed(_of(actor, ("graded",), student_id)))),
        ]
    else:
        rows = _of(actor, (*TODO, "submitted", "graded"), student_id)
        sections = [
            (f"student-{s.id}", s.full_name, [hw for hw in rows if hw.student_id == s.id])
            for s in students
            if student_id in (None, s.id)
        ]
    return render_template(
        "homework/list.html",
        role=role.value,
        form=form,
        sections=sections,
        show_filter=len(students) > 1,
        can_set=role is Role.TEACHER,
    )


def _detail(role: Role, hw, status: int = 200, **forms):
    """One homework's page, with the forms the viewer may use."""
    actor = me()
    can_submit = work.may_submit(actor, hw)
    can_grade = work.may_grade(actor, hw)
    can_return = work.may_return(actor, hw)
    grade_form = forms.get("grade_form") or GradeForm()
    grade_form.score.render_kw = {**(grade_form.score.render_kw or {}), "max": hw.max_score}
    return render_template(
        "homework/detail.html",
        role=role.value,
        hw=hw,
        can_submit=can_submit,
        can_grade=can_grade,
        can_return=can_return,
        submit_form=forms.get("submit_form") or SubmitForm(),
        grade_form=grade_form,
        return_form=forms.get("return_form") or ReturnForm(),
        back_url=url_for(f"{role.value}.homework"),
    ), status


def homework_item(role: Role, homework_id: int):
    """One homework: instructions, the submission, the grade; the forms the service allows."""
    return _detail(role, access.visible_homework_item(me(), homework_id))


def new_homework(role: Role):
    """Set homework for one of the teacher's active enrollments (due in the viewer's zone)."""
    actor = me()
    zone = actor.time_zone
    form = HomeworkForm()
    if request.method == "GET":
        form.due_time.data = time(20, 0)
    form.enrollment_id.choices = [(None, _("Choose a student and subject"))] + [
        (e.id, f"{e.student.full_name} · {e.title}") for e in learning.enrollments_taught_by(actor)
    ]
    if form.validate_on_submit():
        try:
            created = work.set_homework(actor, **form.values(zone))
        except DomainError as exc:
            show_errors(form, _renamed(exc))
        else:
            flash(_("The homework is set."), "success")
            return redirect(url_for("teacher.homework_item", homework_id=created.id), code=303)
    return render_template("homework/form.html", form=form, zone=zone), (
        400 if request.method == "POST" else 200
    )


def _done(homework_id: int, message: str):
    """Back to the homework's page with a success message."""
    flash(message, "success")
    return redirect(url_for(f"{me().role.value}.homework_item", homework_id=homework_id), code=303)


def submit(role: Role, homework_id: int):
    """The student's answer: text and/or one file, once until the teacher returns it."""
    actor = me()
    hw = access.visible_homework_item(actor, homework_id)
    form = SubmitForm()
    if form.validate_on_submit():
        upload = form.attachment.data
        has_file = upload is not None and bool(getattr(upload, "filename", ""))
        try:
            work.submit_homework(
                actor,
                hw.id,
                text=form.text.data or "",
                file=upload.stream if has_file else None,
                filename=upload.filename if has_file else None,
            )
        except DomainError as exc:
            if exc.status == 404:
                raise
            show_errors(form, _renamed(exc))
        else:
            return _done(hw.id, _("Your work is submitted."))
    return _detail(role, hw, 400, submit_form=form)


def grade(role: Role, homework_id: int):
    """Grade a submission from 0 to the homework's maximum, with feedback."""
    actor = me()
    hw = access.visible_homework_item(actor, homework_id)
    form = GradeForm()
    if form.validate_on_submit():
        try:
            work.grade_homework(
                actor, hw.id, score=form.score.data, feedback=form.feedback.data or ""
            )
        except DomainError as exc:
            if exc.status == 404:
                raise
            show_errors(form, exc)
        else:
            return _done(hw.id, _("The grade is saved."))
    return _detail(role, hw, 400, grade_form=form)


def return_for_rework(role: Role, homework_id: int):
    """Send a submission back to the student for rework, with what to change."""
    actor = me()
    hw = access.visible_homework_item(actor, homework_id)
    form = ReturnForm()
    if form.validate_on_submit():
        try:
            work.return_homework(actor, hw.id, feedback=form.rework.data or "")
        except DomainError as exc:
            if exc.status == 404:
                raise
            exc.fields = {"rework" if k == "feedback" else k: v for k, v in exc.fields.items()}
            show_errors(form, exc)
        else:
            return _done(hw.id, _("The homework is returned for rework."))
    return _detail(role, hw, 400, return_form=form)


READ = (
    ("/homework", "homework", homework_list, ("GET",)),
    ("/homework/<int:homework_id>", "homework_item", homework_item, ("GET",)),
)
EXTRA: dict[Role, tuple] = {
    Role.STUDENT: (("/homework/<int:homework_id>/submit", "homework_submit", submit, ("POST",)),),
    Role.TEACHER: (
        ("/homework/new", "homework_new", new_homework, ("GET", "POST")),
        ("/homework/<int:homework_id>/grade", "homework_grade", grade, ("POST",)),
        ("/homework/<int:homework_id>/return", "homework_return", return_for_rework, ("POST",)),
    ),
}


def _bind(view, *args):
    """The view with its first arguments given (named and documented like the view)."""

    @wraps(view)
    def bound(**url_values):
        return view(*args, **url_values)

    return bound


def routes_of(role: Role) -> list[tuple]:
    """Every homework route of a role as (rule, endpoint, view, methods), the role bound in."""
    return [
        (rule, endpoint, _bind(view, role), methods)
        for rule, endpoint, view, methods in READ + EXTRA.get(role, ())
    ]
