"""Weekly reports in real Chromium: a parent's open inbox receives a report the moment the tutor
(in a second browser) clicks Send, and the tutor's list shows it read, without a reload, as soon
as the parent opens it. The second guardian, who is not the stored recipient, sees it "new" too
(the server's per-viewer is_new), and "read" with the counter back to none once the parent
reads it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import browser_login
from tests.support.data import new_family

pytestmark = pytest.mark.browser
WEEK = "2025-03-03"


def test_a_sent_report_appears_live_and_its_reading_shows_live(new_page, demo, ctx, make_user):
    from thebot.services import links
    from thebot.services.reports import writing

    # A family of its own, with markup in the child's name: it must show as text.
    child, parent = new_family(demo.tutor, student_name="Lev <i>Orlov</i>")
    guardian = make_user("parent", "lev-guardian", full_name="Gleb Orlov")
    links.set_links(demo.tutor, child.user.id, guardian_id=guardian.id)
    report = writing.create_report(
        demo.tutor,
        kind="tutor",
        student_id=child.user.id,
        week_start=WEEK,
        fields={"summary": "Lev's first week."},
    )

    inbox = new_page(viewport={"width": 390, "height": 844})  # the parent on a phone
    browser_login(inbox, parent.username, parent.password)
    inbox.goto("/parent/reports")
    expect(inbox.locator("[data-live-state]")).to_be_visible()
    expect(inbox.locator(f'tr[data-report-id="{report.id}"]')).to_have_count(0)
    inbox.evaluate("window.stillTheSamePage = true")
    second = new_page()  # the second guardian: not the stored recipient, a reader all the same
    browser_login(second, "lev-guardian")
    second.goto("/parent/reports")
    expect(second.locator("[data-live-state]")).to_be_visible()

    tutor = new_page()
    browser_login(tutor, "tutor")
    tutor.goto(f"/tutor/reports/{report.id}")
    expect(tutor.locator("[data-test=recipient]")).to_contain_text("Olga Orlova (when sent)")
    tutor.click("[data-test=send]")
    expect(tutor.locator(".flash-success")).to_contain_text("The report is sent.")

    row = inbox.locator(f'tr[data-report-id="{report.id}"]')
    expect(row).to_be_visible()
    expect(row).to_contain_text("Lev <i>Orlov</i>")  # literal text, not markup
    expect(row.locator("i")).to_have_count(0)
    expect(row).to_contain_text("Tatiana Smirnova")
    expect(row.locator(f'[data-report-status="{report.id}"]')).to_have_text("new")
    assert inbox.evaluate("window.stillTheSamePage") is True
    second_status = second.locator(f'[data-report-status="{report.id}"]')
    expect(second_status).to_have_text("new")
    expect(second.locator("[data-test=unread-count]")).to_have_text("1 new")

    tutor.goto("/tutor/reports")
    expect(tutor.locator("[data-live-state]")).to_be_visible()
    status = tutor.locator(f'[data-report-status="{report.id}"]')
    expect(status).to_have_text("sent")
    tutor.evaluate("window.stillTheSamePage = true")

    row.locator("a").click()
    expect(inbox.locator("[data-test=summary]")).to_contain_text("Lev's first week.")

    expect(status).to_have_text("read")
    assert tutor.evaluate("window.stillTheSamePage") is True
    expect(second_status).to_have_text("read")  # read by the other guardian: new for nobody
    expect(second.locator("[data-test=unread-count]")).to_be_hidden()
