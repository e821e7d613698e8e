"""Homework pages over HTTP, as each role uses them: the teacher sets homework through the form
(for their active enrollments only; refusals shown, nothing stored), the student sees it to do
(due time in their own zone) and submits text and a file, once until it is returned; the teacher
sees it to grade first, grades it (0..max, out-of-range refused on the form) or returns it for
rework; parents and tutors read it per child with no forms; students can never post a score;
other people's homework is 404 and other roles' pages 403."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.support.http import field_errors, text_of
from tests.support.school import build_school

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\xbd\xfa\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def school(make_user):
    return build_school(make_user)


def stored(homework_id):
    from thebot.extensions import db
    from thebot.models import Homework

    db.session.expire_all()
    return db.session.get(Homework, homework_id)


def all_homework():
    from thebot.extensions import db
    from thebot.models import Homework

    db.session.expire_all()
    return db.session.scalars(select(Homework).order_by(Homework.id)).all()


def set_homework(school, title="Exercises 1-10", enrollment=None, max_score=10):
    from thebot.models.base import utcnow
    from thebot.services.homework import work

    due = utcnow().replace(microsecond=0, second=0) + timedelta(days=3)
    return work.set_homework(
        school.teacher,
        enrollment_id=(enrollment or school.maths1).id,
        title=title,
        instructions="Page 42, all of them.",
        due_at=due,
        max_score=max_score,
    )


def submitted(school, **kw):
    from thebot.services.homework import work

    hw = set_homework(school, **kw)
    return work.submit_homework(school.student, hw.id, text="My answers")


def section(response, key: str) -> str:
    html = response.get_data(as_text=True)
    match = re.search(rf'data-test="section-{key}">(.*?)</section>', html, re.S)
    assert match, f"no section {key}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


def test_the_teacher_sets_homework_through_the_form(school, web):
    from thebot.services import accounts

    web.login("sch-teacher")
    form = web.get("/teacher/homework/new")
    assert "Sam Student · Maths" in text_of(form) and "Olly Other" not in text_of(form)
    from thebot.models.base import utcnow

    day = (utcnow() + timedelta(days=5)).date().isoformat()
    data = {
        "enrollment_id": str(school.maths1.id),
        "title": "Quadratic equations",
        "instructions": "Solve 1-5.\nShow your working.",
        "due_day": day,
        "due_time": "18:00",
        "max_score": "20",
    }
    created = web.post("/teacher/homework/new", data)
    assert created.status_code == 303
    (hw,) = all_homework()
    assert (hw.title, hw.max_score, hw.student_id) == ("Quadratic equations", 20, school.student.id)
    assert hw.due_at.hour == 15  # 18:00 in Moscow is 15:00 UTC
    page = web.get(created.headers["Location"])
    assert "The homework is set." in text_of(page) and "Show your working." in text_of(page)
    # The student, in Tokyo, sees the due time in their zone (18:00 Moscow = 00:00 next day).
    accounts.set_time_zone(school.student, "Asia/Tokyo")
    web.logout()
    web.login("sch-student")
    todo = section(web.get("/student/homework"), "todo")
    assert "Quadratic equations" in todo and "00:00" in todo and "to do" in todo
    # Refusals: max score out of range, another teacher's enrollment; nothing more is stored.
    web.logout()
    web.login("sch-teacher")
    too_big = web.post("/teacher/homework/new", {**data, "max_score": "500"})
    assert too_big.status_code == 400 and "max_score" in field_errors(too_big)
    foreign = web.post("/teacher/homework/new", {**data, "enrollment_id": str(school.physics3.id)})
    assert foreign.status_code == 400
    no_title = web.post("/teacher/homework/new", {**data, "title": " "})
    assert no_title.status_code == 400 and "title" in field_errors(no_title)
    assert len(all_homework()) == 1


def test_the_student_submits_text_and_a_file_once(school, web):
    hw = set_homework(school)
    web.login("sch-student")
    page = web.get(f"/student/homework/{hw.id}")
    assert "Page 42, all of them." in text_of(page) and 'data-action="submit"' in page.get_data(
        as_text=True
    )
    sent = web.post(
        f"/student/homework/{hw.id}/submit",
        {"text": "x = 2 and x = 3", "attachment": (io.BytesIO(PNG), "work.png")},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 303
    row = stored(hw.id)
    assert row.status.value == "submitted"
    assert row.submission.text == "x = 2 and x = 3" and row.submission.attachment_name == "work.png"
    assert row.submission.late is False
    after = web.get(f"/student/homework/{hw.id}")
    shown = text_of(after)
    assert "Your work is submitted." in shown and "x = 2 and x = 3" in shown and "work.png" in shown
    assert 'data-action="submit"' not in after.get_data(as_text=True)
    assert "Exercises 1-10" in section(web.get("/student/homework"), "submitted")
    again = web.post(f"/student/homework/{hw.id}/submit", {"text": "second try"})
    assert again.status_code == 400 and "handed in already" in text_of(again)
    assert stored(hw.id).submission.text == "x = 2 and x = 3"
    # A file that is not allowed is refused on the form.
    other = set_homework(school, title="Essay")
    bad = web.post(
        f"/student/homework/{other.id}/submit",
        {"text": "", "attachment": (io.BytesIO(b"<svg xmlns='x'></svg>"), "a.svg")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 400 and stored(other.id).submission is None


def test_the_teacher_grades_from_the_to_grade_list(school, web_factory):
    hw = submitted(school)
    waiting = set_homework(school, title="Not yet handed in", enrollment=school.maths2)
    teacher = web_factory()
    teacher.login("sch-teacher")
    listing = teacher.get("/teacher/homework")
    html = listing.get_data(as_text=True)
    assert html.index('data-test="section-to_grade"') < html.index('data-test="section-waiting"')
    assert "Exercises 1-10" in section(listing, "to_grade")
    assert "Not yet handed in" in section(listing, "waiting")
    assert waiting.id != hw.id
    page = teacher.get(f"/teacher/homework/{hw.id}")
    assert "My answers" in text_of(page) and 'max="10"' in page.get_data(as_text=True)
    too_high = teacher.post(f"/teacher/homework/{hw.id}/grade", {"score": "11", "feedback": ""})
    assert too_high.status_code == 400 and "score" in field_errors(too_high)
    assert stored(hw.id).status.value == "submitted"
    graded = teacher.post(
        f"/teacher/homework/{hw.id}/grade", {"score": "8", "feedback": "Good, check signs."}
    )
    assert graded.status_code == 303
    row = stored(hw.id)
    assert row.status.value == "graded" and row.submission.score == 8
    assert row.submission.feedback == "Good, check signs."
    done = teacher.get(graded.headers["Location"])
    assert "8 / 10" in text_of(done) and 'data-action="grade"' not in done.get_data(as_text=True)
    # The parent and the tutor read the grade, with no forms.
    for username, role in (("sch-parent", "parent"), ("sch-tutor", "tutor")):
        reader = web_factory()
        reader.login(username)
        item = reader.get(f"/{role}/homework/{hw.id}")
        assert "8 / 10" in text_of(item) and "Good, check signs." in text_of(item)
        assert (
            '<form method="post" action="/'
            not in item.get_data(as_text=True).split('data-test="submission"')[1]
        )
        per_child = reader.get(f"/{role}/homework")
        assert "8 / 10" in section(per_child, f"student-{school.student.id}")
        assert "Not yet handed in" in section(per_child, f"student-{school.student2.id}")


def test_return_for_rework_and_submit_again(school, web_factory):
    hw = submitted(school)
    teacher = web_factory()
    teacher.login("sch-teacher")
    empty = teacher.post(f"/teacher/homework/{hw.id}/return", {"rework": ""})
    assert empty.status_code == 400 and "rework" in field_errors(empty)
    back = teacher.post(f"/teacher/homework/{hw.id}/return", {"rework": "Redo number 3."})
    assert back.status_code == 303
    assert stored(hw.id).status.value == "returned"
    student = web_factory()
    student.login("sch-student")
    assert "Exercises 1-10" in section(student.get("/student/homework"), "todo")
    page = student.get(f"/student/homework/{hw.id}")
    assert "Redo number 3." in text_of(page) and "Submit again" in text_of(page)
    resent = student.post(f"/student/homework/{hw.id}/submit", {"text": "Fixed number 3"})
    assert resent.status_code == 303
    assert stored(hw.id).status.value == "submitted"
    assert stored(hw.id).submission.text == "Fixed number 3"


def test_no_one_else_writes_and_no_one_else_sees(school, web_factory):
    hw = submitted(school)
    student = web_factory()
    student.login("sch-student")
    assert student.post(f"/teacher/homework/{hw.id}/grade", {"score": "10"}).status_code == 403
    assert student.post(f"/student/homework/{hw.id}/grade", {"score": "10"}).status_code == 404
    assert student.get("/student/homework/new").status_code == 404
    parent = web_factory()
    parent.login("sch-parent")
    assert parent.post(f"/parent/homework/{hw.id}/submit", {"text": "by mum"}).status_code == 404
    assert parent.post(f"/teacher/homework/{hw.id}/grade", {"score": "10"}).status_code == 403
    row = stored(hw.id)
    assert row.submission.score is None and row.submission.text == "My answers"
    for username, role in (
        ("sch-parent2", "parent"),
        ("sch-tutor2", "tutor"),
        ("sch-teacher2", "teacher"),
        ("sch-student2", "student"),
    ):
        other = web_factory()
        other.login(username)
        assert other.get(f"/{role}/homework/{hw.id}").status_code == 404, username
        assert "Exercises 1-10" not in text_of(other.get(f"/{role}/homework"))
    teacher2 = web_factory()
    teacher2.login("sch-teacher2")
    assert teacher2.post(f"/teacher/homework/{hw.id}/grade", {"score": "1"}).status_code == 404
    admin = web_factory()
    admin.login("sch-admin")
    assert "Exercises 1-10" in text_of(admin.get(f"/admin/homework/{hw.id}"))
    assert stored(hw.id).submission.score is None
