"""The pre-filled weekly report (issue 10, the loop): opening a new report for a week fills its
numbers from that week's lessons and homework — the tutor report's days present/planned from all
the student's lessons (cancelled ones left out), the teacher report's homework done of set,
average grade (5-point scale) and attendance from the enrollment's lessons and homework — on the
page, in the service and over the API; the author's edits are what is saved; other people's
students and weeks yet to come are refused."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from tests.support.http import api_token
from tests.support.school import build_school, future_monday

MSK = ZoneInfo("Europe/Moscow")


def last_monday():
    """The Monday of last week (the reports' UTC week)."""
    from thebot.services.reports import rules

    return rules.current_week_start() - timedelta(days=7)


def at(day_offset: int, hour: int):
    """Last week's Monday + day_offset at hour:00 Moscow time, as UTC."""
    day = last_monday() + timedelta(days=day_offset)
    return datetime.combine(day, time(hour), tzinfo=MSK).astimezone(UTC)


def past_lesson(actor, start, **about):
    from thebot.services.lessons import schedule

    return schedule.record_past_lesson(
        actor, starts_at=start, ends_at=start + timedelta(hours=1), topic="Review", **about
    )


def lesson_moved_to(actor, start, *, cancel=False, **about):
    """A lesson scheduled in the future, optionally cancelled, then moved to `start` (the
    service rightly refuses a past start): a missed or a cancelled lesson of that day."""
    from thebot.extensions import db
    from thebot.models import Lesson
    from thebot.services.lessons import schedule

    later = future_monday(4) + timedelta(hours=9, days=len(about))
    (lesson,) = schedule.schedule_lessons(
        actor, starts_at=later, ends_at=later + timedelta(hours=1), **about
    )
    if cancel:
        schedule.cancel_lesson(actor, lesson.id)
    db.session.execute(
        update(Lesson)
        .where(Lesson.id == lesson.id)
        .values(starts_at=start, ends_at=start + timedelta(hours=1))
    )
    db.session.commit()
    return lesson


def homework(school, due, *, score=None, submit=False, top=10, title="Exercise"):
    from thebot.services.homework import work

    hw = work.set_homework(
        school.teacher,
        enrollment_id=school.maths1.id,
        title=title,
        instructions="",
        due_at=due,
        max_score=top,
    )
    if submit or score is not None:
        work.submit_homework(school.student, hw.id, text="Done.")
    if score is not None:
        work.grade_homework(school.teacher, hw.id, score=score)
    return hw


@pytest.fixture
def week(make_user):
    """Sam's last week: tutoring Mon and Tue (held), a missed tutoring lesson Wed, a cancelled
    one Thu; Maths Fri (held) and a missed Maths lesson Thu; three Maths homework due Wed (8/10,
    10/10, one not handed in) and one due this week."""
    school = build_school(make_user)
    tutoring = {"student_id": school.student.id}
    maths = {"enrollment_id": school.maths1.id}
    past_lesson(school.tutor, at(0, 10), **tutoring)
    past_lesson(school.tutor, at(1, 10), **tutoring)
    lesson_moved_to(school.tutor, at(2, 10), **tutoring)
    lesson_moved_to(school.tutor, at(3, 10), cancel=True, **tutoring)
    past_lesson(school.teacher, at(4, 15), **maths)
    lesson_moved_to(school.teacher, at(3, 15), **maths)
    due = at(2, 18)
    homework(school, due, score=8, title="Fractions")
    homework(school, due, score=10, title="Decimals")
    homework(school, due, title="Percentages")
    homework(school, datetime.now(UTC) + timedelta(days=3), title="Next week")
    return school


def test_service_tutor_prefill_counts_days_of_all_lessons(week):
    from thebot.services.reports.prefill import prefill

    filled = prefill(week.tutor, "tutor", last_monday(), student_id=week.student.id)
    # Days with a lesson not cancelled: Mon, Tue, Wed (missed), Thu (the missed Maths), Fri.
    assert filled["fields"] == {"days_present": 3, "days_planned": 5}
    assert filled["basis"] == {"lessons_completed": 3, "lessons_planned": 5}


def test_service_teacher_prefill_homework_grade_and_attendance(week):
    from thebot.services.reports.prefill import prefill

    filled = prefill(week.teacher, "teacher", last_monday(), enrollment_id=week.maths1.id)
    assert filled["fields"] == {
        "homework_done": 2,
        "homework_set": 3,
        "average_grade": Decimal("4.50"),  # 8/10 → 4.00 and 10/10 → 5.00
        "attendance_percent": 50,  # Fri held, Thu missed
    }
    assert filled["student_id"] == week.student.id


def test_an_empty_week_leaves_the_numbers_empty(week):
    from thebot.services.reports.prefill import prefill

    earlier = last_monday() - timedelta(weeks=3)
    assert prefill(week.tutor, "tutor", earlier, student_id=week.student.id)["fields"] == {
        "days_present": None,
        "days_planned": None,
    }
    filled = prefill(week.teacher, "teacher", earlier, enrollment_id=week.maths1.id)
    assert set(filled["fields"].values()) == {None}


def input_value(html: str, name: str) -> str | None:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert match, f"no input {name}"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else None


def test_tutor_form_opens_pre_filled_and_saves_the_authors_edit(web, week):
    web.login("sch-tutor")
    page = web.get(f"/tutor/reports/new?student_id={week.student.id}&week={last_monday()}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert input_value(html, "days_present") == "3"
    assert input_value(html, "days_planned") == "5"
    assert input_value(html, "week_start") == last_monday().isoformat()
    assert 'data-test="prefill-hint"' in html and "js/report_prefill.js" in html
    saved = web.post(
        "/tutor/reports/new",
        {
            "student_id": str(week.student.id),
            "week_start": last_monday().isoformat(),
            "summary": "A steady week.",
            "days_present": "4",  # the tutor knows better: edited before saving
            "days_planned": "5",
        },
    )
    assert saved.status_code == 302
    from thebot.extensions import db
    from thebot.models import Report

    db.session.expire_all()
    report = db.session.scalars(select(Report)).one()
    assert (report.days_present, report.days_planned, report.is_draft) == (4, 5, True)


def test_teacher_form_opens_pre_filled(web, week):
    web.login("sch-teacher")
    page = web.get(f"/teacher/reports/new?enrollment_id={week.maths1.id}&week={last_monday()}")
    html = page.get_data(as_text=True)
    assert [input_value(html, n) for n in ("homework_done", "homework_set")] == ["2", "3"]
    assert input_value(html, "average_grade") == "4.50"
    assert input_value(html, "attendance_percent") == "50"


def test_form_without_a_pick_fills_for_the_first_student(web, week):
    """Sam and Sue are the tutor's; the picker starts on Sam, and so does the pre-fill."""
    web.login("sch-tutor")
    html = web.get(f"/tutor/reports/new?week={last_monday()}").get_data(as_text=True)
    assert re.search(rf'<option selected value="{week.student.id}"', html)
    assert input_value(html, "days_planned") == "5"


def test_api_prefill_and_its_refusals(web, week):
    tutor = api_token("sch-tutor", via=web)
    path = f"/api/v1/reports/prefill?kind=tutor&week_start={last_monday()}"
    answer = web.api("GET", f"{path}&student_id={week.student.id}", token=tutor)
    assert answer.status_code == 200
    assert answer.get_json()["prefill"] == {
        "kind": "tutor",
        "week_start": last_monday().isoformat(),
        "student_id": week.student.id,
        "enrollment_id": None,
        "fields": {"days_present": 3, "days_planned": 5},
        "basis": {"lessons_completed": 3, "lessons_planned": 5},
    }
    teacher = api_token("sch-teacher", via=web)
    graded = web.api(
        "GET",
        f"/api/v1/reports/prefill?kind=teacher&week_start={last_monday()}"
        f"&enrollment_id={week.maths1.id}",
        token=teacher,
    ).get_json()["prefill"]
    assert graded["fields"]["average_grade"] == "4.50"
    # Another tutor's student, the other teacher's enrollment: not found.
    other = api_token("sch-tutor2", via=web)
    refused = web.api("GET", f"{path}&student_id={week.student.id}", token=other)
    assert refused.status_code == 404
    physics = web.api(
        "GET",
        f"/api/v1/reports/prefill?kind=teacher&week_start={last_monday()}"
        f"&enrollment_id={week.physics3.id}",
        token=teacher,
    )
    assert physics.status_code == 404
    # A teacher cannot pre-fill a tutor report; a week yet to come is refused.
    wrong_kind = web.api("GET", f"{path}&student_id={week.student.id}", token=teacher)
    assert wrong_kind.status_code == 403
    future = (last_monday() + timedelta(weeks=3)).isoformat()
    later = web.api(
        "GET",
        f"/api/v1/reports/prefill?kind=tutor&week_start={future}&student_id={week.student.id}",
        token=tutor,
    )
    assert later.status_code == 400 and "week_start" in later.get_json()["error"]["fields"]
