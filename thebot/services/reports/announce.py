"""What is told about a report and where: its notifications' params and links, and the live
events sent after commit to everyone who may see it."""

from __future__ import annotations

from collections.abc import Callable

from thebot import realtime
from thebot.extensions import db
from thebot.models import Report, ReportKind, StudentProfile, User
from thebot.services import access


def emit_to_audience(name: str, report: Report, payload: Callable[[User], dict]) -> None:
    """After commit, send an event to the private room of everyone who may see the report."""
    for user in access.report_audience(report):
        realtime.emit(
            name, payload(user), to=realtime.user_room(user.id), namespace=realtime.REPORTS
        )


def told_of_sending(report: Report, recipient: User) -> list[User]:
    """Who gets the "new report" notification: the recipient and, for a tutor report, the
    student's second guardian too (active accounts), who may open and so mark it read."""
    people = [recipient]
    profile = db.session.get(StudentProfile, report.student_id)
    guardian = profile.guardian if profile is not None else None
    if report.kind is ReportKind.TUTOR and guardian is not None and guardian.active:
        people.extend([guardian] if guardian.id != recipient.id else [])
    return people


def report_key(report_id: int) -> str:
    """The dedupe key of a report's "new report" notification (marked read when it is opened)."""
    return f"report:{report_id}"


def about(report: Report) -> dict:
    """What a report notification says the report is about (rendered in the reader's language
    when shown: notify_texts.render)."""
    return {
        "student": report.student.full_name,
        "week": report.week_start.isoformat(),
        "subject": report.subject_title if report.kind is ReportKind.TEACHER else None,
    }


def report_path(report: Report, user: User) -> str:
    """The page where this user reads the report (each role's area has /<role>/reports/<id>)."""
    return f"/{user.role.value}/reports/{report.id}"
