"""Invoice and payment pages over HTTP, as each role uses them: the tutor creates (field errors,
nothing stored on refusal), sends, cancels with a reason, filters, reads totals and exports CSV;
the parent sees open and past invoices but never a draft (list, detail, totals, CSV), opens one
(marks it viewed), pays through the fake checkout and prints a receipt; the admin reads every
invoice and can change none; a student has no invoice pages; lists cost the same number of
queries however many invoices they show."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from tests.support.app import count_queries
from tests.support.http import field_errors, text_of

TOMORROW = (date.today() + timedelta(days=1)).isoformat()


def invoice_form(student, **fields) -> dict:
    data = {
        "student_id": str(student.id),
        "amount": "1500.00",
        "description": "Mathematics, October: 8 lessons",
        "due_date": TOMORROW,
        "enrollment_id": "None",
    }
    data.update({k: str(v) for k, v in fields.items()})
    return data


def stored(invoice_id=None, **where):
    """Invoices in the database now (all, or one by id)."""
    from thebot.extensions import db
    from thebot.models import Invoice

    db.session.expire_all()
    if invoice_id is not None:
        return db.session.get(Invoice, invoice_id)
    query = select(Invoice).order_by(Invoice.id)
    for name, value in where.items():
        query = query.where(getattr(Invoice, name) == value)
    return db.session.scalars(query).all()


def new_invoice(
    tutor, student, amount="1500.00", description="Lessons in October", send=False, due=None
):
    """An invoice through the billing service (a draft, or sent)."""
    from thebot.services.billing import invoices

    invoice = invoices.create_invoice(
        tutor,
        student_id=student.id,
        amount=amount,
        description=description,
        due_date=due or date.today() + timedelta(days=7),
    )
    if send:
        invoices.send_invoice(tutor, invoice.id)
    return invoice


def make_overdue(invoice_id: int) -> None:
    """Move a due date into the past (the service refuses one at creation, rightly)."""
    from thebot.extensions import db
    from thebot.models import Invoice

    db.session.execute(
        update(Invoice)
        .where(Invoice.id == invoice_id)
        .values(due_date=date.today() - timedelta(days=3))
    )
    db.session.commit()


def pay(parent, invoice):
    """Start a payment as the parent and confirm it as the provider would."""
    from thebot.services.billing import payments

    payment = payments.start_payment(parent, invoice.id)
    return payments.payment_succeeded(payment.id, amount=Decimal(invoice.amount))


def row_of(response, invoice_id: int) -> str:
    html = response.get_data(as_text=True)
    match = re.search(rf'<tr data-invoice-id="{invoice_id}"[^>]*>(.*?)</tr>', html, re.S)
    assert match, f"no row for invoice {invoice_id}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


def row_ids(response) -> list[int]:
    return [
        int(i) for i in re.findall(r'<tr data-invoice-id="(\d+)"', response.get_data(as_text=True))
    ]


def total_of(response, key: str) -> str:
    html = response.get_data(as_text=True)
    match = re.search(rf'data-test="total-{key}">(.*?)</div>', html, re.S)
    assert match, f"no total {key}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


@pytest.fixture
def unlinked(family, make_user):
    """A student of the family's tutor with no parent linked."""
    from thebot.services import links

    student = make_user("student", full_name="Nina Noparent")
    links.set_links(family.admin, student.id, tutor_id=family.tutor.id)
    return student


# --- the tutor --------------------------------------------------------------------------------


def test_the_tutor_creates_a_draft_sends_it_and_the_parent_opens_it(
    web, web_factory, family, unlinked
):
    web.login(family.tutor.username)
    form = web.get("/tutor/invoices/new")
    assert "Sam Student → bill Paula Parent" in text_of(form)
    assert "Nina Noparent (no parent linked: cannot be billed)" in text_of(form)
    assert re.search(
        rf'<option disabled value="{unlinked.id}"|<option value="{unlinked.id}"'
        r"[^>]*disabled",
        form.get_data(as_text=True),
    )

    created = web.post("/tutor/invoices/new", invoice_form(family.student, amount="1500.5"))
    assert created.status_code == 303, text_of(created)[:400]
    invoice = stored()[0]
    assert created.headers["Location"].endswith(f"/tutor/invoices/{invoice.id}")
    assert (invoice.status.value, invoice.amount, invoice.parent_id) == (
        "draft",
        Decimal("1500.50"),
        family.parent.id,
    )

    detail = web.get(f"/tutor/invoices/{invoice.id}")
    page = text_of(detail)
    assert "RUB 1,500.50" in page and "Paula Parent" in page and "draft" in page
    assert 'data-test="send"' in detail.get_data(as_text=True)

    parent = web_factory()
    parent.login(family.parent.username)
    assert invoice.id not in row_ids(parent.get("/parent/invoices"))
    assert parent.get(f"/parent/invoices/{invoice.id}").status_code == 404

    sent = web.post(f"/tutor/invoices/{invoice.id}/send")
    assert sent.status_code == 303
    assert stored(invoice.id).status.value == "sent"
    detail = web.get(f"/tutor/invoices/{invoice.id}")
    assert "The invoice is sent." in text_of(detail)
    assert 'data-test="send"' not in detail.get_data(as_text=True)

    listed = parent.get("/parent/invoices")
    assert invoice.id in row_ids(listed)
    assert "Mathematics, October: 8 lessons" in row_of(listed, invoice.id)
    opened = parent.get(f"/parent/invoices/{invoice.id}")
    assert opened.status_code == 200
    assert 'data-test="pay"' in opened.get_data(as_text=True)
    assert "Pay RUB 1,500.50" in text_of(opened)
    assert stored(invoice.id).status.value == "viewed"
    history = [
        (e.from_status and e.from_status.value, e.to_status.value)
        for e in stored(invoice.id).events
    ]
    assert history == [(None, "draft"), ("draft", "sent"), ("sent", "viewed")]
    assert "Paula Parent" in text_of(web.get(f"/tutor/invoices/{invoice.id}"))


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "100000000"}, "amount"),
        ({"amount": "12.345"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"description": "x" * 2001}, "description"),
        ({"due_date": (date.today() - timedelta(days=1)).isoformat()}, "due_date"),
    ],
)
def test_a_refused_invoice_shows_the_error_on_its_field_and_stores_nothing(
    web, family, fields, field
):
    web.login(family.tutor.username)
    response = web.post("/tutor/invoices/new", invoice_form(family.student, **fields))
    assert response.status_code == 400
    assert field in field_errors(response), text_of(response)[:600]
    assert stored() == []


def test_a_student_without_a_parent_cannot_be_billed(web, family, unlinked):
    web.login(family.tutor.username)
    response = web.post("/tutor/invoices/new", invoice_form(unlinked))
    assert response.status_code == 400
    assert "no parent" in text_of(response).lower()
    assert stored() == []


def test_an_identical_open_invoice_is_refused_as_a_duplicate(web, family):
    web.login(family.tutor.username)
    assert web.post("/tutor/invoices/new", invoice_form(family.student)).status_code == 303
    again = web.post("/tutor/invoices/new", invoice_form(family.student))
    assert again.status_code == 400
    assert len(stored()) == 1


def test_cancelling_with_a_reason_records_it_and_a_paid_invoice_stays(web, family):
    invoice = new_invoice(family.tutor, family.student, send=True)
    paid = new_invoice(family.tutor, family.student, description="Paid one", send=True)
    pay(family.parent, paid)
    web.login(family.tutor.username)
    detail = web.get(f"/tutor/invoices/{invoice.id}")
    assert 'data-test="cancel"' in detail.get_data(as_text=True)

    web.post(f"/tutor/invoices/{invoice.id}/cancel", {"reason": "Lessons moved to November"})
    invoice = stored(invoice.id)
    assert invoice.status.value == "cancelled"
    assert invoice.cancel_reason == "Lessons moved to November"
    assert invoice.events[-1].reason == "Lessons moved to November"
    page = web.get(f"/tutor/invoices/{invoice.id}")
    assert "The invoice is cancelled." in text_of(page)
    assert text_of(page).count("Lessons moved to November") == 2  # the facts and the history
    assert 'data-test="cancel"' not in page.get_data(as_text=True)

    assert 'data-test="cancel"' not in web.get(f"/tutor/invoices/{paid.id}").get_data(as_text=True)
    refused = web.post(f"/tutor/invoices/{paid.id}/cancel", {"reason": "no"}, follow_redirects=True)
    assert "A paid invoice cannot be cancelled." in text_of(refused)
    assert stored(paid.id).status.value == "paid"


def test_actions_need_a_csrf_token(web, web_factory, family):
    invoice = new_invoice(family.tutor, family.student)
    web.login(family.tutor.username)
    assert web.post(f"/tutor/invoices/{invoice.id}/send", csrf=False).status_code == 400
    assert web.post(f"/tutor/invoices/{invoice.id}/cancel", csrf=False).status_code == 400
    assert stored(invoice.id).status.value == "draft"
    from thebot.services.billing import invoices

    invoices.send_invoice(family.tutor, invoice.id)
    parent = web_factory()
    parent.login(family.parent.username)
    assert parent.post(f"/parent/invoices/{invoice.id}/pay", csrf=False).status_code == 400
    assert stored(invoice.id).payments == []


def test_another_tutor_gets_404_for_my_invoices(web, family, make_user):
    invoice = new_invoice(family.tutor, family.student)
    other = make_user("tutor")
    web.login(other.username)
    assert web.get(f"/tutor/invoices/{invoice.id}").status_code == 404
    assert web.post(f"/tutor/invoices/{invoice.id}/send").status_code == 404
    assert web.post(f"/tutor/invoices/{invoice.id}/cancel").status_code == 404
    assert invoice.id not in row_ids(web.get("/tutor/invoices"))
    assert stored(invoice.id).status.value == "draft"


def test_filters_and_totals(web, family, make_user):
    from thebot.services import links

    second_parent = make_user("parent", full_name="Pavel Second")
    second = make_user("student", full_name="Sofia Second")
    links.set_links(family.admin, second.id, tutor_id=family.tutor.id, parent_id=second_parent.id)
    draft = new_invoice(family.tutor, family.student, amount="100.00", description="Draft")
    sent = new_invoice(family.tutor, family.student, amount="200.00", description="Sent", send=True)
    late = new_invoice(family.tutor, second, amount="300.00", description="Late", send=True)
    make_overdue(late.id)
    paid = new_invoice(family.tutor, second, amount="400.00", description="Paid", send=True)
    pay(second_parent, paid)
    web.login(family.tutor.username)

    everything = web.get("/tutor/invoices")
    assert row_ids(everything) == [paid.id, late.id, sent.id, draft.id]
    assert total_of(everything, "draft") == "Drafts RUB 100.00 1 invoice"
    assert total_of(everything, "sent") == "Sent RUB 500.00 2 invoices"
    assert total_of(everything, "overdue") == "Overdue RUB 300.00 1 invoice"
    assert total_of(everything, "paid") == "Paid RUB 400.00 1 invoice"
    html = everything.get_data(as_text=True)
    assert re.search(rf'<tr data-invoice-id="{late.id}"[^>]*class="overdue"', html)
    assert re.search(rf'data-invoice-overdue="{late.id}">overdue<', html)  # shown
    assert re.search(rf'data-invoice-overdue="{sent.id}" hidden>', html)
    assert 'data-test="revenue-chart"' in everything.get_data(as_text=True)

    assert row_ids(web.get("/tutor/invoices?status=sent")) == [late.id, sent.id]
    assert row_ids(web.get(f"/tutor/invoices?student_id={second.id}")) == [paid.id, late.id]
    overdue = web.get("/tutor/invoices?overdue=y")
    assert row_ids(overdue) == [late.id]
    assert total_of(overdue, "sent") == "Sent RUB 300.00 1 invoice"
    junk = web.get("/tutor/invoices?student_id=abc")
    assert junk.status_code == 200 and len(row_ids(junk)) == 4
    assert "student_id" in field_errors(junk)


def test_the_period_filter_takes_dates(web, family):
    a = new_invoice(
        family.tutor, family.student, description="Soon", due=date.today() + timedelta(days=2)
    )
    b = new_invoice(
        family.tutor, family.student, description="Later", due=date.today() + timedelta(days=40)
    )
    web.login(family.tutor.username)
    both = row_ids(web.get("/tutor/invoices"))
    assert set(both) == {a.id, b.id}
    narrowed = web.get("/tutor/invoices?date_from=2000-01-01&date_to=2000-01-31")
    assert row_ids(narrowed) == [] and "No invoices match." in text_of(narrowed)
    junk = web.get("/tutor/invoices?date_from=not-a-date")
    assert junk.status_code == 200 and set(row_ids(junk)) == {a.id, b.id}


def test_the_csv_export_opens_with_a_bom_and_cyrillic(web, family, make_user):
    from thebot.services import links

    parent = make_user("parent", full_name="Ирина Петрова")
    student = make_user("student", full_name="Анна Петрова")
    links.set_links(family.admin, student.id, tutor_id=family.tutor.id, parent_id=parent.id)
    new_invoice(family.tutor, student, amount="1500.00", description="Математика; октябрь")
    new_invoice(family.tutor, family.student, amount="99.99", description="Other", send=True)
    web.login(family.tutor.username)
    list_page = web.get("/tutor/invoices")
    assert 'href="/tutor/invoices.csv"' in list_page.get_data(as_text=True)

    response = web.get("/tutor/invoices.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert ";" in text.splitlines()[0]
    assert "Анна Петрова" in text and "Ирина Петрова" in text and "1500.00" in text

    filtered = (
        web.get(f"/tutor/invoices.csv?student_id={student.id}").get_data().decode("utf-8-sig")
    )
    assert "Анна Петрова" in filtered and "Sam Student" not in filtered
    assert "/tutor/invoices.csv?student_id=" in web.get(
        f"/tutor/invoices?student_id={student.id}"
    ).get_data(as_text=True)


# --- the parent -------------------------------------------------------------------------------


def test_the_parent_never_sees_drafts(web, family):
    draft = new_invoice(family.tutor, family.student, amount="777.00", description="Secret draft")
    sent = new_invoice(family.tutor, family.student, amount="200.00", description="Sent", send=True)
    web.login(family.parent.username)
    page = web.get("/parent/invoices")
    assert row_ids(page) == [sent.id]
    assert "Secret draft" not in text_of(page) and "777" not in text_of(page)
    assert total_of(page, "sent-viewed") == "To pay RUB 200.00 1 invoice"
    assert web.get(f"/parent/invoices/{draft.id}").status_code == 404
    assert web.get(f"/parent/invoices/{draft.id}/receipt").status_code == 404
    assert web.post(f"/parent/invoices/{draft.id}/pay").status_code == 404
    assert web.get("/parent/invoices.csv").status_code == 404
    assert web.get("/tutor/invoices.csv").status_code == 403
    assert stored(draft.id).status.value == "draft"


def test_the_parent_lists_open_and_past_with_overdue_highlighted(web, family):
    open_one = new_invoice(family.tutor, family.student, description="Open", send=True)
    late = new_invoice(family.tutor, family.student, description="Late", send=True)
    make_overdue(late.id)
    paid = new_invoice(family.tutor, family.student, description="Paid", send=True)
    pay(family.parent, paid)
    from thebot.services.billing import invoices

    gone = new_invoice(family.tutor, family.student, description="Gone", send=True)
    invoices.cancel_invoice(family.tutor, gone.id, "Mistake")
    web.login(family.parent.username)
    page = web.get("/parent/invoices")
    html = page.get_data(as_text=True)
    open_table = html.split('data-test="open-invoices"')[1].split("</table>")[0]
    past_table = html.split('data-test="past-invoices"')[1].split("</table>")[0]
    assert [int(i) for i in re.findall(r'data-invoice-id="(\d+)"', open_table)] == [
        late.id,
        open_one.id,
    ]
    assert [int(i) for i in re.findall(r'data-invoice-id="(\d+)"', past_table)] == [
        gone.id,
        paid.id,
    ]
    assert re.search(rf'<tr data-invoice-id="{late.id}"[^>]*class="overdue"', html)
    assert not re.search(rf'<tr data-invoice-id="{open_one.id}"[^>]*class="overdue"', html)
    assert total_of(page, "overdue") == "Overdue RUB 1,500.00 1 invoice"


def test_paying_through_the_fake_checkout_and_the_receipt(web, family):
    invoice = new_invoice(family.tutor, family.student, amount="2500.00", send=True)
    web.login(family.parent.username)
    started = web.post(f"/parent/invoices/{invoice.id}/pay")
    assert started.status_code == 303
    from thebot.extensions import db
    from thebot.models import Payment

    db.session.expire_all()
    payment = db.session.scalars(select(Payment)).one()
    assert started.headers["Location"] == payment.confirmation_url
    assert f"/payments/fake/{payment.id}" in payment.confirmation_url

    waiting = web.get(f"/parent/payments/{payment.id}")
    html = waiting.get_data(as_text=True)
    assert 'data-status="pending"' in html
    assert re.search(r'data-payment-state="pending" role="status">', html)  # shown, not hidden
    assert re.search(r'data-payment-state="succeeded" role="status" hidden', html)
    assert "RUB 2,500.00" in text_of(waiting)

    from thebot.services.billing import payments

    payments.payment_succeeded(payment.id, amount=Decimal("2500.00"))
    done = web.get(f"/parent/payments/{payment.id}")
    assert 'data-status="succeeded"' in done.get_data(as_text=True)
    assert re.search(r'data-payment-state="succeeded" role="status">', done.get_data(as_text=True))
    detail = web.get(f"/parent/invoices/{invoice.id}")
    assert 'data-test="pay"' not in detail.get_data(as_text=True)
    assert "paid" in text_of(detail)
    receipt = web.get(f"/parent/invoices/{invoice.id}/receipt")
    assert f"Receipt for invoice {invoice.id}" in text_of(receipt)
    assert "Paid RUB 2,500.00 on" in text_of(receipt)
    assert "@media print" in web.get("/static/css/billing.css").get_data(as_text=True)


def test_a_declined_payment_shows_so_and_the_invoice_stays_payable(web, family):
    invoice = new_invoice(family.tutor, family.student, send=True)
    from thebot.services.billing import payments

    payment = payments.start_payment(family.parent, invoice.id)
    payments.payment_canceled(payment.id)
    web.login(family.parent.username)
    html = web.get(f"/parent/payments/{payment.id}").get_data(as_text=True)
    assert re.search(r'data-payment-state="canceled" role="status">', html)
    assert re.search(r'data-payment-state="pending" role="status" hidden', html)
    detail = web.get(f"/parent/invoices/{invoice.id}")
    assert 'data-test="pay"' in detail.get_data(as_text=True)
    assert "not paid" in text_of(detail)  # the payment history
    assert stored(invoice.id).status.value == "viewed"


def test_a_payment_page_is_only_its_parents(web, family):
    invoice = new_invoice(family.tutor, family.student, send=True)
    from thebot.services.billing import payments

    payment = payments.start_payment(family.parent, invoice.id)
    web.login(family.other_parent.username)
    assert web.get(f"/parent/payments/{payment.id}").status_code == 404
    assert web.get(f"/parent/invoices/{invoice.id}").status_code == 404
    assert web.post(f"/parent/invoices/{invoice.id}/pay").status_code == 404


def test_pages_in_russian_format_amounts_and_dates_for_the_locale(web, family):
    invoice = new_invoice(family.tutor, family.student, amount="1500.00", send=True)
    web.http.set_cookie("lang", "ru")
    web.login(family.parent.username)
    page = text_of(web.get("/parent/invoices"))
    assert "Открытые счета" in page
    assert "1 500,00 ₽" in page
    detail = text_of(web.get(f"/parent/invoices/{invoice.id}"))
    assert "Оплатить 1 500,00 ₽" in detail
    assert re.search(r"\d{1,2} [а-я]+ \d{4}", detail)  # e.g. "8 декабря 2026"


# --- the admin and the student ----------------------------------------------------------------


def test_the_admin_reads_every_invoice_and_changes_none(web, family):
    draft = new_invoice(family.tutor, family.student, description="Draft")
    sent = new_invoice(family.tutor, family.student, description="Sent", send=True)
    web.login(family.admin.username)
    page = web.get("/admin/invoices")
    assert row_ids(page) == [sent.id, draft.id]
    assert "Tess Tutor" in row_of(page, sent.id)
    detail = web.get(f"/admin/invoices/{sent.id}")
    html = detail.get_data(as_text=True)
    assert "Sent" in text_of(detail)
    assert 'data-test="actions"' not in html and '<form method="post" action="/admin' not in html
    for action in ("send", "cancel", "pay"):
        assert web.post(f"/admin/invoices/{draft.id}/{action}").status_code in (404, 405)
    assert stored(draft.id).status.value == "draft"
    assert web.get("/admin/invoices.csv").status_code == 404


def test_a_student_has_no_invoice_pages(web, family):
    invoice = new_invoice(family.tutor, family.student, send=True)
    web.login(family.student.username)
    for path in (
        "/student/invoices",
        f"/student/invoices/{invoice.id}",
        "/student/invoices.csv",
        "/student/payments/1",
    ):
        assert web.get(path).status_code == 404, path
    for path in ("/tutor/invoices", "/parent/invoices", "/admin/invoices"):
        assert web.get(path).status_code == 403, path


def test_nav_links_to_invoices(web, family):
    for user, href in (
        (family.tutor, "/tutor/invoices"),
        (family.parent, "/parent/invoices"),
        (family.admin, "/admin/invoices"),
    ):
        web.login(user.username)
        assert f'href="{href}"' in web.get(href).get_data(as_text=True)
        web.logout()


# --- cost -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "path"),
    [("tutor", "/tutor/invoices"), ("parent", "/parent/invoices"), ("admin", "/admin/invoices")],
)
def test_list_queries_do_not_grow_with_the_number_of_invoices(
    web, app, family, make_user, who, path
):
    from thebot.services import links

    web.login(getattr(family, who).username)

    def queries() -> int:
        with count_queries(app) as statements:
            assert web.get(path).status_code == 200
        return len(statements)

    new_invoice(family.tutor, family.student, description="First", send=True)
    before = queries()
    for n in range(4):
        parent = make_user("parent")
        student = make_user("student")
        links.set_links(family.admin, student.id, tutor_id=family.tutor.id, parent_id=parent.id)
        new_invoice(family.tutor, student, description=f"Other family {n}", send=True)
        new_invoice(family.tutor, family.student, description=f"More {n}", send=True)
    assert queries() == before
