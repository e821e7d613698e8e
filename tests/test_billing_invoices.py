"""Invoices over the JSON API: every transition allowed and refused per role, drafts invisible to
parents everywhere, amount and date boundaries, duplicates, paging, the parent-change move and
the overdue task."""

from __future__ import annotations

import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select, update

from tests.support.http import api_token


@pytest.fixture
def fam(ctx, make_user):
    """A tutor with a student billed to a parent, a student without a parent, and outsiders."""
    from thebot.services import links

    admin = make_user("admin")
    tutor = make_user("tutor", full_name="Tess Tutor")
    other_tutor = make_user("tutor")
    parent = make_user("parent", full_name="Paula Parent")
    other_parent = make_user("parent", full_name="Olga Other")
    teacher = make_user("teacher")
    student = make_user("student", full_name="Sam Student")
    orphan = make_user("student", full_name="Nobody's Child")
    links.set_links(admin, student.id, tutor_id=tutor.id, parent_id=parent.id)
    links.set_links(admin, orphan.id, tutor_id=tutor.id)
    people = SimpleNamespace(
        admin=admin,
        tutor=tutor,
        other_tutor=other_tutor,
        parent=parent,
        other_parent=other_parent,
        teacher=teacher,
        student=student,
        orphan=orphan,
    )
    people.tokens = {name: api_token(user) for name, user in vars(people).items()}
    return people


def _call(web, fam, who, method, path, json=None):
    return web.api(method, f"/api/v1{path}", json=json, token=fam.tokens[who])


def _today():
    from thebot.services.billing.rules import today

    return today()


def _body(fam, **over):
    body = {
        "student_id": fam.student.id,
        "amount": "1500.00",
        "description": f"Tutoring in October {uuid.uuid4().hex[:4]}",
        "due_date": (_today() + timedelta(days=7)).isoformat(),
    }
    body.update(over)
    return body


def _create(web, fam, **over):
    response = _call(web, fam, "tutor", "POST", "/invoices", _body(fam, **over))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _sent(web, fam, **over):
    invoice = _create(web, fam, **over)
    response = _call(web, fam, "tutor", "POST", f"/invoices/{invoice['id']}/send")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _invoice_count() -> int:
    from thebot.extensions import db
    from thebot.models import Invoice

    return db.session.scalar(select(func.count(Invoice.id)))


def _notifications(user):
    from thebot.extensions import db
    from thebot.models import Notification

    db.session.expire_all()
    return db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    ).all()


# --- creating ---------------------------------------------------------------------------------


def test_the_tutor_creates_a_draft_billed_to_the_students_parent(web, fam):
    invoice = _create(web, fam, description="Maths, October: 8 sessions")
    assert invoice["status"] == "draft" and invoice["overdue"] is False
    assert invoice["amount"] == "1500.00" and invoice["currency"] == "RUB"
    assert invoice["parent"] == {"id": fam.parent.id, "full_name": "Paula Parent"}
    assert invoice["student"] == {"id": fam.student.id, "full_name": "Sam Student"}
    assert invoice["tutor"]["id"] == fam.tutor.id
    assert invoice["description"] == "Maths, October: 8 sessions"
    assert [(h["from"], h["to"], h["by"]["id"]) for h in invoice["history"]] == [
        (None, "draft", fam.tutor.id)
    ]
    assert invoice["sent_at"] is None and invoice["can_send"] is True


@pytest.mark.parametrize(
    "who, status",
    [("parent", 403), ("student", 403), ("teacher", 403), ("admin", 403), ("other_tutor", 404)],
)
def test_only_the_students_tutor_creates_invoices(web, fam, who, status):
    response = _call(web, fam, who, "POST", "/invoices", _body(fam))
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == {403: "forbidden", 404: "not_found"}[status]
    assert _invoice_count() == 0


def test_a_student_without_a_parent_cannot_be_billed(web, fam):
    response = _call(web, fam, "tutor", "POST", "/invoices", _body(fam, student_id=fam.orphan.id))
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert "no parent" in error["message"] and "student_id" in error["fields"]
    assert _invoice_count() == 0


@pytest.mark.parametrize(
    "amount, stored",
    [
        ("0.01", "0.01"),
        ("99999999.99", "99999999.99"),
        ("1500", "1500.00"),
        ("1500,5", "1500.50"),
        (" 42.10 ", "42.10"),
    ],
)
def test_amounts_at_the_boundaries_are_kept_exactly(web, fam, amount, stored):
    from thebot.extensions import db
    from thebot.models import Invoice

    invoice = _create(web, fam, amount=amount)
    assert invoice["amount"] == stored
    assert str(db.session.get(Invoice, invoice["id"]).amount) == stored


@pytest.mark.parametrize(
    "amount",
    ["0.00", "0", "100000000.00", "1e3", "1.234", "-5", "abc", "", "NaN", 10.5, 1500, None, True],
)
def test_amounts_out_of_range_inexact_or_not_strings_are_refused(web, fam, amount):
    response = _call(web, fam, "tutor", "POST", "/invoices", _body(fam, amount=amount))
    assert response.status_code == 400
    assert "amount" in response.get_json()["error"]["fields"]
    assert _invoice_count() == 0


@pytest.mark.parametrize(
    "description, ok",
    [("", False), ("   ", False), ("x", True), ("я" * 2000, True), ("я" * 2001, False)],
)
def test_description_length(web, fam, description, ok):
    response = _call(web, fam, "tutor", "POST", "/invoices", _body(fam, description=description))
    assert response.status_code == (201 if ok else 400)
    if ok:
        assert response.get_json()["description"] == description
    else:
        assert "description" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("days, ok", [(0, True), (-1, False), (365, True)])
def test_due_date_today_or_later(web, fam, days, ok):
    due = (_today() + timedelta(days=days)).isoformat()
    response = _call(web, fam, "tutor", "POST", "/invoices", _body(fam, due_date=due))
    assert response.status_code == (201 if ok else 400)
    if ok:
        assert response.get_json()["due_date"] == due
    else:
        assert "due_date" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("due", ["2026-13-01", "tomorrow", 20261201, None])
def test_malformed_due_dates_are_refused(web, fam, due):
    response = _call(web, fam, "tutor", "POST", "/invoices", _body(fam, due_date=due))
    assert response.status_code == 400 and "due_date" in response.get_json()["error"]["fields"]


def test_an_identical_open_invoice_is_a_duplicate_until_the_first_is_closed(web, fam):
    first = _create(web, fam, description="October")
    again = _call(web, fam, "tutor", "POST", "/invoices", _body(fam, description="October"))
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"
    assert _create(web, fam, description="October", amount="1600.00")["amount"] == "1600.00"
    _call(web, fam, "tutor", "POST", f"/invoices/{first['id']}/cancel", {"reason": "typo"})
    assert _create(web, fam, description="October")["status"] == "draft"


def test_the_enrollment_must_be_the_students(web, fam, ctx, make_user):
    from thebot.services import learning

    name = f"Maths {uuid.uuid4().hex[:4]}"
    subject = learning.create_subject(None, name, "")
    fam.teacher = make_user("teacher", subjects=name)
    own = learning.enroll(
        fam.admin, student_id=fam.student.id, subject_id=subject.id, teacher_id=fam.teacher.id
    )
    others = learning.enroll(
        fam.admin, student_id=fam.orphan.id, subject_id=subject.id, teacher_id=fam.teacher.id
    )
    assert _create(web, fam, enrollment_id=own.id)["enrollment_id"] == own.id
    refused = _call(web, fam, "tutor", "POST", "/invoices", _body(fam, enrollment_id=others.id))
    assert refused.status_code == 400 and "enrollment_id" in refused.get_json()["error"]["fields"]
    as_text = _call(web, fam, "tutor", "POST", "/invoices", _body(fam, enrollment_id=str(own.id)))
    assert as_text.status_code == 400


# --- sending, viewing, cancelling --------------------------------------------------------------


def test_send_is_the_tutors_and_a_repeat_changes_nothing(web, fam):
    invoice = _create(web, fam)
    path = f"/invoices/{invoice['id']}/send"
    for who, status in (
        ("parent", 404),
        ("student", 404),
        ("other_tutor", 404),
        ("other_parent", 404),
        ("admin", 403),
    ):
        assert _call(web, fam, who, "POST", path).status_code == status, who
    sent = _call(web, fam, "tutor", "POST", path).get_json()
    assert sent["status"] == "sent" and sent["sent_at"] and len(sent["history"]) == 2
    again = _call(web, fam, "tutor", "POST", path).get_json()
    assert again["status"] == "sent" and again["history"] == sent["history"]
    assert [n.kind for n in _notifications(fam.parent)] == ["invoice_sent"]
    assert _call(web, fam, "admin", "POST", path).status_code == 403
    assert _call(web, fam, "parent", "POST", path).status_code == 403


def test_the_parent_opening_a_sent_invoice_marks_it_viewed_once(web, fam):
    invoice = _sent(web, fam)
    path = f"/invoices/{invoice['id']}"
    assert _call(web, fam, "tutor", "GET", path).get_json()["status"] == "sent"
    assert _call(web, fam, "admin", "GET", path).get_json()["status"] == "sent"
    viewed = _call(web, fam, "parent", "GET", path).get_json()
    assert viewed["status"] == "viewed" and viewed["viewed_at"]
    assert viewed["history"][-1]["by"]["id"] == fam.parent.id
    assert viewed["can_pay"] is True and viewed["can_cancel"] is False
    again = _call(web, fam, "parent", "GET", path).get_json()
    assert again["history"] == viewed["history"]
    assert [n.kind for n in _notifications(fam.tutor)] == ["invoice_viewed"]
    for who in ("other_parent", "student", "teacher", "other_tutor"):
        assert _call(web, fam, who, "GET", path).status_code == 404, who


def test_cancel_is_the_tutors_from_any_state_but_paid(web, fam):
    invoice = _sent(web, fam)
    path = f"/invoices/{invoice['id']}/cancel"
    assert _call(web, fam, "parent", "POST", path, {}).status_code == 403
    assert _call(web, fam, "admin", "POST", path, {}).status_code == 403
    assert _call(web, fam, "other_tutor", "POST", path, {}).status_code == 404
    assert _call(web, fam, "tutor", "POST", path, {"reason": 5}).status_code == 400
    cancelled = _call(web, fam, "tutor", "POST", path, {"reason": "Billed twice"}).get_json()
    assert cancelled["status"] == "cancelled" and cancelled["cancel_reason"] == "Billed twice"
    assert cancelled["history"][-1]["reason"] == "Billed twice"
    again = _call(web, fam, "tutor", "POST", path).get_json()
    assert again["history"] == cancelled["history"]
    assert _call(web, fam, "tutor", "POST", f"/invoices/{invoice['id']}/send").status_code == 409
    draft = _create(web, fam)
    assert (
        _call(web, fam, "tutor", "POST", f"/invoices/{draft['id']}/cancel").get_json()["status"]
        == "cancelled"
    )


def test_a_paid_invoice_cannot_be_cancelled(web, fam, ctx):
    from thebot.services.billing import payments

    invoice = _sent(web, fam)
    payment = payments.start_payment(fam.parent, invoice["id"])
    payments.payment_succeeded(payment.id, amount=payment.amount)
    response = _call(web, fam, "tutor", "POST", f"/invoices/{invoice['id']}/cancel")
    assert response.status_code == 409
    assert (
        _call(web, fam, "tutor", "GET", f"/invoices/{invoice['id']}").get_json()["status"] == "paid"
    )


# --- what parents and students see --------------------------------------------------------------


def test_drafts_are_invisible_to_parents_everywhere(web, fam, ctx):
    from thebot.services.billing import listing

    draft = _create(web, fam, description="Secret draft")
    unsent = _create(web, fam, description="Cancelled unsent")
    _call(web, fam, "tutor", "POST", f"/invoices/{unsent['id']}/cancel")
    sent = _sent(web, fam, description="Visible one")
    listed = _call(web, fam, "parent", "GET", "/invoices").get_json()
    assert [i["id"] for i in listed["invoices"]] == [sent["id"]]
    for hidden in (draft, unsent):
        assert _call(web, fam, "parent", "GET", f"/invoices/{hidden['id']}").status_code == 404
    totals = _call(web, fam, "parent", "GET", "/invoices/totals").get_json()["totals"]
    assert totals["draft"] == {"count": 0, "amount": "0.00"}
    assert totals["cancelled"]["count"] == 0 and totals["sent"]["count"] == 1
    tutor_totals = _call(web, fam, "tutor", "GET", "/invoices/totals").get_json()["totals"]
    assert tutor_totals["draft"]["count"] == 1 and tutor_totals["cancelled"]["count"] == 1
    text = listing.csv_export(fam.parent)
    assert "Visible one" in text and "Secret draft" not in text and "Cancelled unsent" not in text
    assert [n.params["invoice"] for n in _notifications(fam.parent)] == [sent["id"]]


def test_students_and_teachers_see_no_invoices(web, fam):
    invoice = _sent(web, fam)
    for who in ("student", "teacher"):
        assert _call(web, fam, who, "GET", "/invoices").get_json() == {
            "invoices": [],
            "has_more": False,
        }
        assert _call(web, fam, who, "GET", f"/invoices/{invoice['id']}").status_code == 404


def test_lists_filter_and_page(web, fam):
    made = [_create(web, fam)["id"] for _ in range(5)]
    page = _call(web, fam, "tutor", "GET", "/invoices?limit=2").get_json()
    assert [i["id"] for i in page["invoices"]] == made[::-1][:2] and page["has_more"] is True
    rest = _call(web, fam, "tutor", "GET", f"/invoices?limit=50&before_id={made[3]}").get_json()
    assert [i["id"] for i in rest["invoices"]] == made[:3][::-1] and rest["has_more"] is False
    assert _call(web, fam, "tutor", "GET", "/invoices?status=sent").get_json()["invoices"] == []
    drafts = _call(web, fam, "tutor", "GET", f"/invoices?status=draft&student_id={fam.student.id}")
    assert len(drafts.get_json()["invoices"]) == 5
    for query in (
        "limit=0",
        "limit=101",
        "before_id=abc",
        "status=open",
        "overdue=maybe",
        "student_id=-1",
        "date_from=yesterday",
    ):
        assert _call(web, fam, "tutor", "GET", f"/invoices?{query}").status_code == 400, query
    assert _call(web, fam, "tutor", "GET", "/invoices/99999999999").status_code == 404


# --- following the parent link ------------------------------------------------------------------


def test_open_invoices_move_to_the_new_parent_with_a_history_row(web, fam, ctx):
    from thebot.services import links
    from thebot.services.billing import payments

    paid = _sent(web, fam, description="Paid before the change")
    payment = payments.start_payment(fam.parent, paid["id"])
    payments.payment_succeeded(payment.id, amount=payment.amount)
    open_one = _sent(web, fam, description="Still open")
    links.set_links(fam.admin, fam.student.id, parent_id=fam.other_parent.id)
    moved = _call(web, fam, "other_parent", "GET", f"/invoices/{open_one['id']}").get_json()
    assert moved["parent"]["id"] == fam.other_parent.id
    move = [h for h in moved["history"] if h["from"] == h["to"] == "sent"]
    assert len(move) == 1 and "Olga Other" in move[0]["reason"] and move[0]["by"] is None
    assert _call(web, fam, "parent", "GET", f"/invoices/{open_one['id']}").status_code == 404
    stayed = _call(web, fam, "parent", "GET", f"/invoices/{paid['id']}").get_json()
    assert stayed["parent"]["id"] == fam.parent.id and stayed["status"] == "paid"
    assert [n.kind for n in _notifications(fam.other_parent)] == ["invoice_sent"]
    # the link removed: the invoices stay with the last parent (someone is always billed)
    links.set_links(fam.admin, fam.student.id, parent_id=None)
    kept = _call(web, fam, "other_parent", "GET", f"/invoices/{open_one['id']}").get_json()
    assert kept["parent"]["id"] == fam.other_parent.id and kept["history"] == moved["history"]


# --- overdue -----------------------------------------------------------------------------------


def _backdate(invoice_id: int, days: int) -> None:
    """Let time pass: the due date is `days` behind today (a rule no API may break)."""
    from thebot.extensions import db
    from thebot.models import Invoice

    db.session.execute(
        update(Invoice)
        .where(Invoice.id == invoice_id)
        .values(due_date=_today() - timedelta(days=days))
    )
    db.session.commit()


def test_overdue_is_derived_and_told_to_the_parent_once(web, fam, ctx):
    from thebot.services.billing import invoices

    late = _sent(web, fam, description="Late")
    due_today = _sent(web, fam, description="Due today")
    draft = _create(web, fam, description="Late draft")
    for invoice_id in (late["id"], draft["id"]):
        _backdate(invoice_id, 1)
    assert _call(web, fam, "parent", "GET", f"/invoices/{late['id']}").get_json()["overdue"] is True
    assert (
        _call(web, fam, "tutor", "GET", f"/invoices/{due_today['id']}").get_json()["overdue"]
        is False
    )
    draft_shown = _call(web, fam, "tutor", "GET", f"/invoices/{draft['id']}").get_json()
    assert draft_shown["overdue"] is False
    overdue = _call(web, fam, "tutor", "GET", "/invoices?overdue=true").get_json()["invoices"]
    assert [i["id"] for i in overdue] == [late["id"]]
    totals = _call(web, fam, "tutor", "GET", "/invoices/totals").get_json()["totals"]
    assert totals["overdue"] == {"count": 1, "amount": "1500.00"}
    assert invoices.notify_overdue() == 1
    assert invoices.notify_overdue() == 0
    kinds = [(n.kind, n.params["invoice"]) for n in _notifications(fam.parent)]
    assert kinds.count(("invoice_overdue", late["id"])) == 1
    assert not [n for n in _notifications(fam.tutor) if n.kind == "invoice_overdue"]


def test_invoice_notifications_render_in_the_readers_language(web, fam, ctx):
    from thebot.extensions import db

    fam.parent.locale = "ru"
    db.session.commit()
    _sent(web, fam, amount="1500.00", description="Октябрь")
    listed = _call(web, fam, "parent", "GET", "/notifications").get_json()["notifications"]
    english = web.api(
        "GET",
        "/api/v1/notifications",
        token=fam.tokens["parent"],
        headers={"Accept-Language": "en"},
    ).get_json()["notifications"]
    assert listed[0]["kind"] == "invoice_sent" and listed[0]["url"].startswith("/parent/invoices/")
    assert "Sam Student" in english[0]["title"] and "1,500.00" in english[0]["title"]
    assert "Октябрь" in english[0]["body"]
    russian = web.api(
        "GET",
        "/api/v1/notifications",
        token=fam.tokens["parent"],
        headers={"Accept-Language": "ru"},
    ).get_json()["notifications"]
    assert russian[0]["title"].startswith("Новый счёт: ") and "Sam Student" in russian[0]["title"]
