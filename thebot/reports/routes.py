"""The report pages of every role, one handler each; `thebot.reports.mount` adds them to a role's
blueprint with the role bound as the first argument (`routes_of`). Authors (tutor, teacher) list,
compose, edit, send and delete their reports; readers (tutor, parent) have an inbox; the admin
sees every sent report; everyone opens one report on the same page."""

from __future__ import annotations

from functools import wraps
from typing import NamedTuple

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from thebot.models import ReportKind, Role
from thebot.reports.forms import EDIT_FORMS, TeacherReportForm, TutorReportForm
from thebot.services import accounts, people
from thebot.services.errors import DomainError
from thebot.services.reports import prefill, reading, rules, writing
from thebot.web import id_arg, me, show_errors

STATUSES = ("sent", "read", "unread")
AUTHOR_KIND = {Role.TUTOR: ReportKind.TUTOR, Role.TEACHER: ReportKind.TEACHER}


class ListPage(NamedTuple):
    """One report list of a role: its URL, what it holds, its texts and its table's columns."""

    path: str
    box: str  # "outbox" (mine), "inbox" (to me or about my children), "all" (the admin's)
    title: object
    heading: object
    columns: tuple[str, ...]
    empty: object


# Each role's lists by endpoint; the first is the role's home list (where "← back" leads).
LISTS: dict[Role, dict[str, ListPage]] = {
    Role.TUTOR: {
        "reports_to_parents": ListPage(
            "/reports",
            "outbox",
            _l("Reports to parents"),
            _l("Reports to parents"),
            ("week", "student", "recipient", "status"),
            _l("No reports yet. Write the first one for this week."),
        ),
        "reports_from_teachers": ListPage(
            "/reports/inbox",
            "inbox",
            _l("Reports from teachers"),
            _l("Reports from teachers"),
            ("week", "student", "about", "author", "status"),
            _l("No reports from teachers yet."),
        ),
    },
    Role.TEACHER: {
        "reports_list": ListPage(
            "/reports",
            "outbox",
            _l("Reports"),
            _l("My reports to tutors"),
            ("week", "student", "about", "recipient", "status"),
            _l("No reports yet."),
        ),
    },
    Role.PARENT: {
        "reports": ListPage(
            "/reports",
            "inbox",
            _l("Reports"),
            _l("Reports about my children"),
            ("week", "student", "about", "author", "status"),
            _l("No reports yet. The tutor and the teachers write them weekly."),
        ),
    },
    Role.ADMIN: {
        "reports": ListPage(
            "/reports",
            "all",
            _l("Reports"),
            _l("Reports"),
            ("week", "student", "about", "author", "recipient", "status"),
            _l("No reports match."),
        ),
    },
}


def _home(role: Role) -> str:
    """The endpoint of the role's home report list."""
    return f"{role.value}.{next(iter(LISTS[role]))}"


def _back(role: Role, report=None) -> tuple[str, object]:
    """Where "←" leads from a report page: the inbox for others' reports, else the home list."""
    lists = LISTS[role]
    endpoint = next(iter(lists))
    if report is not None and report.author_id != me().id:
        endpoint = next((name for name, page in lists.items() if page.box == "inbox"), endpoint)
    return url_for(f"{role.value}.{endpoint}"), lists[endpoint].title


def outbox(role: Role, page: ListPage):
    """My reports by week and student: draft, sent or read (live)."""
    actor = me()
    kind = AUTHOR_KIND[role]
    student_id = id_arg("student_id")
    rows = reading.reports_for(actor, kind=kind, box="sent", student_id=student_id)
    if kind is ReportKind.TUTOR:
        students = writing.writable_students(actor)
    else:
        taught = {e.student_id: e.student for e in writing.writable_enrollments(actor)}
        students = sorted(taught.values(), key=lambda s: s.full_name.lower())
    new_url = (
        url_for("tutor.new_report", student_id=student_id)
        if kind is ReportKind.TUTOR and student_id
        else url_for(f"{role.value}.new_report")
    )
    return render_template(
        "reports/list.html",
        page=page,
        rows=rows,
        live="outbox",
        student_id=student_id,
        students=students,
        kind=kind.value,
        new_url=new_url,
    )


def inbox(role: Role, page: ListPage):
    """Reports to me (a tutor: teachers' reports; a parent: all about my children), unread
    marked (live)."""
    actor = me()
    student_id = id_arg("student_id")
    if role is Role.TUTOR:
        rows = reading.reports_for(
            actor, kind=ReportKind.TEACHER, box="received", student_id=student_id
        )
        students, kind = writing.writable_students(actor), ReportKind.TEACHER.value
    else:
        rows = reading.reports_for(actor, student_id=student_id)
        students, kind = people.students_visible_to(actor), None
    return render_template(
        "reports/list.html",
        page=page,
        rows=rows,
        live="inbox",
        student_id=student_id,
        students=students,
        kind=kind,
        unread=reading.unread_count(actor),
    )


def every_report(role: Role, page: ListPage):
    """Every report an admin may see (never drafts), by kind, status, student or author."""
    kind = request.args.get("kind") if request.args.get("kind") in ("tutor", "teacher") else None
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    student_id, author_id = id_arg("student_id"), id_arg("author_id")
    filters = {"kind": kind, "status": status, "student_id": student_id, "author_id": author_id}
    rows = reading.reports_for(
        me(), kind=kind, status=status, student_id=student_id, author_id=author_id
    )
    authors = accounts.users_by_role(Role.TUTOR, active_only=False) + accounts.users_by_role(
        Role.TEACHER, active_only=False
    )
    return render_template(
        "reports/list.html",
        page=page,
        filters=filters,
        rows=rows,
        live=None if (status or author_id) else "inbox",
        student_id=student_id,
        kind=kind,
        students=accounts.users_by_role(Role.STUDENT, active_only=False),
        authors=sorted(authors, key=lambda u: u.full_name.lower()),
    )


def report(role: Role, report_id: int):
    """One report; my draft shows its actions; opening it as its reader marks it read."""
    actor = me()
    report = reading.open_report(actor, report_id)
    recipient = (
        rules.intended_recipient(report.kind, report.student)
        if report.is_draft
        else report.recipient
    )
    back_url, back_label = _back(role, report)
    return render_template(
        "reports/detail.html",
        report=report,
        recipient=recipient,
        can_edit=rules.may_edit(actor, report),
        role=role.value,
        back_url=back_url,
        back_label=back_label,
    )


def _student_choices(students) -> list[tuple[int, str]]:
    """The tutor's picker shows who would receive the report, or that nobody can yet."""
    choices = []
    for student in students:
        recipient = rules.intended_recipient(ReportKind.TUTOR, student)
        label = (
            _("%(student)s → %(parent)s", student=student.full_name, parent=recipient.full_name)
            if recipient
            else _("%(student)s (no parent linked: cannot be sent)", student=student.full_name)
        )
        choices.append((student.id, label))
    return choices


def _enrollment_choices(enrollments) -> list[tuple[int, str]]:
    """The teacher's picker shows the student, the subject and the tutor who would receive it."""
    choices = []
    for enrollment in enrollments:
        tutor = rules.intended_recipient(ReportKind.TEACHER, enrollment.student)
        about = f"{enrollment.student.full_name} · {enrollment.title}"
        label = (
            _("%(about)s → %(tutor)s", about=about, tutor=tutor.full_name)
            if tutor
            else _("%(about)s (no tutor: cannot be sent)", about=about)
        )
        choices.append((enrollment.id, label))
    return choices


def _week_arg():
    """The week asked for in the query string (`?week=YYYY-MM-DD`, a Monday), else this week."""
    try:
        return rules.parse_week(request.args.get("week") or rules.current_week_start())
    except DomainError:
        return rules.current_week_start()


def _new_form(actor, kind: ReportKind):
    """The compose form of this kind, its picker filled with what the author writes about; on
    opening, its numbers pre-filled from the week's lessons and homework."""
    week = _week_arg()
    if kind is ReportKind.TUTOR:
        form = TutorReportForm(student_id=id_arg("student_id"), week_start=week)
        form.student_id.choices = _student_choices(writing.writable_students(actor))
    else:
        form = TeacherReportForm(enrollment_id=id_arg("enrollment_id"), week_start=week)
        form.enrollment_id.choices = _enrollment_choices(writing.writable_enrollments(actor))
    return form


def _prefill(actor, kind: ReportKind, form) -> dict | None:
    """Fill a just-opened compose form's numbers from the week's lessons and homework (for the
    picked student or the first one); the counts they come from, for the page's hint."""
    if not form.picker.choices:
        return None
    if form.picker.data not in {value for value, _label in form.picker.choices}:
        form.picker.data = form.picker.choices[0][0]
    filled = prefill.prefill(actor, kind, form.week_start.data, **form.about())
    for name, value in filled["fields"].items():
        form[name].data = value
    return filled["basis"]


def _form_page(role: Role, form, report, can_compose: bool, basis: dict | None = None):
    """The compose / edit page; 400 when a submitted form comes back with errors."""
    back_url, back_label = _back(role)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "reports/form.html",
        form=form,
        report=report,
        kind=form.kind.value,
        can_compose=can_compose,
        back_url=back_url,
        back_label=back_label,
        prefill_basis=basis,
    ), status


def new_report(role: Role):
    """Compose a report (saved as a draft): a tutor's about a student, a teacher's about an
    active enrollment."""
    actor = me()
    kind = AUTHOR_KIND[role]
    form = _new_form(actor, kind)
    if form.validate_on_submit():
        try:
            created = writing.create_report(
                actor,
                kind=kind,
                week_start=form.week_start.data,
                fields=form.report_values(),
                **form.about(),
            )
        except DomainError as exc:
            show_errors(form, exc)
        else:
            flash(_("The draft is saved. Send it when it is ready."), "success")
            return redirect(url_for(f"{role.value}.report", report_id=created.id))
    basis = _prefill(actor, kind, form) if request.method == "GET" else None
    return _form_page(role, form, None, bool(form.picker.choices), basis)


def edit_report(role: Role, report_id: int):
    """Edit a draft of mine; sent reports and others' reports are refused."""
    actor = me()
    draft = reading.open_report(actor, report_id)
    if not rules.may_edit(actor, draft):
        flash(_("Only your own drafts can be edited; sent reports never change."), "error")
        return redirect(url_for(f"{role.value}.report", report_id=draft.id))
    form = EDIT_FORMS[draft.kind](obj=draft)
    if form.validate_on_submit():
        try:
            writing.update_report(
                actor, draft.id, {"week_start": form.week_start.data, **form.report_values()}
            )
        except DomainError as exc:
            show_errors(form, exc)
        else:
            flash(_("The draft is saved."), "success")
            return redirect(url_for(f"{role.value}.report", report_id=draft.id))
    return _form_page(role, form, draft, True)


def _draft_action(role: Role, action, report_id: int, done_message: str, done_url: str):
    """Send or delete a draft; refusals other than 404 come back on the report page."""
    try:
        action(me(), report_id)
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash(exc.message, "error")
        return redirect(url_for(f"{role.value}.report", report_id=report_id))
    flash(done_message, "success")
    return redirect(done_url)


def send_report(role: Role, report_id: int):
    """Send a draft to the recipient taken from the student's links now."""
    return _draft_action(
        role,
        writing.send_report,
        report_id,
        _("The report is sent."),
        url_for(f"{role.value}.report", report_id=report_id),
    )


def delete_report(role: Role, report_id: int):
    """Delete a draft."""
    return _draft_action(
        role, writing.delete_report, report_id, _("The draft is deleted."), url_for(_home(role))
    )


LIST_VIEWS = {"outbox": outbox, "inbox": inbox, "all": every_report}
# The author's actions: (rule, endpoint, handler, methods); readers get the report page only.
AUTHOR_ROUTES = (
    ("/reports/new", "new_report", new_report, ("GET", "POST")),
    ("/reports/<int:report_id>", "report", report, ("GET",)),
    ("/reports/<int:report_id>/edit", "edit_report", edit_report, ("GET", "POST")),
    ("/reports/<int:report_id>/send", "send_report", send_report, ("POST",)),
    ("/reports/<int:report_id>/delete", "delete_report", delete_report, ("POST",)),
)
READER_ROUTES = (("/reports/<int:report_id>", "report", report, ("GET",)),)


def _bind(view, *args):
    """The view with its first arguments given (named and documented like the view, as Flask
    and its extensions expect of a view function)."""

    @wraps(view)
    def bound(**url_values):
        return view(*args, **url_values)

    return bound


def routes_of(role: Role) -> list[tuple]:
    """Every report route of a role as (rule, endpoint, view, methods), the role bound into the
    view: its lists, then the author's or the reader's pages."""
    lists = [
        (page.path, endpoint, _bind(LIST_VIEWS[page.box], role, page), ("GET",))
        for endpoint, page in LISTS[role].items()
    ]
    pages = [
        (rule, endpoint, _bind(view, role), methods)
        for rule, endpoint, view, methods in (
            AUTHOR_ROUTES if role in AUTHOR_KIND else READER_ROUTES
        )
    ]
    return lists + pages
