"""The contract's JSON shape of a report (API answers, socket acks and events)."""

from __future__ import annotations

from decimal import Decimal

from thebot.models import Report, ReportKind, User
from thebot.models.base import iso
from thebot.services.reports.reading import is_unread_for
from thebot.services.reports.rules import KIND_FIELDS, TEXT_FIELDS, may_edit


def _person(user: User | None) -> dict | None:
    return None if user is None else {"id": user.id, "full_name": user.full_name}


def report_dict(report: Report, viewer: User) -> dict:
    """A report as JSON for this viewer (with whether they may edit it, and whether it waits
    for them to read it: `is_new`, by the student's links as they are now)."""
    data = {
        "id": report.id,
        "kind": report.kind.value,
        "status": report.status.value,
        "student": _person(report.student),
        "subject": None
        if report.subject is None
        else {"id": report.subject.id, "name": report.subject.name, "title": report.subject_title},
        "enrollment_id": report.enrollment_id,
        "week_start": report.week_start.isoformat(),
        "author": _person(report.author),
        "recipient": _person(report.recipient),
        **{name: getattr(report, name) for name in TEXT_FIELDS},
    }
    for name in KIND_FIELDS[report.kind]:
        value = getattr(report, name)
        data[name] = str(value) if isinstance(value, Decimal) else value
    if report.kind is ReportKind.TUTOR:
        data["attendance_share"] = report.attendance_share
    data.update(
        sent_at=iso(report.sent_at),
        read_at=iso(report.read_at),
        created_at=iso(report.created_at),
        updated_at=iso(report.updated_at),
        can_edit=may_edit(viewer, report),
        is_new=is_unread_for(report, viewer),
    )
    return data
