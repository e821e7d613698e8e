"""Lessons as they reach people: `lesson_updated` on /notifications of a live server reaches
exactly who may see the lesson (student, parent, the student's tutor, its teacher, admins) for
every change, and nobody else; notifications to the student and the parent in each reader's
language and time zone; concurrent overlapping requests on PostgreSQL (threads) store one."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from sqlalchemy import func, select

from tests.support.app import only_on_postgres
from tests.support.lessons import lesson_people, slot
from tests.support.realtime import StateListener


@pytest.fixture
def p(ctx, make_user):
    return lesson_people(make_user)


def test_lesson_updated_reaches_exactly_who_may_see_the_lesson(live_server, p):
    url = live_server.url
    names = list(p.tokens)
    sockets = {who: StateListener(url, p.tokens[who], "lesson_updated") for who in names}
    try:

        def api(who, method, path, json=None):
            answer = requests.request(
                method,
                f"{url}/api/v1{path}",
                json=json,
                timeout=10,
                headers={"Authorization": f"Bearer {p.tokens[who]}"},
            )
            assert answer.status_code in (200, 201), answer.text
            return answer.json()

        def heard() -> dict:
            return {who: s.settle() for who, s in sockets.items()}

        def only(audience, events):
            return {who: (events if who in audience else []) for who in names}

        teacher_family = {"teacher", "student", "parent", "tutor", "admin"}
        [lesson] = api("teacher", "POST", "/lessons", {"enrollment_id": p.maths, **slot(24)})[
            "lessons"
        ]
        assert heard() == only(teacher_family, [(lesson["id"], "scheduled")])
        api("teacher", "PATCH", f"/lessons/{lesson['id']}", slot(28))
        assert heard() == only(teacher_family, [(lesson["id"], "scheduled")])
        api("teacher", "POST", f"/lessons/{lesson['id']}/cancel", {"reason": "Ill"})
        assert heard() == only(teacher_family, [(lesson["id"], "cancelled")])
        api("teacher", "POST", f"/lessons/{lesson['id']}/cancel")  # a no-op: nothing sent
        assert heard() == only(set(), [])
        # the other family's tutoring session: its own people only
        [other] = api(
            "other_tutor", "POST", "/lessons", {"student_id": p.other_student.id, **slot(30)}
        )["lessons"]
        assert heard() == only(
            {"other_tutor", "other_student", "other_parent", "admin"}, [(other["id"], "scheduled")]
        )
        # a series: one event per occurrence, to the tutor's family
        series = api(
            "tutor", "POST", "/lessons", {"student_id": p.sibling.id, **slot(50), "repeat_weeks": 2}
        )["lessons"]
        assert heard() == only(
            {"tutor", "sibling", "parent", "admin"}, [(x["id"], "scheduled") for x in series]
        )
    finally:
        for listener in sockets.values():
            listener.client.disconnect()


def test_each_listener_gets_its_own_can_flags(live_server, p):
    url = live_server.url
    tutor, parent = (StateListener(url, p.tokens[w], "lesson_updated") for w in ("tutor", "parent"))
    try:
        times = slot(24)
        answer = requests.post(
            f"{url}/api/v1/lessons",
            timeout=10,
            json={"student_id": p.student.id, **times},
            headers={"Authorization": f"Bearer {p.tokens['tutor']}"},
        )
        assert answer.status_code == 201
        tutor.client.call("list", {}, namespace="/notifications", timeout=10)
        parent.client.call("list", {}, namespace="/notifications", timeout=10)
        [mine], [theirs] = tutor.events, parent.events
        assert (mine["can_change"], mine["can_cancel"]) == (True, True)
        assert (theirs["can_change"], theirs["can_cancel"]) == (False, False)
        assert mine["starts_at"] == theirs["starts_at"] == times["starts_at"]
    finally:
        tutor.client.disconnect()
        parent.client.disconnect()


# --- notifications --------------------------------------------------------------------------


def _notes(user):
    from thebot.extensions import db
    from thebot.models import Notification

    db.session.expire_all()
    return db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    ).all()


def test_the_student_and_the_parent_are_notified_in_their_language(web, p):
    from thebot.services import accounts
    from thebot.services.lessons import schedule

    accounts.set_locale(p.parent, "ru")
    accounts.set_time_zone(p.parent, "Asia/Yekaterinburg")  # Moscow + 2 h
    start = slot(24 * 3)["starts_at"]
    moment = datetime.fromisoformat(start)
    [lesson] = schedule.schedule_lessons(
        p.teacher,
        enrollment_id=p.maths,
        starts_at=moment,
        ends_at=moment + timedelta(hours=1),
        topic="Дроби",
    )
    moscow = moment.astimezone(ZoneInfo("Europe/Moscow"))
    ekb = moment.astimezone(ZoneInfo("Asia/Yekaterinburg"))
    [student_note] = _notes(p.student)
    [parent_note] = _notes(p.parent)
    assert student_note.kind == parent_note.kind == "lesson_scheduled"
    assert student_note.title.startswith("Lesson scheduled: ")
    assert moscow.strftime("%H:%M") in student_note.title
    assert p.subject_name in student_note.body and "Mikhail Teacher" in student_note.body
    assert parent_note.title.startswith("Назначено занятие: ")
    assert ekb.strftime("%H:%M") in parent_note.title
    assert "Тема: Дроби" in parent_note.body
    assert parent_note.url.startswith("/parent/schedule?week=")
    assert not _notes(p.tutor) and not _notes(p.teacher)
    # shown through the API in the reader's current language
    token = p.tokens["student"]
    ru = web.api(
        "GET", "/api/v1/notifications", token=token, headers={"Accept-Language": "ru"}
    ).get_json()
    assert any(n["title"].startswith("Назначено занятие") for n in ru["notifications"]), ru
    schedule.reschedule_lesson(p.teacher, lesson.id, starts_at=moment + timedelta(hours=3))
    schedule.cancel_lesson(p.teacher, lesson.id, "Болезнь")
    titles = [n.title for n in _notes(p.parent)]
    assert titles[1].startswith("Занятие перенесено: ") and "→" in titles[1]
    assert titles[2].startswith("Занятие отменено: ")
    assert "Причина: Болезнь" in _notes(p.parent)[2].body
    assert [n.kind for n in _notes(p.student)] == [
        "lesson_scheduled",
        "lesson_changed",
        "lesson_cancelled",
    ]


def test_a_series_is_one_notification(p):
    from thebot.services.lessons import schedule

    moment = datetime.fromisoformat(slot(24)["starts_at"])
    schedule.schedule_lessons(
        p.tutor,
        student_id=p.student.id,
        starts_at=moment,
        ends_at=moment + timedelta(hours=1),
        repeat_weeks=8,
    )
    [note] = _notes(p.parent)
    assert note.title.startswith("Weekly lessons scheduled: 8, from ")
    assert note.body.startswith("Tutoring session with Tess Tutor for Sam Student")


# --- concurrency ----------------------------------------------------------------------------


def test_concurrent_overlapping_requests_store_one_lesson(app, p):
    only_on_postgres(app)
    from thebot.extensions import db
    from thebot.models import Lesson

    # the teacher and the tutor, each for the same student, at overlapping times, six at once
    bodies = [
        ("teacher", {"enrollment_id": p.maths, **slot(24, 60)}),
        ("tutor", {"student_id": p.student.id, **slot(24.5, 60)}),
    ] * 3
    barrier, codes = threading.Barrier(len(bodies)), []

    def post(who, body):
        client = app.test_client()
        barrier.wait()
        answer = client.post(
            "/api/v1/lessons", json=body, headers={"Authorization": f"Bearer {p.tokens[who]}"}
        )
        codes.append(answer.status_code)

    threads = [threading.Thread(target=post, args=item) for item in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(codes) == [201] + [409] * 5
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Lesson)) == 1
