"""Demo history of weekly reports: several weeks in every state (draft, sent, read) for the demo
families, written, sent and read through the reports service. Idempotent: a series (author,
student[, subject]) that has any report already is left alone.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from thebot.extensions import db
from thebot.models import Enrollment, Report, ReportKind
from thebot.services.reports import reading, rules, writing

# Each entry: weeks before this one, the state to leave it in, and its fields.
TUTOR_ANNA = [
    (
        4,
        "read",
        {
            "summary": "A steady start: Anna kept to the study plan on four days of five.",
            "days_present": 4,
            "days_planned": 5,
            "progress_percent": 55,
            "achievements": "Finished the first OGE practice paper.",
            "concerns": "Geometry proofs still take her a long time.",
            "recommendations": "Twenty minutes of geometry each evening.",
        },
    ),
    (
        3,
        "read",
        {
            "summary": "Full attendance and a calmer approach to timed work.",
            "days_present": 5,
            "days_planned": 5,
            "progress_percent": 60,
            "progress_notes": "Timed sections now finished with a few minutes to spare.",
        },
    ),
    (
        2,
        "read",
        {
            "summary": "A cold kept Anna home for two days; she caught up at the weekend.",
            "days_present": 3,
            "days_planned": 5,
            "progress_percent": 62,
            "concerns": "Missed two sessions of the plan.",
        },
    ),
    (
        1,
        "sent",
        {
            "summary": "Best week so far: 23 of 25 on the mock test.",
            "days_present": 5,
            "days_planned": 5,
            "progress_percent": 70,
            "achievements": "Mock OGE test: 23 of 25.",
            "recommendations": "Keep the evening routine; one more mock test next week.",
        },
    ),
    (
        0,
        "draft",
        {
            "summary": "Notes for this week so far: revising quadratic equations.",
            "days_present": 2,
            "days_planned": 5,
            "progress_percent": 72,
        },
    ),
]
TUTOR_PAVEL = [
    (
        2,
        "read",
        {
            "summary": "Pavel is settling in; we agreed on a weekly plan together.",
            "days_present": 3,
            "days_planned": 4,
            "progress_percent": 30,
        },
    ),
    (
        1,
        "sent",
        {
            "summary": "Fractions are clicking: homework done without help twice.",
            "days_present": 4,
            "days_planned": 4,
            "progress_percent": 38,
            "achievements": "Two homework sets without help.",
        },
    ),
]
TUTOR_DANIIL = [  # Daniil has no parent linked: the draft cannot be sent yet
    (
        0,
        "draft",
        {
            "summary": "Olympiad preparation: mechanics problems from last year's round.",
            "days_present": 3,
            "days_planned": 3,
            "progress_percent": 45,
        },
    ),
]
TUTOR2_MARIA = [
    (
        2,
        "read",
        {
            "summary": "Maria keeps a strong pace on the profile maths plan.",
            "days_present": 5,
            "days_planned": 5,
            "progress_percent": 78,
        },
    ),
    (
        1,
        "sent",
        {
            "summary": "Mock EGE: 76 points; parameters remain the weak spot.",
            "days_present": 4,
            "days_planned": 5,
            "progress_percent": 80,
            "concerns": "Problems with parameters.",
        },
    ),
]
MATHS_ANNA = [
    (
        3,
        "read",
        {
            "summary": "Anna works carefully in class; algebra is solid.",
            "homework_done": 3,
            "homework_set": 3,
            "average_grade": "4.67",
            "attendance_percent": 100,
        },
    ),
    (
        2,
        "read",
        {
            "summary": "Missed two lessons through illness; homework partly done.",
            "homework_done": 2,
            "homework_set": 3,
            "average_grade": "4.00",
            "attendance_percent": 60,
            "concerns": "Catch up on the missed similarity topic.",
        },
    ),
    (
        1,
        "sent",
        {
            "summary": "Back on track, and the best geometry test of the term.",
            "homework_done": 3,
            "homework_set": 3,
            "average_grade": "5.00",
            "attendance_percent": 100,
            "achievements": "Geometry test: 5.",
        },
    ),
]
PHYSICS_ANNA = [
    (
        1,
        "sent",
        {
            "summary": "Good lab work on pendulums; the write-up needs more care.",
            "homework_done": 1,
            "homework_set": 2,
            "average_grade": "4.00",
            "attendance_percent": 100,
        },
    ),
    (
        0,
        "draft",
        {
            "summary": "This week: Newton's laws, a short test on Friday.",
            "homework_done": 1,
            "homework_set": 1,
        },
    ),
]
MATHS_MARIA = [
    (
        1,
        "read",
        {
            "summary": "Maria solved every olympiad-style problem set this week.",
            "homework_done": 2,
            "homework_set": 2,
            "average_grade": "5.00",
            "attendance_percent": 100,
        },
    ),
]
PHYSICS_DANIIL = [
    (
        1,
        "sent",
        {
            "summary": "Daniil leads the class in problem solving.",
            "homework_done": 2,
            "homework_set": 2,
            "average_grade": "4.50",
            "attendance_percent": 90,
        },
    ),
]

TUTOR_SERIES = [
    ("tutor", "student", "parent", TUTOR_ANNA),
    ("tutor", "student2", "parent", TUTOR_PAVEL),
    ("tutor", "student4", None, TUTOR_DANIIL),
    ("tutor2", "student3", "parent2", TUTOR2_MARIA),
]
TEACHER_SERIES = [
    ("teacher", "student", "tutor", MATHS_ANNA),
    ("teacher2", "student", "tutor", PHYSICS_ANNA),
    ("teacher", "student3", "tutor2", MATHS_MARIA),
    ("teacher2", "student4", "tutor", PHYSICS_DANIIL),
]


def load_history(user_by_username) -> None:
    """Write, send and read the demo reports that are missing (whole series at a time)."""
    this_week = rules.current_week_start()
    for author_name, student_name, reader_name, entries in TUTOR_SERIES:
        author, student = user_by_username(author_name), user_by_username(student_name)
        if _has_reports(author.id, student.id, None):
            continue
        for weeks_ago, state, fields in entries:
            report = writing.create_report(
                author,
                kind=ReportKind.TUTOR,
                student_id=student.id,
                week_start=this_week - timedelta(weeks=weeks_ago),
                fields=fields,
            )
            _advance(author, report, state, user_by_username(reader_name) if reader_name else None)
    for author_name, student_name, reader_name, entries in TEACHER_SERIES:
        author, student = user_by_username(author_name), user_by_username(student_name)
        enrollment = db.session.scalar(
            select(Enrollment).where(
                Enrollment.teacher_id == author.id,
                Enrollment.student_id == student.id,
                Enrollment.is_active.is_(True),
            )
        )
        if enrollment is None or _has_reports(author.id, student.id, enrollment.subject_id):
            continue
        for weeks_ago, state, fields in entries:
            report = writing.create_report(
                author,
                kind=ReportKind.TEACHER,
                enrollment_id=enrollment.id,
                week_start=this_week - timedelta(weeks=weeks_ago),
                fields=fields,
            )
            _advance(author, report, state, user_by_username(reader_name))


def _advance(author, report: Report, state: str, reader) -> None:
    if state in ("sent", "read"):
        writing.send_report(author, report.id)
    if state == "read":
        reading.mark_read(reader, report.id)


def _has_reports(author_id: int, student_id: int, subject_id: int | None) -> bool:
    query = select(Report.id).where(Report.author_id == author_id, Report.student_id == student_id)
    if subject_id is not None:
        query = query.where(Report.subject_id == subject_id)
    return db.session.scalar(query.limit(1)) is not None
