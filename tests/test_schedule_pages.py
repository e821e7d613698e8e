"""Schedule pages over HTTP, as each role uses them: the week (in the viewer's own time zone,
with previous/next weeks) and the upcoming and past lists; filters by student and subject; a
teacher and a tutor create a lesson or a weekly series, move, cancel (with a reason) and complete
one through the forms, and the service's refusals (too short, overlaps, the 2-hour rule, not yet
started) show on the page with nothing changed; buttons follow the service's answers; other
roles' and other people's lessons are 403/404; the profile page sets the time zone and
regenerates the calendar feed URL."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.support.http import field_errors, text_of
from tests.support.school import build_school, future_monday, move_into_past


@pytest.fixture
def school(make_user):
    return build_school(make_user)


def lessons(**where):
    """Lessons in the database now, by start."""
    from thebot.extensions import db
    from thebot.models import Lesson

    db.session.expire_all()
    query = select(Lesson).order_by(Lesson.starts_at, Lesson.id)
    for name, value in where.items():
        query = query.where(getattr(Lesson, name) == value)
    return db.session.scalars(query).all()


def teacher_lesson(school, start, *, enrollment=None, minutes=60, weeks=1, topic="Fractions"):
    from thebot.services.lessons import schedule

    return schedule.schedule_lessons(
        school.teacher,
        enrollment_id=(enrollment or school.maths1).id,
        starts_at=start,
        ends_at=start + timedelta(minutes=minutes),
        topic=topic,
        repeat_weeks=weeks,
    )


def card_of(response, lesson_id: int) -> str:
    """The visible text of every card of one lesson on a page."""
    html = response.get_data(as_text=True)
    cards = re.findall(rf'<article [^>]*data-lesson-id="{lesson_id}".*?</article>', html, re.S)
    assert cards, f"no card for lesson {lesson_id}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", " ".join(cards))).strip()


def week_arg(start) -> str:
    return start.date().isoformat()


def test_each_role_sees_the_lesson_in_their_own_time_zone(school, web_factory):
    from thebot.services import accounts

    start = future_monday() + timedelta(hours=12)  # 12:00 UTC = 15:00 in Moscow
    (lesson,) = teacher_lesson(school, start)
    accounts.set_time_zone(school.student, "Asia/Tokyo")  # 21:00 there
    accounts.set_time_zone(school.parent, "America/New_York")  # 08:00 there (EDT or EST)
    seen = {}
    for username, role in (
        ("sch-teacher", "teacher"),
        ("sch-student", "student"),
        ("sch-parent", "parent"),
        ("sch-tutor", "tutor"),
        ("sch-admin", "admin"),
    ):
        client = web_factory()
        client.login(username)
        page = client.get(f"/{role}/schedule?week={week_arg(start)}")
        assert page.status_code == 200
        seen[role] = card_of(page, lesson.id)
        assert "Fractions" in seen[role] and "Maths" in seen[role]
    assert "15:00–16:00" in seen["teacher"] and "Sam Student" in seen["teacher"]
    assert "21:00–22:00" in seen["student"] and "Mark Maths" in seen["student"]
    assert re.search(r"0[78]:00–0[89]:00", seen["parent"]), seen["parent"]
    assert "15:00–16:00" in seen["tutor"] and "15:00–16:00" in seen["admin"]
    # Only the lesson's teacher gets the buttons.
    assert "Move" in seen["teacher"]
    assert all("Move" not in seen[r] for r in ("student", "parent", "tutor", "admin"))


def test_the_week_runs_monday_to_sunday_with_previous_and_next(school, web):
    start = future_monday() + timedelta(days=2, hours=9)  # a Wednesday
    (lesson,) = teacher_lesson(school, start)
    web.login("sch-teacher")
    page = web.get(f"/teacher/schedule?week={week_arg(start)}")
    html = page.get_data(as_text=True)
    monday = future_monday().date()
    days = re.findall(r'data-day="([\d-]+)"', html)
    assert days == [(monday + timedelta(days=n)).isoformat() for n in range(7)]
    wednesday = html.split(f'data-day="{(monday + timedelta(days=2)).isoformat()}"')[1]
    assert f'data-lesson-id="{lesson.id}"' in wednesday.split("data-day=")[0]
    prev_week = (monday - timedelta(days=7)).isoformat()
    next_week = (monday + timedelta(days=7)).isoformat()
    assert f"week={prev_week}" in html and f"week={next_week}" in html
    following = web.get(f"/teacher/schedule?week={next_week}")
    week_cards = following.get_data(as_text=True).split('data-test="upcoming"')[0]
    assert f'data-lesson-id="{lesson.id}"' not in week_cards
    # The lesson is upcoming wherever the week is.
    assert "Fractions" in text_of(following).split("Upcoming")[1]
    # A week in junk is this week, not an error.
    assert web.get("/teacher/schedule?week=soon").status_code == 200


def test_filters_by_student_and_subject(school, web):
    from thebot.services.lessons import schedule

    start = future_monday() + timedelta(hours=10)
    (first,) = teacher_lesson(school, start, topic="Sam algebra")
    (second,) = teacher_lesson(
        school, start + timedelta(hours=2), enrollment=school.maths2, topic="Sue geometry"
    )
    (tutoring,) = schedule.schedule_lessons(
        school.tutor,
        student_id=school.student.id,
        starts_at=start + timedelta(days=1),
        ends_at=start + timedelta(days=1, hours=1),
        topic="Study plan",
    )
    web.login("sch-parent")
    week = f"week={week_arg(start)}"
    both = text_of(web.get(f"/parent/schedule?{week}"))
    assert "Sam algebra" in both and "Sue geometry" in both and "Study plan" in both
    assert "All students" in both  # a parent of two children can pick one
    only_sue = web.get(f"/parent/schedule?{week}&student_id={school.student2.id}")
    assert "Sue geometry" in text_of(only_sue)
    assert "Sam algebra" not in text_of(only_sue) and "Study plan" not in text_of(only_sue)
    maths = text_of(web.get(f"/parent/schedule?{week}&subject_id={school.maths.id}"))
    assert "Sam algebra" in maths and "Study plan" not in maths
    assert {first.id, second.id, tutoring.id} <= {lesson.id for lesson in lessons()}
    # The other family's parent sees none of it.
    web.logout()
    web.login("sch-parent2")
    other = text_of(web.get(f"/parent/schedule?{week}"))
    assert "Sam algebra" not in other and "Study plan" not in other


def test_a_teacher_schedules_a_weekly_series_through_the_form(school, web):
    web.login("sch-teacher")
    form = web.get("/teacher/schedule/new")
    assert "Sam Student · Maths" in text_of(form) and "Olly Other" not in text_of(form)
    monday = future_monday().date()
    response = web.post(
        "/teacher/schedule/new",
        {
            "enrollment_id": str(school.maths1.id),
            "day": monday.isoformat(),
            "start": "15:00",
            "end": "16:30",
            "topic": "Equations",
            "video_url": "https://meet.example.test/abc",
            "repeat_weeks": "3",
        },
    )
    assert response.status_code == 303
    assert f"week={monday.isoformat()}" in response.headers["Location"]
    created = lessons(topic="Equations")
    assert len(created) == 3 and len({lesson.series_id for lesson in created}) == 1
    # 15:00 in Moscow (UTC+3) is 12:00 UTC, every week.
    assert [lesson.starts_at.hour for lesson in created] == [12, 12, 12]
    assert [(lesson.starts_at.date() - monday).days for lesson in created] == [0, 7, 14]
    assert all(lesson.ends_at - lesson.starts_at == timedelta(minutes=90) for lesson in created)
    page = web.get(response.headers["Location"])
    assert "3 weekly lessons are scheduled." in text_of(page)
    assert "15:00–16:30" in card_of(page, created[0].id)


def test_a_tutor_schedules_with_their_own_student_only(school, web):
    web.login("sch-tutor")
    form = text_of(web.get("/tutor/schedule/new"))
    assert "Sam Student" in form and "Sue Student" in form and "Olly Other" not in form
    day = future_monday().date().isoformat()
    ok = web.post(
        "/tutor/schedule/new",
        {
            "student_id": str(school.student2.id),
            "day": day,
            "start": "10:00",
            "end": "11:00",
            "repeat_weeks": "1",
        },
    )
    assert ok.status_code == 303
    (lesson,) = lessons(tutor_id=school.tutor.id)
    assert lesson.student_id == school.student2.id and lesson.teacher_id is None
    refused = web.post(
        "/tutor/schedule/new",
        {
            "student_id": str(school.student3.id),
            "day": day,
            "start": "12:00",
            "end": "13:00",
            "repeat_weeks": "1",
        },
    )
    assert refused.status_code == 400
    assert len(lessons(tutor_id=school.tutor.id)) == 1


def test_refusals_show_on_the_form_and_store_nothing(school, web):
    start = future_monday() + timedelta(hours=12)
    teacher_lesson(school, start + timedelta(weeks=2), topic="Busy")
    web.login("sch-teacher")
    base = {
        "enrollment_id": str(school.maths1.id),
        "day": start.date().isoformat(),
        "start": "15:00",
        "end": "15:20",
        "repeat_weeks": "1",
    }
    short = web.post("/teacher/schedule/new", base)
    assert short.status_code == 400
    assert field_errors(short), text_of(short)[:500]
    # A series whose third week clashes with "Busy" is refused whole.
    clash = web.post("/teacher/schedule/new", {**base, "end": "16:00", "repeat_weeks": "3"})
    assert clash.status_code == 400
    assert field_errors(clash)["start"] and "flash-error" in clash.get_data(as_text=True)
    too_many = web.post("/teacher/schedule/new", {**base, "end": "16:00", "repeat_weeks": "21"})
    assert too_many.status_code == 400 and "repeat_weeks" in field_errors(too_many)
    assert [lesson.topic for lesson in lessons()] == ["Busy"]


def test_moving_one_lesson_of_a_series_leaves_the_others(school, web):
    start = future_monday() + timedelta(hours=12)
    series = teacher_lesson(school, start, weeks=3)
    web.login("sch-teacher")
    form = web.get(f"/teacher/lessons/{series[1].id}/edit")
    html = form.get_data(as_text=True)
    assert 'value="15:00"' in html and (start + timedelta(weeks=1)).date().isoformat() in html
    moved = web.post(
        f"/teacher/lessons/{series[1].id}/edit",
        {
            "day": (start + timedelta(weeks=1, days=1)).date().isoformat(),
            "start": "17:00",
            "end": "18:00",
            "topic": "Moved",
            "video_url": "",
        },
    )
    assert moved.status_code == 303
    stored = {lesson.id: lesson for lesson in lessons()}
    assert stored[series[1].id].starts_at == start + timedelta(weeks=1, days=1, hours=2)
    assert stored[series[1].id].topic == "Moved"
    assert stored[series[0].id].starts_at == start and stored[series[2].id].starts_at == (
        start + timedelta(weeks=2)
    )
    # Moving onto another lesson of the same teacher is refused on the form.
    onto = web.post(
        f"/teacher/lessons/{series[1].id}/edit",
        {
            "day": start.date().isoformat(),
            "start": "15:30",
            "end": "16:30",
            "topic": "x",
            "video_url": "",
        },
    )
    assert onto.status_code == 400
    assert lessons(id=series[1].id)[0].topic == "Moved"


def test_cancel_with_a_reason_and_the_two_hour_rule(school, web):
    from thebot.models import LessonStatus
    from thebot.models.base import utcnow

    (later,) = teacher_lesson(school, future_monday() + timedelta(hours=12))
    (soon,) = teacher_lesson(
        school, utcnow().replace(microsecond=0) + timedelta(minutes=60), topic="Soon"
    )
    web.login("sch-teacher")
    page = web.get("/teacher/schedule")
    assert "Cancel the lesson" in card_of(page, later.id)
    done = web.post(f"/teacher/lessons/{later.id}/cancel", {"reason": "Teacher is ill"})
    assert done.status_code == 303
    stored = lessons(id=later.id)[0]
    assert stored.status is LessonStatus.CANCELLED and stored.cancel_reason == "Teacher is ill"
    after = web.get(done.headers["Location"])
    assert "The lesson is cancelled." in text_of(after)
    assert "Teacher is ill" in card_of(after, later.id) and "cancelled" in card_of(after, later.id)
    assert "Move" not in card_of(after, later.id)
    refused = web.post(
        f"/teacher/lessons/{soon.id}/cancel", {"reason": "late"}, follow_redirects=True
    )
    assert "2" in text_of(refused) and "hour" in text_of(refused).lower()
    assert lessons(id=soon.id)[0].status is LessonStatus.SCHEDULED


def test_complete_only_once_started(school, web):
    from thebot.models import LessonStatus

    (lesson,) = teacher_lesson(school, future_monday() + timedelta(hours=12))
    web.login("sch-teacher")
    early = web.post(f"/teacher/lessons/{lesson.id}/complete", follow_redirects=True)
    assert "flash-error" in early.get_data(as_text=True)
    assert lessons(id=lesson.id)[0].status is LessonStatus.SCHEDULED
    move_into_past(lesson.id)
    page = web.get("/teacher/schedule")
    assert "Mark held" in card_of(page, lesson.id)
    done = web.post(f"/teacher/lessons/{lesson.id}/complete", follow_redirects=True)
    assert "The lesson is marked held." in text_of(done)
    stored = lessons(id=lesson.id)[0]
    assert stored.status is LessonStatus.COMPLETED and stored.completed_at is not None
    assert "held" in card_of(done, lesson.id)


def test_other_roles_and_other_peoples_lessons(school, web_factory):
    from thebot.services.lessons import schedule

    (lesson,) = teacher_lesson(school, future_monday() + timedelta(hours=12))
    (physics,) = schedule.schedule_lessons(
        school.teacher2,
        enrollment_id=school.physics3.id,
        starts_at=future_monday() + timedelta(hours=8),
        ends_at=future_monday() + timedelta(hours=9),
    )
    web = web_factory()
    web.login("sch-student")
    assert web.get("/teacher/schedule").status_code == 403
    assert web.get("/student/schedule/new").status_code == 404
    assert web.post(f"/student/lessons/{lesson.id}/cancel").status_code == 404
    student_page = web.get("/student/schedule")
    assert "New lesson" not in text_of(student_page)
    web = web_factory()
    web.login("sch-teacher2")
    assert web.get(f"/teacher/lessons/{lesson.id}/edit").status_code == 404
    assert web.post(f"/teacher/lessons/{lesson.id}/cancel", {"reason": "x"}).status_code == 404
    web = web_factory()
    web.login("sch-teacher")
    assert web.get(f"/teacher/lessons/{physics.id}/edit").status_code == 404
    assert web.get("/teacher/lessons/99999999999/edit").status_code == 404
    assert lessons(id=lesson.id)[0].cancel_reason is None


def test_the_profile_sets_the_time_zone_and_regenerates_the_feed(school, web):
    from thebot.services.lessons import calendar

    web.login("sch-student")
    page = web.get("/profile")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<optgroup label="Europe">' in html
    assert '<option selected value="Europe/Moscow">Moscow</option>' in html
    old = re.search(r'value="([^"]+)" data-test="feed-url"', html).group(1)
    assert "/calendar/" in old and old.endswith(".ics")
    assert web.get("/profile").get_data(as_text=True).count(old) == 1  # stable until regenerated
    assert (
        web.post("/profile", {"action": "time_zone", "time_zone": "Mars/Olympus"}).status_code
        == 400
    )
    saved = web.post("/profile", {"action": "time_zone", "time_zone": "Asia/Tokyo"})
    assert saved.status_code == 303
    from thebot.extensions import db

    db.session.expire_all()
    assert db.session.get(type(school.student), school.student.id).time_zone == "Asia/Tokyo"
    secret = old.rsplit("/", 1)[1].removesuffix(".ics")
    assert calendar.feed_ics(secret) is not None
    again = web.post("/profile", {"action": "regenerate"}, follow_redirects=True)
    assert "the old one no longer works" in text_of(again)
    assert old not in again.get_data(as_text=True)
    assert calendar.feed_ics(secret) is None
    assert web.get("/" + old.split("://", 1)[1].split("/", 1)[1]).status_code == 404
