"""The schedule pages of every role, one handler each; `thebot.schedule.mount` adds a role's
routes to its blueprint with the role bound in (`routes_of`). Everyone sees a week (in their own
time zone) and the upcoming and past lessons, filtered by student and subject; teachers and
tutors also create lessons (or a weekly series), move, cancel and complete them. What a page
offers comes from the lessons service (`may_change`, `may_cancel`, `may_complete`); the views
only parse, call and render."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import wraps
from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from thebot.models import Role
from thebot.models.base import utcnow
from thebot.schedule.forms import (
    CancelForm,
    CompleteForm,
    LessonForm,
    MoveForm,
    ScheduleFilterForm,
    local_parts,
    rename_fields,
)
from thebot.services import access, learning, people
from thebot.services.errors import DomainError
from thebot.services.lessons import listing as lesson_listing
from thebot.services.lessons import rules as lesson_rules
from thebot.services.lessons import schedule as lesson_actions
from thebot.web import me, show_errors

HOSTS = (Role.TEACHER, Role.TUTOR)  # the roles that hold lessons and change them
UPCOMING = 20
PAST_DAYS = 60
PAST = 30


def zone_of(user) -> str:
    """The viewer's IANA time zone name (the profile setting)."""
    return user.time_zone


def _week_start(form: ScheduleFilterForm, zone: str) -> date:
    """The Monday of the week asked for, or of this week in the viewer's zone."""
    day = form.week.data if form.week.data and not form.week.errors else None
    if day is None:
        day = utcnow().astimezone(ZoneInfo(zone)).date()
    return day - timedelta(days=day.weekday())


def _filter_form(actor) -> ScheduleFilterForm:
    """The filters from the query string, their choices filled for this viewer."""
    form = ScheduleFilterForm(request.args)
    students = [] if actor.role is Role.STUDENT else people.students_visible_to(actor)
    form.fill(students, learning.subjects())
    form.validate()
    return form


def _recent(actor, now: datetime, filters: dict) -> list:
    """The last PAST lessons started in the PAST_DAYS before now, the latest first."""
    rows: list = []
    after_id, more = None, True
    while more:
        page, more = lesson_listing.lessons_for(
            actor,
            date_from=now - timedelta(days=PAST_DAYS),
            date_to=now,
            after_id=after_id,
            limit=100,
            **filters,
        )
        rows = (rows + page)[-PAST:]
        after_id = page[-1].id if page else None
        more = more and bool(page)
    return list(reversed(rows))


def schedule_page(role: Role):
    """The week (Monday to Sunday, in the viewer's zone) and the upcoming and past lessons."""
    actor = me()
    zone = zone_of(actor)
    form = _filter_form(actor)
    filters = form.filters()
    week = _week_start(form, zone)
    week_lessons = lesson_listing.week_of(actor, week, **filters)
    now = utcnow()
    upcoming, more_upcoming = lesson_listing.lessons_for(
        actor, date_from=now, limit=UPCOMING, **filters
    )
    past = _recent(actor, now, filters)
    days = [week + timedelta(days=n) for n in range(7)]
    by_day: dict[date, list] = {day: [] for day in days}
    for lesson in week_lessons:
        local_day = lesson.starts_at.astimezone(ZoneInfo(zone)).date()
        by_day.setdefault(local_day, []).append(lesson)
    shown = {lesson.id: lesson for lesson in [*week_lessons, *upcoming, *past]}
    allowed = {i: _allowed(actor, lesson) for i, lesson in shown.items()}
    args = form.query_args()
    return render_template(
        "schedule/week.html",
        role=role.value,
        form=form,
        zone=zone,
        week=week,
        days=days,
        by_day=by_day,
        today=now.astimezone(ZoneInfo(zone)).date(),
        upcoming=upcoming,
        more_upcoming=more_upcoming,
        past=past,
        allowed=allowed,
        cancel_form=CancelForm(),
        complete_form=CompleteForm(),
        show_student_filter=len(form.student_id.choices) > 2,
        prev_url=url_for(
            f"{role.value}.schedule", week=(week - timedelta(days=7)).isoformat(), **args
        ),
        next_url=url_for(
            f"{role.value}.schedule", week=(week + timedelta(days=7)).isoformat(), **args
        ),
        this_week_url=url_for(f"{role.value}.schedule", **args),
        can_create=role in HOSTS,
        week_iso=week.isoformat(),
    )


def _allowed(actor, lesson) -> dict[str, bool]:
    """What the viewer may do to the lesson, as the lessons service answers it."""
    return {
        "change": lesson_rules.may_change(actor, lesson),
        "cancel": lesson_rules.may_cancel(actor, lesson),
        "complete": lesson_rules.may_complete(actor, lesson),
    }


def _fill_choices(form: LessonForm, actor, role: Role) -> None:
    """Whom a lesson can be with: a teacher's active enrollments, a tutor's students."""
    if role is Role.TEACHER:
        form.enrollment_id.choices = [(None, _("Choose a student and subject"))] + [
            (e.id, f"{e.student.full_name} · {e.title}")
            for e in learning.enrollments_taught_by(actor)
        ]
        form.student_id.choices = [(None, "")]
    else:
        form.student_id.choices = [(None, _("Choose a student"))] + [
            (s.id, s.full_name) for s in people.students_visible_to(actor)
        ]
        form.enrollment_id.choices = [(None, "")]


def _back(role: Role, moment: datetime | None = None) -> str:
    """The schedule page, at the week of `moment` (in the viewer's zone) when given."""
    if moment is None:
        return url_for(f"{role.value}.schedule")
    day, _time = local_parts(moment, zone_of(me()))
    return url_for(f"{role.value}.schedule", week=(day - timedelta(days=day.weekday())).isoformat())


def _refused(form, exc: DomainError) -> None:
    """The service's refusal on the form: its field errors on the fields, and what it said."""
    rename_fields(exc)
    placed = exc.fields and all(hasattr(form, name) for name in exc.fields)
    show_errors(form, exc)
    if placed:
        flash(exc.message, "error")


def new_lesson(role: Role):
    """Schedule a lesson, or a weekly series of them, in the viewer's time zone."""
    actor = me()
    zone = zone_of(actor)
    form = LessonForm()
    _fill_choices(form, actor, role)
    if form.validate_on_submit():
        try:
            created = lesson_actions.schedule_lessons(
                actor, **form.values(zone, teacher=role is Role.TEACHER)
            )
        except DomainError as exc:
            _refused(form, exc)
        else:
            if len(created) > 1:
                count = len(created)
                flash(
                    ngettext(
                        "%(num)d weekly lesson is scheduled.",
                        "%(num)d weekly lessons are scheduled.",
                        count,
                    ),
                    "success",
                )
            else:
                flash(_("The lesson is scheduled."), "success")
            return redirect(_back(role, created[0].starts_at), code=303)
    return render_template(
        "schedule/form.html", form=form, role=role.value, zone=zone, lesson=None
    ), (400 if request.method == "POST" else 200)


def _visible(actor, lesson_id: int):
    """The lesson, visible to the viewer (404 otherwise)."""
    return access.visible_lesson(actor, lesson_id)


def edit_lesson(role: Role, lesson_id: int):
    """Move one lesson (the rest of its series stays) or change its topic or video link."""
    actor = me()
    zone = zone_of(actor)
    lesson = _visible(actor, lesson_id)
    form = MoveForm()
    if request.method == "GET":
        form.day.data, form.start.data = local_parts(lesson.starts_at, zone)
        form.end.data = local_parts(lesson.ends_at, zone)[1]
        form.topic.data = lesson.topic
        form.video_url.data = lesson.video_url
    if form.validate_on_submit():
        try:
            moved = lesson_actions.reschedule_lesson(actor, lesson.id, **form.values(zone))
        except DomainError as exc:
            if exc.status == 404:
                raise
            _refused(form, exc)
        else:
            flash(_("The lesson is changed."), "success")
            return redirect(_back(role, moved.starts_at), code=303)
    return render_template(
        "schedule/form.html",
        form=form,
        role=role.value,
        zone=zone,
        lesson=lesson,
        may_change=lesson_rules.may_change(actor, lesson),
    ), (400 if request.method == "POST" else 200)


def _action(role: Role, lesson_id: int, action, done: str, *args):
    """Run a transition; refusals other than 404 come back as a message on the schedule."""
    actor = me()
    lesson = _visible(actor, lesson_id)
    try:
        action(actor, lesson.id, *args)
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash(exc.message, "error")
    else:
        flash(done, "success")
    return redirect(_back(role, lesson.starts_at), code=303)


def cancel(role: Role, lesson_id: int):
    """Cancel one lesson with an optional reason (refused close to its start)."""
    form = CancelForm()
    if not form.validate_on_submit():
        flash(
            " ".join(e for errors in form.errors.values() for e in errors)
            or _("The form has expired. Please try again."),
            "error",
        )
        return redirect(_back(role), code=303)
    reason = (form.reason.data or "").strip() or None
    return _action(
        role, lesson_id, lesson_actions.cancel_lesson, _("The lesson is cancelled."), reason
    )


def complete(role: Role, lesson_id: int):
    """Mark a lesson held (only once it has started)."""
    return _action(role, lesson_id, lesson_actions.complete_lesson, _("The lesson is marked held."))


READ = (("/schedule", "schedule", schedule_page, ("GET",)),)
CHANGE = (
    ("/schedule/new", "lesson_new", new_lesson, ("GET", "POST")),
    ("/lessons/<int:lesson_id>/edit", "lesson_edit", edit_lesson, ("GET", "POST")),
    ("/lessons/<int:lesson_id>/cancel", "lesson_cancel", cancel, ("POST",)),
    ("/lessons/<int:lesson_id>/complete", "lesson_complete", complete, ("POST",)),
)


def _bind(view, *args):
    """The view with its first arguments given (named and documented like the view)."""

    @wraps(view)
    def bound(**url_values):
        return view(*args, **url_values)

    return bound


def routes_of(role: Role) -> list[tuple]:
    """Every schedule route of a role as (rule, endpoint, view, methods), the role bound in."""
    routes = READ + CHANGE if role in HOSTS else READ
    return [
        (rule, endpoint, _bind(view, role), methods) for rule, endpoint, view, methods in routes
    ]
