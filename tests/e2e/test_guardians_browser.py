"""A second guardian in real Chromium: signs in, opens the child's page, opens the tutor's report
(which marks it read for the tutor, live), and pays an invoice billed to the primary parent
through the fake checkout; the tutor's invoice page shows it paid, still billed to the parent."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support.browser import browser_login
from tests.support.data import draft_report
from tests.support.guardians import guardian_family, sent_invoice

pytestmark = pytest.mark.browser


@pytest.fixture
def fam(ctx, make_user):
    return guardian_family(make_user)


def test_a_guardian_opens_the_child_reads_a_report_and_pays(new_page, fam):
    from thebot.extensions import db
    from thebot.models import Invoice, Report
    from thebot.services.reports import writing

    report = draft_report(fam.tutor, fam.student, "Fractions are solid now.")
    writing.send_report(fam.tutor, report.id)
    invoice = sent_invoice(fam.tutor, fam.student, "1250.00", "November sessions")

    guardian = new_page(viewport={"width": 390, "height": 844})  # on a phone
    browser_login(guardian, "g-guardian")
    guardian.goto("/parent/")
    expect(guardian.locator("main")).to_contain_text("Sam Student")
    guardian.goto(f"/parent/children/{fam.student.id}")
    expect(guardian.locator("h1")).to_contain_text("Sam Student")
    expect(guardian.locator("main")).to_contain_text(fam.subject_name)

    tutor = new_page()
    browser_login(tutor, "g-tutor")
    tutor.goto("/tutor/reports")
    expect(tutor.locator("[data-live-state]")).to_be_visible()
    status = tutor.locator(f'[data-report-status="{report.id}"]')
    expect(status).to_have_text("sent")

    guardian.goto("/parent/reports")
    row = guardian.locator(f'tr[data-report-id="{report.id}"]')
    expect(row.locator(f'[data-report-status="{report.id}"]')).to_have_text("new")
    row.locator("a").click()
    expect(guardian.locator("[data-test=summary]")).to_contain_text("Fractions are solid now.")
    expect(status).to_have_text("read")  # live on the tutor's list
    db.session.expire_all()
    assert db.session.get(Report, report.id).status.value == "read"

    guardian.goto(f"/parent/invoices/{invoice.id}")
    expect(guardian.locator(f'[data-invoice-status="{invoice.id}"]')).to_have_text("viewed")
    expect(guardian.locator("[data-test=parent]")).to_have_text("Paula Parent")  # billed to
    guardian.click("[data-test=pay]")
    expect(guardian.locator("[data-test=checkout]")).to_be_visible()
    guardian.click("[data-test=checkout-pay]")
    expect(guardian).to_have_url(re.compile(r"/parent/payments/\d+$"))
    expect(guardian.locator("[data-payment-state=succeeded]")).to_be_visible()

    tutor.goto(f"/tutor/invoices/{invoice.id}")
    expect(tutor.locator(f'[data-invoice-status="{invoice.id}"]')).to_have_text("paid")
    expect(tutor.locator("[data-test=parent]")).to_have_text("Paula Parent")
    db.session.expire_all()
    paid = db.session.get(Invoice, invoice.id)
    assert paid.status.value == "paid" and paid.parent_id == fam.parent.id
