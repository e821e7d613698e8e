"""Homework in real Chromium: a teacher grades a handed-in homework and the parent's open pages
for that child show it at once, without a reload: the child's homework list (on a phone; the
row's state and score) and the homework's own page (state, score, feedback as plain text)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.support.browser import browser_login
from tests.support.school import build_school

pytestmark = pytest.mark.browser


def test_a_grade_reaches_the_parents_open_pages_live(new_page, make_user):
    from thebot.models.base import utcnow
    from thebot.services.homework import work

    school = build_school(make_user)
    hw = work.set_homework(
        school.teacher,
        enrollment_id=school.maths1.id,
        title="Fractions, page 12",
        instructions="All odd numbers.",
        due_at=utcnow() + timedelta(days=2),
        max_score=10,
    )
    work.submit_homework(school.student, hw.id, text="1/2 + 1/3 = 5/6")

    parent = new_page(viewport={"width": 390, "height": 844})  # the parent on a phone
    browser_login(parent, "sch-parent")
    parent.goto(f"/parent/homework?student_id={school.student.id}")
    expect(parent.locator("[data-homework-page]")).to_have_attribute("data-live", "on")
    row = parent.locator(f'tr[data-homework-id="{hw.id}"]')
    expect(row.locator("[data-hw-status]")).to_have_text("submitted")
    expect(row.locator("[data-hw-score]")).to_have_text("")
    parent.evaluate("window.stillTheSamePage = true")

    detail = new_page()
    browser_login(detail, "sch-parent")
    detail.goto(f"/parent/homework/{hw.id}")
    expect(detail.locator("[data-homework-detail]")).to_have_attribute("data-live", "on")
    expect(detail.locator("[data-test=score]")).to_have_text("")
    expect(detail.locator("form[method=post][action*='/grade']")).to_have_count(0)
    detail.evaluate("window.stillTheSamePage = true")

    teacher = new_page()
    browser_login(teacher, "sch-teacher")
    teacher.goto(f"/teacher/homework/{hw.id}")
    teacher.fill("input[name=score]", "7")
    teacher.fill("textarea[name=feedback]", "Nice <b>work</b>, check 3.")
    teacher.click("[data-test=grade]")
    expect(teacher.locator(".flash-success")).to_contain_text("The grade is saved.")

    expect(row.locator("[data-hw-status]")).to_have_text("graded")
    expect(row.locator("[data-hw-score]")).to_have_text("7 / 10")
    assert parent.evaluate("window.stillTheSamePage") is True

    expect(detail.locator("[data-test=score]")).to_have_text("7 / 10")
    feedback = detail.locator("[data-test=feedback]")
    expect(feedback).to_have_text("Nice <b>work</b>, check 3.")  # literal text, not markup
    expect(feedback.locator("b")).to_have_count(0)
    expect(detail.locator(f'[data-homework-id="{hw.id}"] [data-hw-status]')).to_have_text("graded")
    assert detail.evaluate("window.stillTheSamePage") is True
