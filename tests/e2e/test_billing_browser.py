"""Invoices in real Chromium: the tutor creates and sends an invoice, the parent's open invoices
page (on a phone) shows it the moment it is sent, the parent pays through the fake checkout and
the return page shows the result, and the tutor's open list shows "viewed" and then "paid" with
its totals, all without a reload."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.support.browser import browser_login

pytestmark = pytest.mark.browser


def test_an_invoice_is_sent_seen_and_paid_live(new_page, family):
    parent = new_page(viewport={"width": 390, "height": 844})  # the parent on a phone
    browser_login(parent, family.parent.username)
    parent.goto("/parent/invoices")
    expect(parent.locator("[data-live-state]")).to_be_visible()
    open_list = parent.locator("[data-test=open-invoices]")
    expect(open_list.locator("tr[data-invoice-id]")).to_have_count(0)
    parent.evaluate("window.stillTheSamePage = true")

    tutor = new_page()
    browser_login(tutor, family.tutor.username)
    tutor.goto("/tutor/invoices")
    expect(tutor.locator("[data-live-state]")).to_be_visible()
    tutor.evaluate("window.stillTheSamePage = true")

    composer = new_page()
    browser_login(composer, family.tutor.username)
    composer.goto("/tutor/invoices/new")
    composer.select_option("select[name=student_id]", str(family.student.id))
    expect(composer.locator("select[name=student_id] option:checked")).to_have_text(
        "Sam Student → bill Paula Parent"
    )
    composer.fill("input[name=amount]", "2450.50")
    composer.fill("textarea[name=description]", "October <b>lessons</b>")
    composer.click("[data-test=create]")
    expect(composer.locator(".flash-success")).to_contain_text("saved as a draft")
    invoice_id = int(composer.locator("[data-invoice-detail]").get_attribute("data-invoice-detail"))

    # The tutor's open list got the new draft, and the draft total counts it.
    row = tutor.locator(f'tr[data-invoice-id="{invoice_id}"]')
    expect(row).to_be_visible()
    expect(row.locator(f'[data-invoice-status="{invoice_id}"]')).to_have_text("draft")
    expect(tutor.locator("[data-test=total-draft] [data-total-amount]")).to_have_text(
        "RUB 2,450.50"
    )

    composer.click("[data-test=send]")
    expect(composer.locator(".flash-success")).to_contain_text("The invoice is sent.")

    arrived = open_list.locator(f'tr[data-invoice-id="{invoice_id}"]')
    expect(arrived).to_be_visible()
    expect(arrived).to_contain_text("October <b>lessons</b>")  # literal text, not markup
    expect(arrived.locator("b")).to_have_count(0)
    expect(arrived).to_contain_text("RUB 2,450.50")
    expect(arrived.locator(f'[data-invoice-status="{invoice_id}"]')).to_have_text("sent")
    expect(parent.locator("[data-test=total-sent-viewed] [data-total-amount]")).to_have_text(
        "RUB 2,450.50"
    )
    assert parent.evaluate("window.stillTheSamePage") is True
    expect(row.locator(f'[data-invoice-status="{invoice_id}"]')).to_have_text("sent")

    arrived.locator("a").click()
    expect(parent.locator(f'[data-invoice-status="{invoice_id}"]')).to_have_text("viewed")
    expect(row.locator(f'[data-invoice-status="{invoice_id}"]')).to_have_text("viewed")

    parent.click("[data-test=pay]")
    expect(parent.locator("[data-test=checkout]")).to_be_visible()
    parent.click("[data-test=checkout-pay]")
    expect(parent).to_have_url(re.compile(r"/parent/payments/\d+$"))
    expect(parent.locator("[data-payment-state=succeeded]")).to_be_visible()
    expect(parent.locator("[data-payment-state=pending]")).to_be_hidden()

    expect(row.locator(f'[data-invoice-status="{invoice_id}"]')).to_have_text("paid")
    expect(tutor.locator("[data-test=total-paid] [data-total-amount]")).to_have_text("RUB 2,450.50")
    expect(tutor.locator("[data-test=total-viewed] [data-total-count]")).to_have_text("0 invoices")
    this_month = tutor.locator("[data-revenue-chart] [data-month]").last
    expect(this_month.locator("[data-bar-value]")).to_have_text("RUB 2,450.50")
    assert tutor.evaluate("window.stillTheSamePage") is True


def test_the_return_page_and_the_parents_lists_follow_changes_live(new_page, family):
    from thebot.services.billing import invoices, payments

    first = invoices.create_invoice(
        family.tutor,
        student_id=family.student.id,
        amount="900.00",
        description="Chess club",
        due_date=date.today(),
    )
    invoices.send_invoice(family.tutor, first.id)
    second = invoices.create_invoice(
        family.tutor,
        student_id=family.student.id,
        amount="300.00",
        description="Books",
        due_date=date.today(),
    )
    invoices.send_invoice(family.tutor, second.id)
    payment = payments.start_payment(family.parent, first.id)

    parent = new_page(viewport={"width": 390, "height": 844})
    browser_login(parent, family.parent.username)
    parent.goto(f"/parent/payments/{payment.id}")
    expect(parent.locator("[data-payment-state=pending]")).to_be_visible()
    parent.evaluate("window.stillTheSamePage = true")
    payments.payment_succeeded(payment.id, amount=Decimal("900.00"))  # the provider's word
    expect(parent.locator("[data-payment-state=succeeded]")).to_be_visible()
    expect(parent.locator("[data-payment-state=pending]")).to_be_hidden()
    assert parent.evaluate("window.stillTheSamePage") is True

    parent.goto("/parent/invoices")
    expect(parent.locator("[data-live-state]")).to_be_visible()
    open_row = parent.locator(f'[data-test=open-invoices] tr[data-invoice-id="{second.id}"]')
    expect(open_row).to_be_visible()
    expect(parent.locator("[data-test=total-sent-viewed] [data-total-amount]")).to_have_text(
        "RUB 300.00"
    )
    parent.evaluate("window.stillTheSamePage = true")

    tutor = new_page()
    browser_login(tutor, family.tutor.username)
    tutor.goto(f"/tutor/invoices/{second.id}")
    tutor.click("[data-test=cancel-box] summary")
    tutor.fill("textarea[name=reason]", "Bought elsewhere")
    tutor.once("dialog", lambda dialog: dialog.accept())
    tutor.click("[data-test=cancel]")
    expect(tutor.locator(".flash-success")).to_contain_text("The invoice is cancelled.")

    past_row = parent.locator(f'[data-test=past-invoices] tr[data-invoice-id="{second.id}"]')
    expect(past_row).to_be_visible()
    expect(past_row.locator(f'[data-invoice-status="{second.id}"]')).to_have_text("cancelled")
    expect(open_row).to_have_count(0)
    expect(parent.locator("[data-test=open-invoices] tr.empty")).to_be_visible()
    expect(parent.locator("[data-test=total-sent-viewed] [data-total-amount]")).to_have_text(
        "RUB 0.00"
    )
    # Newest first: the cancelled invoice lands above the one paid before it.
    ids = parent.locator("[data-test=past-invoices] tr[data-invoice-id]").evaluate_all(
        "rows => rows.map((row) => Number(row.dataset.invoiceId))"
    )
    assert ids == [second.id, first.id]
    assert parent.evaluate("window.stillTheSamePage") is True
