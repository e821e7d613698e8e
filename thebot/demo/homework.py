"""Demo homework for the demo enrollments, built through the homework services: one in every
state (set, overdue, submitted on time, submitted late, returned for rework, graded on time and
late). A past due time is what a teacher records for homework already given in class; the
service allows due times up to 60 days back. Idempotent: nothing is added once homework exists.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from thebot.extensions import db
from thebot.models import Enrollment, Homework
from thebot.models.base import utcnow
from thebot.services.homework import work

# student, teacher, title, instructions, days until due (negative: past), max score, the end
# state, and what the student and the teacher wrote on the way there.
HOMEWORK = [
    (
        "student",
        "teacher",
        "Fractions, set 3",
        "Exercises 1–12 on page 48; show the working.",
        2,
        10,
        "graded",
        "All twelve done; working on the back of the sheet.",
        9,
        "Neat work.",
    ),
    (
        "student",
        "teacher",
        "Linear equations",
        "Solve 3.1–3.8 and check each by substitution.",
        -3,
        10,
        "submitted",
        "Done, but I am not sure about 3.7.",
        None,
        "",
    ),
    (
        "student",
        "teacher",
        "Word problems",
        "Problems 5–9: write the equation before solving.",
        4,
        10,
        "returned",
        "5: 12 km, 6: 3 h, 7: 40 min.",
        None,
        "Write the equation for each problem, not only the answer, then send it again.",
    ),
    ("student", "teacher", "Percentages", "Worksheet 7, both sides.", 6, 10, "set", "", None, ""),
    (
        "student",
        "teacher",
        "Ratios warm-up",
        "Five short ratio problems from the board.",
        -2,
        5,
        "set",
        "",
        None,
        "",
    ),
    (
        "student",
        "teacher2",
        "Newton's second law",
        "Problems 2.1–2.6; draw the forces.",
        -5,
        10,
        "late graded",
        "Sorry it is late: I was ill on Thursday.",
        7,
        "Good force diagrams; check the units in 2.4.",
    ),
    (
        "student2",
        "teacher",
        "Times tables to 12",
        "Fill in the grid and time yourself.",
        1,
        10,
        "submitted",
        "Done in 4 minutes 10 seconds!",
        None,
        "",
    ),
    (
        "student2",
        "teacher",
        "Column addition",
        "Page 21, exercises 1–10.",
        3,
        10,
        "set",
        "",
        None,
        "",
    ),
    (
        "student3",
        "teacher",
        "EGE variant 12, part 1",
        "Tasks 1–12 under exam conditions.",
        1,
        20,
        "graded",
        "Tasks 1–12, 55 minutes.",
        18,
        "Strong; task 11 lost two points.",
    ),
    (
        "student4",
        "teacher2",
        "Kinematics graphs",
        "Read the v–t graphs in set B.",
        5,
        10,
        "set",
        "",
        None,
        "",
    ),
]


def _enrollment(student_id: int, teacher_id: int) -> Enrollment | None:
    return db.session.scalar(
        select(Enrollment).where(
            Enrollment.student_id == student_id,
            Enrollment.teacher_id == teacher_id,
            Enrollment.is_active.is_(True),
        )
    )


def load_history(user) -> None:
    """Create the demo homework (see HOMEWORK) unless there is homework already."""
    if db.session.scalar(select(Homework.id).limit(1)) is not None:
        return
    now = utcnow().replace(second=0, microsecond=0)
    for row in HOMEWORK:
        student_name, teacher_name, title, instructions, due_in, top, state = row[:7]
        answer, score, feedback = row[7:]
        student, teacher = user(student_name), user(teacher_name)
        enrollment = _enrollment(student.id, teacher.id)
        if enrollment is None:
            continue
        homework = work.set_homework(
            teacher,
            enrollment_id=enrollment.id,
            title=title,
            instructions=instructions,
            due_at=(now + timedelta(days=due_in)).replace(hour=15, minute=0),
            max_score=top,
        )
        if state == "set":
            continue
        work.submit_homework(student, homework.id, text=answer)
        if state == "returned":
            work.return_homework(teacher, homework.id, feedback=feedback)
        elif state in ("graded", "late graded"):
            work.grade_homework(teacher, homework.id, score=score, feedback=feedback)
