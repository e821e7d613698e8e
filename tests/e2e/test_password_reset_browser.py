"""The forgotten-password path in real Chromium: "Forgot password?" on the sign-in page, the
e-mail caught by a real local SMTP server, its link followed, and the new password signs in."""

from __future__ import annotations

import re

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import expect

from tests.support.browser import browser_login
from tests.support.mail import Sink, mail_parts
from tests.support.servers import free_port

NEW = "chosen-in-the-browser"


@pytest.fixture(scope="module")
def smtp_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def mail_server(start_server, smtp_port):
    """A server process whose mail goes to the local SMTP port (its links on its own address)."""
    return start_server(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_port)


@pytest.fixture
def smtp_sink(smtp_port):
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    yield sink
    controller.stop()


@pytest.mark.browser
def test_the_mailed_link_sets_a_password_that_signs_in(chromium, mail_server, smtp_sink, make_user):
    user = make_user("parent", email="browser-reset@example.test", full_name="Rita Reset")
    context = chromium.new_context(base_url=mail_server.url, locale="en")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto("/auth/login")
        page.click("[data-test=forgot-password]")
        page.fill("input[name=login]", "browser-reset@example.test")
        page.click("[data-test=send-reset]")
        expect(page.locator("[data-test=reset-sent]")).to_contain_text("on its way")

        [(recipients, message)] = smtp_sink.wait_for(1)
        assert recipients == ["browser-reset@example.test"]
        parts = mail_parts(message)
        assert "Rita Reset" in parts["text/plain"] and "Set a new password" in parts["text/html"]
        [link] = re.findall(r"http://\S+/auth/reset/\S+", parts["text/plain"])
        assert link.startswith(mail_server.url)

        page.goto(link)
        page.fill("input[name=password]", NEW)
        page.fill("input[name=confirm]", NEW)
        page.click("[data-test=set-password]")
        expect(page.locator("body")).to_contain_text("Your password is changed")

        browser_login(page, user.username, NEW)
        expect(page).to_have_url(re.compile(r"/parent/"))
        page.goto(link)  # used: the link is dead
        expect(page.locator("[data-test=link-error]")).to_contain_text("already used")
    finally:
        context.close()
