"""A second guardian (domain.md section 1): sees exactly what the primary parent sees (services,
pages, JSON API), belongs to the same rooms, gets the same notifications, opens (and so marks
read) tutor reports, sees and pays the sent invoices that stay billed to the primary parent.
Linking, removing and swapping: field errors, memberships changed in the same transaction, and
nothing paid moves."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import select

from tests.support.data import draft_report
from tests.support.guardians import (
    guardian_family_with_tokens,
    member_ids,
    sent_invoice,
)
from tests.support.http import field_errors, text_of
from tests.support.lessons import slot
from tests.support.realtime import subject_room, tutor_room

FIELD_RE = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')


@pytest.fixture
def fam(ctx, make_user):
    return guardian_family_with_tokens(make_user)


def call(web, fam, who, method, path, json=None):
    return web.api(method, f"/api/v1{path}", json=json, token=fam.tokens[who])


def _fresh(user):
    from thebot.extensions import db

    db.session.expire_all()
    return db.session.get(type(user), user.id)


def _notes(user, kind):
    from thebot.extensions import db
    from thebot.models import Notification

    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)
        )
    )


# --- seeing ---------------------------------------------------------------------------------


def test_the_guardian_sees_the_child_and_the_childs_people_as_the_parent_does(fam):
    from thebot.extensions import db
    from thebot.services import access

    def students(viewer):
        return set(db.session.scalars(access.student_ids_visible_to(viewer)))

    def users(viewer):
        return set(db.session.scalars(access.user_ids_visible_to(viewer)))

    assert students(fam.guardian) == students(fam.parent) == {fam.student.id}
    child_people = {fam.student.id, fam.tutor.id, fam.teacher.id}
    assert users(fam.guardian) == child_people | {fam.guardian.id}
    assert users(fam.parent) == child_people | {fam.parent.id}
    # the child's tutor and teacher (and the child) see both guardians; outsiders see neither
    for viewer in (fam.tutor, fam.teacher, fam.student):
        assert {fam.parent.id, fam.guardian.id} <= users(viewer)
    for viewer in (fam.other_parent, fam.other_tutor):
        assert fam.guardian.id not in users(viewer)
    assert fam.student.id not in students(fam.other_parent)


def test_the_api_shows_the_guardian_on_the_student_and_404s_for_others(web, fam):
    listed = call(web, fam, "guardian", "GET", "/students").get_json()["students"]
    assert [s["id"] for s in listed] == [fam.student.id]
    child = listed[0]
    assert child["parent"]["full_name"] == "Paula Parent"
    assert child["guardian"] == {
        "id": fam.guardian.id,
        "full_name": "Gary Guardian",
        "role": "parent",
    }
    as_parent = call(web, fam, "parent", "GET", f"/students/{fam.student.id}").get_json()
    assert as_parent["guardian"]["id"] == fam.guardian.id
    me = call(web, fam, "student", "GET", "/me").get_json()
    assert me["profile"]["guardian"]["full_name"] == "Gary Guardian"
    other = call(web, fam, "guardian", "GET", f"/students/{fam.other_student.id}")
    assert other.status_code == 404 and other.get_json()["error"]["code"] == "not_found"
    outsider = call(web, fam, "other_parent", "GET", f"/students/{fam.student.id}")
    assert outsider.status_code == 404
    people = {p["id"] for p in call(web, fam, "guardian", "GET", "/people").get_json()["people"]}
    assert people == {fam.guardian.id, fam.student.id, fam.tutor.id, fam.teacher.id}


def test_the_parent_area_works_for_the_guardian(web, fam):
    from zoneinfo import ZoneInfo

    from thebot.models.base import utcnow
    from thebot.services.homework import work
    from thebot.services.lessons import schedule
    from thebot.services.reports import writing

    lesson = schedule.schedule_lessons(
        fam.teacher, enrollment_id=fam.maths.id, topic="Ratios and rates", **slot(30)
    )[0]
    work.set_homework(
        fam.teacher,
        enrollment_id=fam.maths.id,
        title="Ratios worksheet",
        due_at=(utcnow() + timedelta(days=2)).isoformat(),
        max_score=10,
    )
    sent_invoice(fam.tutor, fam.student, "800.00", "Ratios block")
    writing.send_report(fam.tutor, draft_report(fam.tutor, fam.student, "Ratios clicked.").id)
    web.login("g-guardian")
    dashboard = web.get("/parent/")
    assert dashboard.status_code == 200 and "Sam Student" in text_of(dashboard)
    child = web.get(f"/parent/children/{fam.student.id}")
    assert child.status_code == 200 and "Sam Student" in text_of(child)
    assert fam.subject_name in text_of(child)
    assert web.get(f"/parent/children/{fam.other_student.id}").status_code == 404
    day = lesson.starts_at.astimezone(ZoneInfo(fam.guardian.time_zone)).date()
    week = (day - timedelta(days=day.weekday())).isoformat()
    for path, shown in (
        ("/parent/invoices", "Ratios block"),
        ("/parent/reports", "Sam Student"),
        (f"/parent/schedule?week={week}", "Ratios and rates"),
        ("/parent/homework", "Ratios worksheet"),
    ):
        page = web.get(path)
        assert page.status_code == 200 and shown in text_of(page), path
    chat = web.get("/chat/")
    assert chat.status_code == 200


def test_lessons_and_homework_of_the_child_reach_the_guardian(web, fam):
    from thebot.models.base import utcnow
    from thebot.services.homework import work

    lesson = call(
        web, fam, "teacher", "POST", "/lessons", {"enrollment_id": fam.maths.id, **slot(30)}
    )
    assert lesson.status_code == 201, lesson.get_json()
    lesson_id = lesson.get_json()["lessons"][0]["id"]
    homework = work.set_homework(
        fam.teacher,
        enrollment_id=fam.maths.id,
        title="Fractions, page 12",
        due_at=(utcnow() + timedelta(days=2)).isoformat(),
        max_score=10,
    )
    for who in ("guardian", "parent"):
        lessons = call(web, fam, who, "GET", "/lessons").get_json()["lessons"]
        assert [item["id"] for item in lessons] == [lesson_id], who
        one = call(web, fam, who, "GET", f"/lessons/{lesson_id}")
        assert one.status_code == 200
        assert one.get_json()["id"] == lesson_id, who
        items = call(web, fam, who, "GET", "/homework").get_json()["homework"]
        assert [item["title"] for item in items] == ["Fractions, page 12"], who
        item = call(web, fam, who, "GET", f"/homework/{homework.id}")
        assert item.status_code == 200
        assert item.get_json()["title"] == "Fractions, page 12", who
    assert call(web, fam, "other_parent", "GET", f"/lessons/{lesson_id}").status_code == 404
    assert call(web, fam, "other_parent", "GET", f"/homework/{homework.id}").status_code == 404
    # the same notifications as the parent
    for user in (fam.parent, fam.guardian):
        assert len(_notes(user, "lesson_scheduled")) == 1, user.username
        assert len(_notes(user, "homework_set")) == 1, user.username
    assert _notes(fam.other_parent, "lesson_scheduled") == []


# --- chat -----------------------------------------------------------------------------------


def test_the_guardian_is_a_member_of_the_childs_rooms_and_may_message_tutor_and_teacher(web, fam):
    rooms = {subject_room(fam.student, fam.subject_name), tutor_room(fam.student)}
    for room_id in rooms:
        assert {fam.parent.id, fam.guardian.id, fam.student.id} <= member_ids(room_id)
    listed = {r["id"] for r in call(web, fam, "guardian", "GET", "/chat/rooms").get_json()["rooms"]}
    assert listed == rooms
    sent = call(
        web,
        fam,
        "guardian",
        "POST",
        f"/chat/rooms/{tutor_room(fam.student)}/messages",
        {"content": "Hello from the other parent"},
    )
    assert sent.status_code == 201, sent.get_json()
    assert len(_notes(fam.parent, "message")) == 1  # the co-guardian hears it as a member
    contacts = call(web, fam, "guardian", "GET", "/chat/contacts").get_json()["contacts"]
    assert {c["id"] for c in contacts} == {fam.tutor.id, fam.teacher.id}
    # parent–parent is refused, even between the two guardians of one child
    refused = call(web, fam, "guardian", "POST", "/chat/direct", {"user_id": fam.parent.id})
    assert refused.status_code == 404
    opened = call(web, fam, "guardian", "POST", "/chat/direct", {"user_id": fam.teacher.id})
    assert opened.status_code in (200, 201), opened.get_json()


def test_removing_the_guardian_ends_memberships_in_the_same_transaction(fam, ctx):
    from thebot.extensions import db
    from thebot.services import links

    rooms = [subject_room(fam.student, fam.subject_name), tutor_room(fam.student)]
    profile = _fresh(fam.student).student_profile
    # inside one transaction: the link and the memberships change together, and a rollback
    # takes both back
    profile.guardian_id = None
    links.links_changed(
        profile.user,
        old_tutor_id=fam.tutor.id,
        old_parent_id=fam.parent.id,
        old_guardian_id=fam.guardian.id,
    )
    assert all(fam.guardian.id not in member_ids(r) for r in rooms)
    db.session.rollback()
    assert all(fam.guardian.id in member_ids(r) for r in rooms)
    assert _fresh(fam.student).student_profile.guardian_id == fam.guardian.id

    links.remove_guardian(fam.tutor, fam.student.id)
    assert _fresh(fam.student).student_profile.guardian_id is None
    for room_id in rooms:
        members = member_ids(room_id)
        assert fam.guardian.id not in members and fam.parent.id in members
    from thebot.services import access

    assert list(db.session.scalars(access.student_ids_visible_to(_fresh(fam.guardian)))) == []


def test_a_swap_and_a_parent_becoming_guardian_keep_memberships(fam, ctx):
    from thebot.services import links

    rooms = [subject_room(fam.student, fam.subject_name), tutor_room(fam.student)]
    before = {r: member_ids(r) for r in rooms}
    links.swap_guardians(fam.tutor, fam.student.id)
    profile = _fresh(fam.student).student_profile
    assert (profile.parent_id, profile.guardian_id) == (fam.guardian.id, fam.parent.id)
    assert {r: member_ids(r) for r in rooms} == before
    # a new primary parent; the old primary stays on as guardian
    links.set_links(
        fam.admin, fam.student.id, parent_id=fam.other_parent.id, guardian_id=fam.guardian.id
    )
    for room_id in rooms:
        members = member_ids(room_id)
        assert {fam.other_parent.id, fam.guardian.id} <= members
        assert fam.parent.id not in members


# --- reports --------------------------------------------------------------------------------


def test_the_guardian_is_told_of_a_tutor_report_opens_it_and_it_is_read(web, fam):
    from thebot.services.reports import writing

    report = draft_report(fam.tutor, fam.student)
    writing.send_report(fam.tutor, report.id)
    assert len(_notes(fam.guardian, "report_sent")) == 1
    assert len(_notes(fam.parent, "report_sent")) == 1
    listed = call(web, fam, "guardian", "GET", "/reports").get_json()["reports"]
    assert [r["id"] for r in listed] == [report.id]
    assert call(web, fam, "other_parent", "GET", f"/reports/{report.id}").status_code == 404
    opened = call(web, fam, "guardian", "GET", f"/reports/{report.id}").get_json()["report"]
    assert opened["status"] == "read"
    assert opened["recipient"]["id"] == fam.parent.id  # the stored recipient stays the parent
    assert [n.read_at is not None for n in _notes(fam.guardian, "report_sent")] == [True]
    assert len(_notes(fam.tutor, "report_read")) == 1
    # the primary parent opening it later: still read once, their own notification seen now
    again = call(web, fam, "parent", "GET", f"/reports/{report.id}").get_json()["report"]
    assert again["status"] == "read"
    assert [n.read_at is not None for n in _notes(fam.parent, "report_sent")] == [True]
    assert len(_notes(fam.tutor, "report_read")) == 1


def test_the_guardian_opens_a_report_page_and_a_removed_guardian_gets_404(web, fam):
    from thebot.services import links
    from thebot.services.reports import writing

    report = draft_report(fam.tutor, fam.student, "Fractions are solid now.")
    writing.send_report(fam.tutor, report.id)
    web.login("g-guardian")
    page = web.get(f"/parent/reports/{report.id}")
    assert page.status_code == 200 and "Fractions are solid now." in text_of(page)
    links.remove_guardian(fam.tutor, fam.student.id)
    assert web.get(f"/parent/reports/{report.id}").status_code == 404


# --- invoices and payments ------------------------------------------------------------------


def _checkout(web, url):
    page = web.get(urlsplit(url).path)
    assert page.status_code == 200
    names = {"payment_id", "outcome", "amount", "signature"}
    fields = [(n, v) for n, v in FIELD_RE.findall(page.get_data(as_text=True)) if n in names]
    return dict(fields[:4])


def test_the_guardian_sees_opens_and_pays_an_invoice_billed_to_the_parent(web, fam):
    from thebot.extensions import db
    from thebot.models import Invoice
    from thebot.services.billing import invoices, rules

    draft = invoices.create_invoice(
        fam.tutor,
        student_id=fam.student.id,
        amount="700.00",
        description="A draft",
        due_date=rules.today(),
    )
    invoice = sent_invoice(fam.tutor, fam.student, "1500.00")
    assert len(_notes(fam.guardian, "invoice_sent")) == 1
    listed = call(web, fam, "guardian", "GET", "/invoices").get_json()["invoices"]
    assert [i["id"] for i in listed] == [invoice.id]  # never the draft
    assert call(web, fam, "guardian", "GET", f"/invoices/{draft.id}").status_code == 404
    assert call(web, fam, "other_parent", "GET", f"/invoices/{invoice.id}").status_code == 404
    shown = call(web, fam, "guardian", "GET", f"/invoices/{invoice.id}").get_json()
    assert shown["status"] == "viewed" and shown["can_pay"] is True
    assert shown["parent"]["id"] == fam.parent.id
    assert shown["history"][-1]["by"]["id"] == fam.guardian.id
    started = call(web, fam, "guardian", "POST", f"/invoices/{invoice.id}/payments")
    assert started.status_code == 201, started.get_json()
    payment = started.get_json()["payment"]
    web.login("g-other-parent")
    assert web.get(urlsplit(payment["confirmation_url"]).path).status_code == 404
    web.logout()
    web.login("g-guardian")
    pay = _checkout(web, payment["confirmation_url"])
    done = web.http.post("/payments/webhook/fake", data=pay)
    assert done.status_code == 303
    db.session.expire_all()
    paid = db.session.get(Invoice, invoice.id)
    assert paid.status.value == "paid" and paid.parent_id == fam.parent.id
    shown = call(web, fam, "guardian", "GET", f"/payments/{payment['id']}").get_json()
    assert shown["payment"]["status"] == "succeeded"
    assert shown["payment"]["payer_id"] == fam.guardian.id  # who paid is kept
    assert call(web, fam, "other_parent", "GET", f"/payments/{payment['id']}").status_code == 404
    page = web.get(f"/parent/invoices/{invoice.id}")
    assert page.status_code == 200 and "Paula Parent" in text_of(page)  # billed to
    payer_cell = text_of(page).split("Payer", 1)[1]
    assert fam.guardian.full_name in payer_cell


def test_a_guardian_change_moves_no_invoice_and_a_swap_moves_only_open_ones(web, fam):
    from thebot.extensions import db
    from thebot.models import Invoice, InvoiceEvent
    from thebot.services import links
    from thebot.services.billing import payments
    from thebot.services.billing.providers import fake

    paid = sent_invoice(fam.tutor, fam.student, "1000.00")
    payment = payments.start_payment(fam.guardian, paid.id)
    payments.handle_webhook(
        "fake", urlencode(fake.confirmation_fields(payment, "succeeded")).encode(), {}
    )
    open_one = sent_invoice(fam.tutor, fam.student, "2000.00")

    def billed():
        db.session.expire_all()
        return {
            i.id: (i.parent_id, i.status.value)
            for i in db.session.scalars(select(Invoice).where(Invoice.student_id == fam.student.id))
        }

    def history_rows():
        return db.session.scalar(select(db.func.count()).select_from(InvoiceEvent))

    before, rows = billed(), history_rows()
    assert before == {paid.id: (fam.parent.id, "paid"), open_one.id: (fam.parent.id, "sent")}
    links.remove_guardian(fam.tutor, fam.student.id)
    links.link_guardian(fam.tutor, fam.student.id, guardian_login="g-guardian")
    assert billed() == before and history_rows() == rows  # a guardian change moves nothing
    links.swap_guardians(fam.tutor, fam.student.id)
    after = billed()
    assert after[paid.id] == (fam.parent.id, "paid")  # paid stays with who it was billed to
    assert after[open_one.id] == (fam.guardian.id, "sent")  # open moves to the new primary
    assert history_rows() == rows + 1

    # the old primary (guardian now) sees the paid one billed to them and, as guardian, the
    # open one billed to the new primary; the new primary sees what is billed to them (as any
    # new parent: a paid invoice stays with who paid it)
    def seen(who):
        return {i["id"] for i in call(web, fam, who, "GET", "/invoices").get_json()["invoices"]}

    assert seen("parent") == {paid.id, open_one.id}
    assert seen("guardian") == {open_one.id}


# --- linking: rules and forms ---------------------------------------------------------------


def test_linking_a_guardian_answers_field_errors_and_changes_nothing(fam, ctx, make_user):
    from thebot.services import accounts, links
    from thebot.services.errors import Invalid, NotFound

    def guardian_now():
        return _fresh(fam.student).student_profile.guardian_id

    with pytest.raises(Invalid) as same:
        links.set_links(fam.tutor, fam.student.id, guardian_id=fam.parent.id)
    assert "guardian_id" in same.value.fields
    with pytest.raises(NotFound) as not_parent:
        links.set_links(fam.tutor, fam.student.id, guardian_id=fam.teacher.id)
    assert "guardian_id" in not_parent.value.fields
    sleeper = make_user("parent", "g-sleeper")
    accounts.set_active(fam.admin, sleeper.id, False)
    with pytest.raises(Invalid) as inactive:
        links.set_links(fam.tutor, fam.student.id, guardian_id=sleeper.id)
    assert "guardian_id" in inactive.value.fields
    with pytest.raises(Invalid) as by_login:
        links.link_guardian(fam.tutor, fam.student.id, guardian_login="g-teacher")
    assert "guardian_login" in by_login.value.fields
    with pytest.raises(Invalid) as parent_is_guardian:
        links.set_links(fam.tutor, fam.student.id, parent_id=fam.guardian.id)
    assert "parent_id" in parent_is_guardian.value.fields
    with pytest.raises(Invalid) as no_parent:
        links.set_links(fam.admin, fam.student.id, parent_id=None)
    assert "parent_id" in no_parent.value.fields
    with pytest.raises(NotFound):
        links.link_guardian(fam.other_tutor, fam.student.id, guardian_id=fam.other_parent.id)
    assert guardian_now() == fam.guardian.id
    assert _fresh(fam.student).student_profile.parent_id == fam.parent.id


def test_the_tutor_links_removes_and_swaps_the_guardian_on_the_student_page(web, fam):
    from thebot.services import links

    links.remove_guardian(fam.tutor, fam.student.id)
    web.login("g-tutor")
    page = web.get(f"/tutor/students/{fam.student.id}")
    assert page.status_code == 200 and "Second guardian" in text_of(page)
    bad = web.post(
        f"/tutor/students/{fam.student.id}/guardian", {"guardian_id": 0, "guardian_login": "nope"}
    )
    assert bad.status_code == 400 and "guardian_login" in field_errors(bad)
    same = web.post(f"/tutor/students/{fam.student.id}/guardian", {"guardian_login": "g-parent"})
    assert same.status_code == 400 and "guardian_id" in field_errors(same)
    assert _fresh(fam.student).student_profile.guardian_id is None
    done = web.post(
        f"/tutor/students/{fam.student.id}/guardian", {"guardian_login": "g@example.test"}
    )
    assert done.status_code == 302
    assert _fresh(fam.student).student_profile.guardian_id == fam.guardian.id
    page = text_of(web.get(f"/tutor/students/{fam.student.id}"))
    assert "Gary Guardian" in page and "Make primary parent" in page
    assert web.post(f"/tutor/students/{fam.student.id}/guardian/swap").status_code == 302
    profile = _fresh(fam.student).student_profile
    assert (profile.parent_id, profile.guardian_id) == (fam.guardian.id, fam.parent.id)
    assert web.post(f"/tutor/students/{fam.student.id}/guardian/remove").status_code == 302
    assert _fresh(fam.student).student_profile.guardian_id is None
    # another tutor's student: 404, nothing changes
    assert web.post(f"/tutor/students/{fam.other_student.id}/guardian/remove").status_code == 404
    refused = web.post(
        f"/tutor/students/{fam.other_student.id}/guardian", {"guardian_login": "g-guardian"}
    )
    assert refused.status_code == 404
    assert _fresh(fam.other_student).student_profile.guardian_id is None


def test_the_admin_sets_the_guardian_in_the_links_form(web, fam):
    web.login("g-admin")
    page = web.get(f"/admin/users/{fam.student.id}")
    assert page.status_code == 200 and 'name="guardian_id"' in page.get_data(as_text=True)
    same = web.post(
        f"/admin/users/{fam.student.id}/links",
        {"tutor_id": fam.tutor.id, "parent_id": fam.parent.id, "guardian_id": fam.parent.id},
    )
    assert same.status_code == 400 and "guardian_id" in field_errors(same)
    assert _fresh(fam.student).student_profile.guardian_id == fam.guardian.id
    moved = web.post(
        f"/admin/users/{fam.student.id}/links",
        {
            "tutor_id": fam.tutor.id,
            "parent_id": fam.parent.id,
            "guardian_id": fam.other_parent.id,
        },
    )
    assert moved.status_code == 302
    assert _fresh(fam.student).student_profile.guardian_id == fam.other_parent.id
    assert fam.other_parent.id in member_ids(tutor_room(fam.student))
    assert fam.guardian.id not in member_ids(tutor_room(fam.student))


def test_the_tutor_re_sends_and_resets_the_guardians_account_from_the_student_page(
    web, fam, caplog
):
    import logging

    from thebot.extensions import db
    from thebot.models import AccountInvitation

    caplog.set_level(logging.INFO, logger="thebot.services.mailer")
    guardian_token = fam.tokens["guardian"]
    web.login("g-tutor")
    page = web.get(f"/tutor/students/{fam.student.id}").get_data(as_text=True)
    block = page.split('data-test="member-guardian"', 1)[1].split("</li>", 1)[0]
    assert "Gary Guardian" in block and "Re-send the invitation" in block
    base = f"/tutor/students/{fam.student.id}/members/{fam.guardian.id}"
    assert web.post(f"{base}/invite").status_code == 302
    mails = [r.getMessage() for r in caplog.records if "To: g@example.test\n" in r.getMessage()]
    assert len(mails) == 1 and "/invite/" in mails[0]
    answer = web.post(f"{base}/password")
    assert answer.status_code == 303
    shown = web.get(answer.headers["Location"]).get_data(as_text=True)
    [password] = re.findall(r'data-test="password">([^<]+)<', shown)
    assert web.api("GET", "/api/v1/me", token=guardian_token).status_code == 401
    db.session.expire_all()
    kinds = db.session.scalars(
        select(AccountInvitation.kind)
        .where(AccountInvitation.user_id == fam.guardian.id)
        .order_by(AccountInvitation.id)
    ).all()
    assert kinds == ["resend", "password_reset"]
    history = web.get(f"/tutor/students/{fam.student.id}").get_data(as_text=True)
    assert "Gary Guardian: invitation re-sent" in history
    # another tutor's family member: 404, nothing recorded
    other = f"/tutor/students/{fam.other_student.id}/members/{fam.other_parent.id}/password"
    assert web.post(other).status_code == 404
    web.logout()
    assert web.login("g-guardian", password).status_code == 302
