"""The schedule in real Chromium: the student's open week (on a phone, in their own time zone)
follows the teacher's changes live — a lesson moved to another day goes to that day with its new
time, a cancelled one shows cancelled with its reason; the teacher's card loses its buttons."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.support.browser import browser_login
from tests.support.school import build_school, future_monday

pytestmark = pytest.mark.browser


def test_the_students_week_follows_the_teacher_live(new_page, make_user):
    from thebot.services import accounts
    from thebot.services.lessons import schedule

    school = build_school(make_user)
    accounts.set_time_zone(school.student, "Asia/Tokyo")
    start = future_monday() + timedelta(hours=3)  # Monday 12:00 in Tokyo, 06:00 in Moscow
    (lesson,) = schedule.schedule_lessons(
        school.teacher,
        enrollment_id=school.maths1.id,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        topic="Ratios",
    )
    week = start.date().isoformat()
    student = new_page(viewport={"width": 390, "height": 844})
    browser_login(student, "sch-student")
    student.goto(f"/student/schedule?week={week}")
    expect(student.locator("[data-schedule]")).to_have_attribute("data-live", "on")
    card = student.locator(f'[data-day-lessons] [data-lesson-id="{lesson.id}"]')
    expect(card.locator("[data-lesson-time]")).to_have_text("12:00–13:00")
    expect(student.locator(f'[data-day="{week}"]')).to_contain_text("Ratios")
    student.evaluate("window.stillTheSamePage = true")

    teacher = new_page()
    browser_login(teacher, "sch-teacher")
    teacher.goto(f"/teacher/lessons/{lesson.id}/edit")
    tuesday = (start + timedelta(days=1)).date().isoformat()
    teacher.fill("input[name=day]", tuesday)
    teacher.fill("input[name=start]", "09:00")  # Moscow: 15:00 in Tokyo
    teacher.fill("input[name=end]", "10:30")
    teacher.click("[data-test=save]")
    expect(teacher.locator(".flash-success")).to_contain_text("The lesson is changed.")

    moved = student.locator(f'[data-day="{tuesday}"] [data-lesson-id="{lesson.id}"]')
    expect(moved.locator("[data-lesson-time]")).to_have_text("15:00–16:30")
    expect(student.locator(f'[data-day="{week}"] [data-lesson-id="{lesson.id}"]')).to_have_count(0)

    teacher_card = teacher.locator(f'[data-day-lessons] [data-lesson-id="{lesson.id}"]')
    teacher_card.locator("summary").click()
    teacher_card.locator("textarea[name=reason]").fill("Snow <i>day</i>")
    teacher.once("dialog", lambda dialog: dialog.accept())
    teacher_card.locator("[data-test=cancel]").click()
    expect(teacher.locator(".flash-success")).to_contain_text("The lesson is cancelled.")
    expect(teacher_card.locator("[data-test=move]")).to_have_count(0)

    expect(moved.locator("[data-lesson-status]")).to_have_text("cancelled")
    expect(moved.locator("[data-lesson-reason]")).to_have_text("Snow <i>day</i>")
    assert student.evaluate("window.stillTheSamePage") is True
