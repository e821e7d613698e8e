"""Billing a period's completed tutoring lessons in one step (issue 10, the loop): the tutor's
"Bill lessons…" page lists the period's completed, unbilled sessions and makes one invoice draft
whose description lists them (day and time in the tutor's zone, topic) and whose amount is their
count × the rate; a lesson is billed once (a cancelled invoice frees its lessons); the billing
rules apply (a parent to bill, the amount, the due date); teachers' lessons, lessons not held and
other periods are left out; other tutors, parents and students are refused."""

from __future__ import annotations

import re
import threading
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.support.app import only_on_postgres
from tests.support.http import field_errors, text_of
from tests.support.school import build_school, future_monday

MSK = ZoneInfo("Europe/Moscow")


def days_ago(days: int, hour: int, zone=MSK) -> datetime:
    day = datetime.now(UTC).astimezone(zone).date() - timedelta(days=days)
    return datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)


def held(actor, start, topic="", **about):
    from thebot.services.lessons import schedule

    return schedule.record_past_lesson(
        actor, starts_at=start, ends_at=start + timedelta(hours=1), topic=topic, **about
    )


@pytest.fixture
def school(make_user):
    """Sam's tutoring sessions held 10, 9 and 8 days ago (the period), one 40 days ago (outside
    it), a Maths lesson 9 days ago (a teacher's) and a scheduled session (not held)."""
    from thebot.services.lessons import schedule

    school = build_school(make_user)
    sam = {"student_id": school.student.id}
    school.sessions = [
        held(school.tutor, days_ago(10, 10), "Fractions", **sam),
        held(school.tutor, days_ago(9, 16), "Decimals   and\npercentages", **sam),
        held(school.tutor, days_ago(8, 9), **sam),
    ]
    school.old = held(school.tutor, days_ago(40, 10), "Old", **sam)
    held(school.teacher, days_ago(9, 12), "Maths", enrollment_id=school.maths1.id)
    later = future_monday(2) + timedelta(hours=9)
    schedule.schedule_lessons(
        school.tutor,
        student_id=school.student.id,
        starts_at=later,
        ends_at=later + timedelta(hours=1),
    )
    return school


def period(**extra) -> dict:
    data = {
        "date_from": (date.today() - timedelta(days=14)).isoformat(),
        "date_to": date.today().isoformat(),
        "rate": "1500.00",
        "due_date": (date.today() + timedelta(days=7)).isoformat(),
    }
    data.update(extra)
    return data


def invoices():
    from thebot.extensions import db
    from thebot.models import Invoice

    db.session.expire_all()
    return db.session.scalars(select(Invoice).order_by(Invoice.id)).all()


def billed_ids(invoice_id: int) -> list[int]:
    from thebot.extensions import db
    from thebot.models.lesson_billing import InvoiceLesson

    return sorted(
        db.session.scalars(
            select(InvoiceLesson.lesson_id).where(InvoiceLesson.invoice_id == invoice_id)
        )
    )


def local(moment: datetime, zone=MSK) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def test_the_page_lists_the_periods_billable_lessons(web, school):
    web.login("sch-tutor")
    query = "&".join(f"{k}={v}" for k, v in period().items() if k.startswith("date"))
    page = web.get(f"/tutor/students/{school.student.id}/bill-lessons?{query}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    listed = [int(i) for i in re.findall(r'<li data-lesson-id="(\d+)"', html)]
    assert listed == [lesson.id for lesson in school.sessions]
    assert "Fractions" in text_of(page) and "Old" not in text_of(page)
    student_page = web.get(f"/tutor/students/{school.student.id}").get_data(as_text=True)
    assert f"/tutor/students/{school.student.id}/bill-lessons" in student_page


def test_one_step_makes_a_draft_listing_the_lessons(web, school):
    web.login("sch-tutor")
    answer = web.post(f"/tutor/students/{school.student.id}/bill-lessons", period())
    (invoice,) = invoices()
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(f"/tutor/invoices/{invoice.id}")
    assert invoice.status.value == "draft" and invoice.amount == Decimal("4500.00")
    assert (invoice.tutor_id, invoice.parent_id) == (school.tutor.id, school.parent.id)
    lines = invoice.description.splitlines()
    assert "3 × 1500.00 RUB" in lines[0] and "Europe/Moscow" in lines[0]
    first, second, third = school.sessions
    assert lines[1:] == [
        f"• {local(first.starts_at)}–{local(first.ends_at)[-5:]} Fractions",
        f"• {local(second.starts_at)}–{local(second.ends_at)[-5:]} Decimals and percentages",
        f"• {local(third.starts_at)}–{local(third.ends_at)[-5:]}",
    ]
    assert billed_ids(invoice.id) == sorted(lesson.id for lesson in school.sessions)
    # The draft is an ordinary invoice: its page shows the lessons, and it can be sent.
    detail = web.get(f"/tutor/invoices/{invoice.id}")
    assert "Fractions" in text_of(detail)


def test_a_lesson_is_billed_once_and_a_cancelled_invoice_frees_it(web, school):
    from thebot.services.billing import invoices as billing

    web.login("sch-tutor")
    web.post(f"/tutor/students/{school.student.id}/bill-lessons", period())
    again = web.post(f"/tutor/students/{school.student.id}/bill-lessons", period(rate="2000"))
    assert again.status_code == 400
    assert "no completed, unbilled lessons" in text_of(again)
    assert len(invoices()) == 1
    # A wider period now finds only the old session.
    wide = period(date_from=(date.today() - timedelta(days=60)).isoformat())
    web.post(f"/tutor/students/{school.student.id}/bill-lessons", wide)
    first, second = invoices()
    assert billed_ids(second.id) == [school.old.id] and second.amount == Decimal("1500.00")
    # Cancelling the first invoice frees its three lessons for a new one.
    billing.cancel_invoice(school.tutor, first.id, "Wrong rate")
    web.post(f"/tutor/students/{school.student.id}/bill-lessons", period(rate="1200.50"))
    third = invoices()[-1]
    assert third.amount == Decimal("3601.50")
    assert billed_ids(third.id) == sorted(lesson.id for lesson in school.sessions)
    assert billed_ids(first.id) == billed_ids(third.id)  # the cancelled one keeps its history


def test_the_description_uses_the_tutors_time_zone(web, school):
    from thebot.services import accounts
    from thebot.services.billing import lessons

    accounts.set_time_zone(school.tutor, "Asia/Vladivostok")
    start = date.today() - timedelta(days=14)
    invoice = lessons.bill_lessons(
        school.tutor,
        student_id=school.student.id,
        date_from=start,
        date_to=date.today(),
        rate="1000",
        due_date=date.today(),
    )
    vladivostok = ZoneInfo("Asia/Vladivostok")
    assert f"• {local(school.sessions[0].starts_at, vladivostok)}" in invoice.description
    assert "Asia/Vladivostok" in invoice.description


def test_refusals_store_nothing(web, school, make_user):
    from thebot.services import links

    web.login("sch-tutor")
    url = f"/tutor/students/{school.student.id}/bill-lessons"
    bad_rate = web.post(url, period(rate="1e3"))
    assert bad_rate.status_code == 400 and "rate" in field_errors(bad_rate)
    float_rate = web.post(url, period(rate="12.345"))
    assert "rate" in field_errors(float_rate)
    too_much = web.post(url, period(rate="40000000"))  # 3 × 40 000 000 is over the maximum
    assert "rate" in field_errors(too_much)
    past_due = web.post(url, period(due_date=(date.today() - timedelta(days=1)).isoformat()))
    assert "due_date" in field_errors(past_due)
    backwards = web.post(url, period(date_from=date.today().isoformat(), date_to="2020-01-01"))
    assert "date_to" in field_errors(backwards)
    assert invoices() == []
    # Without a parent there is nobody to bill.
    links.set_links(school.admin, school.student.id, tutor_id=school.tutor.id, parent_id=None)
    orphan = web.post(url, period())
    assert orphan.status_code == 400 and "no parent to bill" in text_of(orphan)
    assert invoices() == []


def test_only_the_students_tutor_bills(web, school):
    from thebot.services.billing import lessons
    from thebot.services.errors import Forbidden, NotFound

    url = f"/tutor/students/{school.student.id}/bill-lessons"
    web.login("sch-tutor2")
    assert web.get(url).status_code == 404
    assert web.post(url, period()).status_code == 404
    for who in ("sch-parent", "sch-student", "sch-teacher"):
        web.logout()
        web.login(who)
        assert web.post(url, period()).status_code in (403, 404)
    with pytest.raises(NotFound):
        lessons.bill_lessons(
            school.tutor2,
            student_id=school.student.id,
            date_from=date.today(),
            date_to=date.today(),
            rate="1",
            due_date=date.today(),
        )
    with pytest.raises(Forbidden):
        lessons.bill_lessons(
            school.parent,
            student_id=school.student.id,
            date_from=date.today(),
            date_to=date.today(),
            rate="1",
            due_date=date.today(),
        )
    assert invoices() == []


def test_the_api_lists_and_bills_in_one_step(web, school):
    from tests.support.http import api_token

    token = api_token("sch-tutor", via=web)
    data = period()
    listed = web.api(
        "GET",
        f"/api/v1/students/{school.student.id}/billable-lessons"
        f"?date_from={data['date_from']}&date_to={data['date_to']}",
        token=token,
    )
    assert [row["id"] for row in listed.get_json()["lessons"]] == [s.id for s in school.sessions]
    as_number = web.api(
        "POST",
        "/api/v1/invoices/from-lessons",
        {**data, "student_id": school.student.id, "rate": 1500},
        token=token,
    )
    assert as_number.status_code == 400 and "rate" in as_number.get_json()["error"]["fields"]
    made = web.api(
        "POST",
        "/api/v1/invoices/from-lessons",
        {**data, "student_id": school.student.id},
        token=token,
    )
    assert made.status_code == 201
    body = made.get_json()
    assert body["amount"] == "4500.00" and body["status"] == "draft"
    assert "Fractions" in body["description"]
    again = web.api(
        "POST",
        "/api/v1/invoices/from-lessons",
        {**data, "student_id": school.student.id},
        token=token,
    )
    assert again.status_code == 409 and len(invoices()) == 1
    parent = api_token("sch-parent", via=web)
    refused = web.api(
        "POST",
        "/api/v1/invoices/from-lessons",
        {**data, "student_id": school.student.id},
        token=parent,
    )
    assert refused.status_code in (403, 404) and len(invoices()) == 1


def test_concurrent_billing_bills_each_lesson_once(app, school):
    only_on_postgres(app)
    from thebot.extensions import db
    from thebot.models import User
    from thebot.services.billing import lessons
    from thebot.services.errors import DomainError

    db.session.commit()
    tutor_id, student_id = school.tutor.id, school.student.id
    barrier, outcomes = threading.Barrier(4), []

    def bill(rate: str):
        with app.test_request_context():
            tutor = db.session.get(User, tutor_id)
            barrier.wait()
            try:
                lessons.bill_lessons(
                    tutor,
                    student_id=student_id,
                    rate=rate,
                    date_from=date.today() - timedelta(days=14),
                    date_to=date.today(),
                    due_date=date.today() + timedelta(days=3),
                )
                outcomes.append("billed")
            except DomainError as exc:
                outcomes.append(exc.code)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=bill, args=(f"{1000 + i}.00",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["billed", "conflict", "conflict", "conflict"]
    (invoice,) = invoices()
    assert billed_ids(invoice.id) == sorted(lesson.id for lesson in school.sessions)
