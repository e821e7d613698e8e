"""A student's whole picture in real Chromium: the parent's open child page follows a grade
live — a teacher grades handed-in homework and, without a reload, the homework leaves "to do",
its score shows under the recent grades and the chart gains the homework grade."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.support.browser import browser_login
from tests.support.school import build_school

pytestmark = pytest.mark.browser


def test_the_child_page_follows_a_grade_live(new_page, make_user):
    from thebot.models.base import utcnow
    from thebot.services.homework import work

    school = build_school(make_user)
    hw = work.set_homework(
        school.teacher,
        enrollment_id=school.maths1.id,
        title="Fractions, page 12",
        instructions="",
        due_at=utcnow() - timedelta(hours=1),
        max_score=10,
    )
    work.submit_homework(school.student, hw.id, text="1/2 + 1/3 = 5/6")

    parent = new_page(viewport={"width": 390, "height": 844})
    browser_login(parent, "sch-parent")
    parent.goto(f"/parent/children/{school.student.id}")
    picture = parent.locator("[data-student-picture]")
    expect(picture).to_have_attribute("data-live", "1")
    grades = parent.locator("[data-test=recent-grades]")
    expect(grades).to_contain_text("No grades yet.")
    expect(parent.locator("[data-series=homework_grade]")).to_have_count(0)
    parent.evaluate("window.stillTheSamePage = true")

    teacher = new_page()
    browser_login(teacher, "sch-teacher")
    teacher.goto(f"/teacher/homework/{hw.id}")
    teacher.fill("input[name=score]", "8")
    teacher.click("[data-test=grade]")
    expect(teacher.locator(".flash-success")).to_contain_text("The grade is saved.")

    expect(grades.locator(f'[data-homework-id="{hw.id}"] [data-score]')).to_have_text("8 / 10")
    expect(parent.locator("[data-series=homework_grade]")).to_have_count(1)
    assert parent.evaluate("window.stillTheSamePage") is True
    # The page is still live after the swap: it keeps its sockets.
    expect(picture).to_have_attribute("data-live", "1")
