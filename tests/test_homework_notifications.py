"""Homework notifications: homework_set and homework_graded (graded, or returned for rework) reach
the student and the parent only, in each one's language (English and Russian), with a link to
the homework; the category follows the settings. Also the figures a weekly report is pre-filled
with (homework_stats) and the teacher's queue (to_grade)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import select


@pytest.fixture
def maths(demo):
    from thebot.extensions import db
    from thebot.models import Enrollment

    return db.session.scalar(
        select(Enrollment).where(
            Enrollment.student_id == demo.student.id, Enrollment.teacher_id == demo.teacher.id
        )
    )


def _speaks_russian(user) -> None:
    from thebot.extensions import db

    user.locale = "ru"
    db.session.commit()


def _homework(demo, maths, due=None, **kw):
    from thebot.services.homework import work

    due = due or datetime(2026, 12, 10, 15, 0, tzinfo=UTC)
    return work.set_homework(
        demo.teacher,
        enrollment_id=maths.id,
        title=kw.get("title", "Дроби"),
        instructions="",
        due_at=due,
        max_score=kw.get("max_score", 10),
    )


def _homework_notes(user):
    from thebot.services import notify

    return [n for n in notify.list_for(user, limit=100) if n.kind.startswith("homework_")]


def test_setting_notifies_the_student_and_the_parent_in_their_languages(demo, maths):
    from thebot.services import notify

    _speaks_russian(demo.parent)
    hw = _homework(demo, maths, title="Fractions 4", due=datetime.now(UTC) + timedelta(days=2))
    [for_student] = [n for n in _homework_notes(demo.student) if n.url.endswith(f"/{hw.id}")]
    [for_parent] = [n for n in _homework_notes(demo.parent) if n.url.endswith(f"/{hw.id}")]
    assert for_student.kind == for_parent.kind == "homework_set"
    assert for_student.title == "New homework: Fractions 4"
    assert for_student.body.startswith("Maths, from Mikhail Orlov, due ")
    assert for_student.url == f"/student/homework/{hw.id}"
    assert for_parent.title == "Новое домашнее задание: Fractions 4"
    assert for_parent.body.startswith("Maths, задал(а) Mikhail Orlov, срок ")
    assert for_parent.url == f"/parent/homework/{hw.id}"
    for user in (demo.tutor, demo.teacher, demo.teacher2, demo.parent2, demo.student2):
        assert not [n for n in _homework_notes(user) if n.url.endswith(f"/{hw.id}")]
    # Shown again in the reader's current language, whatever it was stored in.
    with force_locale("ru"):
        assert (
            notify.notification_dict(for_student)["title"] == "Новое домашнее задание: Fractions 4"
        )
    with force_locale("en"):
        assert notify.notification_dict(for_parent)["title"] == "New homework: Fractions 4"


def test_grading_and_returning_notify_in_both_languages(demo, maths):
    from thebot.services.homework import work

    _speaks_russian(demo.parent)
    hw = _homework(demo, maths, title="Геометрия", max_score=20)
    work.submit_homework(demo.student, hw.id, text="ответ")
    work.return_homework(demo.teacher, hw.id, feedback="Добавь чертёж.")
    work.submit_homework(demo.student, hw.id, text="ответ с чертежом")
    work.grade_homework(demo.teacher, hw.id, score=17, feedback="Хорошо.")
    student = [
        (n.title, n.body) for n in _homework_notes(demo.student) if n.url.endswith(f"/{hw.id}")
    ]
    parent = [
        (n.title, n.body) for n in _homework_notes(demo.parent) if n.url.endswith(f"/{hw.id}")
    ]
    assert student[:2] == [  # newest first
        ("Homework graded: Геометрия, 17 of 20", "Mikhail Orlov: Хорошо."),
        ("Homework returned for rework: Геометрия", "Mikhail Orlov: Добавь чертёж."),
    ]
    assert parent[:2] == [
        ("Оценка за домашнее задание: Геометрия, 17 из 20", "Mikhail Orlov: Хорошо."),
        ("Домашнее задание возвращено на доработку: Геометрия", "Mikhail Orlov: Добавь чертёж."),
    ]
    assert not [n for n in _homework_notes(demo.tutor) if n.url.endswith(f"/{hw.id}")]


def test_the_homework_category_can_be_switched_off(demo, maths):
    from thebot.services import notify

    notify.update_settings(demo.parent, {"homework": {"in_app": False, "email": False}})
    hw = _homework(demo, maths, title="Quiet")
    assert not [n for n in _homework_notes(demo.parent) if n.url.endswith(f"/{hw.id}")]
    assert [n for n in _homework_notes(demo.student) if n.url.endswith(f"/{hw.id}")]


def test_report_figures_count_the_week_s_homework(demo, maths):
    from thebot.services.homework import listing, work

    today = datetime.now(UTC).date() + timedelta(days=200)  # a week no demo homework is due in
    monday = today - timedelta(days=today.weekday())

    def at(day: int, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(monday + timedelta(days=day), time(hour, minute), tzinfo=UTC)

    week = [
        _homework(demo, maths, due=at(2, 12), max_score=10),
        _homework(demo, maths, due=at(6, 20, 30), max_score=20),  # Sunday 23:30 in Moscow
        _homework(demo, maths, due=at(1, 9), max_score=5),
        _homework(demo, maths, due=at(3, 9), max_score=5),
    ]
    _homework(demo, maths, due=at(6, 21, 30))  # Monday 00:30 in Moscow: the next week
    _homework(demo, maths, due=at(-1, 20, 59))  # Sunday 23:59 in Moscow: the week before
    empty = listing.homework_stats(maths.id, date_from=monday, date_to=monday + timedelta(6))
    assert empty == {"set": 4, "done": 0, "average_grade": None}
    for hw in week[:3]:
        work.submit_homework(demo.student, hw.id, text="done")
    work.grade_homework(demo.teacher, week[0].id, score=9)  # 4.50
    work.grade_homework(demo.teacher, week[1].id, score=0)  # 0 -> the scale's floor, 1.00
    work.return_homework(demo.teacher, week[2].id, feedback="Redo")  # not done any more
    stats = listing.homework_stats(maths.id, date_from=monday, date_to=monday + timedelta(6))
    assert stats == {"set": 4, "done": 2, "average_grade": Decimal("2.75")}
    assert listing.report_grade(7, 9) == Decimal("3.89")


def test_the_teacher_s_queue_holds_handed_in_homework_longest_waiting_first(demo, maths):
    from thebot.services.homework import listing, work

    first, second, untouched = (
        _homework(demo, maths, due=datetime.now(UTC) + timedelta(1)) for _ in range(3)
    )
    before = [h.id for h in listing.to_grade(demo.teacher)]
    work.submit_homework(demo.student, second.id, text="b")
    work.submit_homework(demo.student, first.id, text="a")
    queue = [h.id for h in listing.to_grade(demo.teacher) if h.id not in before]
    assert queue == [second.id, first.id] and untouched.id not in queue
    assert not [h for h in listing.to_grade(demo.teacher2) if h.id in (first.id, second.id)]
    work.grade_homework(demo.teacher, second.id, score=1)
    assert second.id not in [h.id for h in listing.to_grade(demo.teacher)]
