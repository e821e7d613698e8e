"""What the database refused in the reports table, answered as domain errors by constraint name
(PostgreSQL and SQLite alike)."""

from __future__ import annotations

import re
from typing import cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import Table
from sqlalchemy.exc import IntegrityError

from thebot.extensions import db
from thebot.models import Report
from thebot.services.errors import Conflict, Invalid


def flush_or_conflict() -> None:
    """Flush the session; a refused constraint becomes its domain error (after a rollback)."""
    try:
        db.session.flush()
    except IntegrityError as exc:  # a race the checks above could not see; the database decided
        db.session.rollback()
        raise integrity_error(exc) from None


def _failed_constraint(exc: IntegrityError) -> str | None:
    """The name of the constraint the database refused, on PostgreSQL and SQLite alike."""
    name = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
    if name:
        return name
    text = str(exc.orig)
    check = re.search(r"CHECK constraint failed: (\w+)", text)
    if check:
        return check.group(1)
    unique = re.search(r"UNIQUE constraint failed: ([\w., ]+)", text)
    if unique:  # SQLite names the columns of a unique index, not the index
        columns = [part.strip().rsplit(".", 1)[-1] for part in unique.group(1).split(",")]
        for index in cast(Table, Report.__table__).indexes:  # typed as any FromClause
            if index.unique and [c.name for c in index.columns] == columns:
                return index.name
    if "FOREIGN KEY constraint failed" in text:
        return "foreign_key"
    return None


def _constraint_errors() -> dict[str, tuple]:
    """What each refused constraint of the reports table means, in the reader's language."""
    week = (
        _l("There is already a report for this student and week."),
        {"week_start": _l("There is already a report for this week.")},
    )
    days = _l("Days present cannot exceed days planned.")
    homework = _l("Homework done cannot exceed homework set.")
    return {
        "uq_reports_tutor_week": (Conflict, *week),
        "uq_reports_teacher_week": (Conflict, *week),
        "ck_reports_days_present_range": (Invalid, days, {"days_present": days}),
        "ck_reports_days_planned_range": (
            Invalid,
            _l("'%(name)s' must be from %(low)d to %(high)d.", name="days_planned", low=0, high=7),
            {"days_planned": _l("From %(low)d to %(high)d.", low=0, high=7)},
        ),
        "ck_reports_homework_done_range": (Invalid, homework, {"homework_done": homework}),
        "ck_reports_homework_set_range": (
            Invalid,
            _l("'%(name)s' must be a whole number.", name="homework_set"),
            {"homework_set": _l("Enter a whole number.")},
        ),
        "ck_reports_progress_range": (
            Invalid,
            _l(
                "'%(name)s' must be from %(low)d to %(high)d.",
                name="progress_percent",
                low=0,
                high=100,
            ),
            {"progress_percent": _l("From %(low)d to %(high)d.", low=0, high=100)},
        ),
        "ck_reports_attendance_range": (
            Invalid,
            _l(
                "'%(name)s' must be from %(low)d to %(high)d.",
                name="attendance_percent",
                low=0,
                high=100,
            ),
            {"attendance_percent": _l("From %(low)d to %(high)d.", low=0, high=100)},
        ),
        "ck_reports_average_grade_range": (
            Invalid,
            _l("'average_grade' must be from 1.00 to 5.00."),
            {"average_grade": _l("A grade from 1.00 to 5.00, at most two decimals.")},
        ),
        "ck_reports_sent_has_recipient": (Conflict, _l("A sent report needs a recipient."), {}),
        "ck_reports_subject_per_kind": (
            Invalid,
            _l("A teacher report is about one subject; a tutor report about none."),
            {},
        ),
        "foreign_key": (
            Conflict,
            _l("The student, subject or enrollment of this report no longer exists."),
            {},
        ),
    }


def integrity_error(exc: IntegrityError) -> Exception:
    """The domain error for a constraint the database refused; an unknown one stays a bug."""
    known = _constraint_errors().get(_failed_constraint(exc) or "")
    if known is None:
        return exc
    error_cls, message, fields = known
    return error_cls(message, fields)
