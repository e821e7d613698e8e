"""A person's view of the notification centre in real Chromium: the bell's count rises live
when something notifies them, and the list page marks notifications read."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import expect

from tests.support.browser import browser_login
from tests.support.data import draft_report
from tests.support.http import api_token

BADGE = "[data-notification-bell] [data-notification-count]"


def _socket_ready(page) -> None:
    page.wait_for_function(
        "() => window.TheBot && TheBot.notificationSocket && TheBot.notificationSocket().connected"
    )


def _send(live_server, family, summary):
    report = draft_report(family.tutor, family.student, summary=summary)
    response = requests.post(
        f"{live_server.url}/api/v1/reports/{report.id}/send",
        timeout=10,
        headers={"Authorization": f"Bearer {api_token(family.tutor)}"},
    )
    assert response.status_code == 200, response.text
    return report


@pytest.mark.browser
def test_bell_count_rises_live_and_the_list_marks_read(new_page, live_server, family):
    from thebot.services import notify

    page = new_page()
    browser_login(page, family.parent.username)
    page.goto("/notifications/")
    _socket_ready(page)
    expect(page.locator(BADGE)).to_be_hidden()

    _send(live_server, family, "Geometry <b>clicked</b> this week.")
    expect(page.locator(BADGE)).to_have_text("1")
    live_item = page.locator("[data-test=notifications] li[data-read=false]")
    expect(live_item).to_have_count(1)
    expect(live_item).to_contain_text("Geometry <b>clicked</b> this week.")  # text, not markup

    # The list as the server renders it; "Mark read" is a form post.
    page.reload()
    row = page.locator("[data-test=notifications] li[data-read=false]")
    expect(row).to_have_count(1)
    row.get_by_role("button", name="Mark read").click()
    expect(page.locator("[data-test=notifications] li[data-read=true]")).to_have_count(1)
    expect(page.locator(BADGE)).to_be_hidden()
    assert notify.unread_count(family.parent) == 0


@pytest.mark.browser
def test_a_live_item_marks_read_over_the_socket(new_page, live_server, family):
    from thebot.services import notify

    page = new_page()
    browser_login(page, family.parent.username)
    page.goto("/notifications/")
    _socket_ready(page)
    _send(live_server, family, "First report.")
    expect(page.locator(BADGE)).to_have_text("1")
    page.locator("[data-test=notifications] li[data-read=false]").get_by_role(
        "button", name="Mark read"
    ).click()
    expect(page.locator(BADGE)).to_be_hidden()
    expect(page.locator("[data-test=notifications] li[data-read=true]")).to_have_count(1)
    assert notify.unread_count(family.parent) == 0


@pytest.mark.browser
def test_bell_on_a_phone_sized_screen_leads_to_the_list(new_page, live_server, family):
    from thebot.extensions import db
    from thebot.services import notify

    page = new_page(viewport={"width": 375, "height": 740})
    notify.notify(family.parent, "lesson_changed", title="Lesson moved to Friday")
    notify.notify(
        family.parent,
        "homework_graded",
        title="Homework graded: 9/10",
        url="/notifications/settings",
    )
    db.session.commit()
    browser_login(page, family.parent.username)
    bell = page.locator("[data-notification-bell]")
    expect(bell).to_be_visible()
    expect(page.locator(BADGE)).to_have_text("2")
    bell.click()
    expect(page).to_have_url(f"{live_server.url}/notifications/")
    page.get_by_role("button", name="Homework graded: 9/10").click()
    expect(page).to_have_url(f"{live_server.url}/notifications/settings")
    expect(page.locator(BADGE)).to_have_text("1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
