"""A family member's invitation end to end: the tutor creates the family in Chromium, the
e-mail reaches a real local SMTP server (aiosmtpd), its link (on BASE_URL) is followed over HTTP
and in Chromium, the password chosen there signs in, and the link is then used up."""

from __future__ import annotations

import re

import pytest
import requests
from aiosmtpd.controller import Controller
from playwright.sync_api import expect

from tests.support.browser import browser_login
from tests.support.mail import Sink, mail_parts
from tests.support.servers import free_port

PUBLIC_URL = "https://thebot.example"
LINK_RE = re.compile(re.escape(PUBLIC_URL) + r"(/auth/invite/[A-Za-z0-9_.-]+)")


@pytest.fixture
def smtp_sink():
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield sink, controller.port
    controller.stop()


def test_an_invited_parent_chooses_a_password_in_chromium_and_signs_in(
    chromium, start_server, demo, smtp_sink
):
    sink, port = smtp_sink
    server = start_server(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, BASE_URL=PUBLIC_URL)
    context = chromium.new_context(base_url=server.url, locale="en")
    context.set_default_timeout(10_000)
    try:
        tutor = context.new_page()
        browser_login(tutor, "tutor")
        tutor.goto("/tutor/students/new")
        tutor.fill("input[name=student_name]", "Vera Invited")
        tutor.fill("input[name=parent_name]", "Nina Invited")
        tutor.fill("input[name=parent_email]", "nina@example.org")
        tutor.click("main form button[type=submit]")
        expect(tutor.locator("[data-test=invited-parent]")).to_contain_text("nina@example.org")
        expect(tutor.locator("[data-test=credentials-student]")).to_be_visible()
        [(recipients, message)] = sink.wait_for(1)
        assert recipients == ["nina@example.org"]
        assert message["Subject"] == "THE BOT: choose your password"
        parts = mail_parts(message)
        path = LINK_RE.search(parts["text/plain"]).group(1)
        assert f'href="{PUBLIC_URL}{path}"' in parts["text/html"]
        assert "nina.invited" in parts["text/plain"]
        # over HTTP: the link opens the form, without caching or leaking the token onwards
        answer = requests.get(server.url + path, timeout=10)
        assert answer.status_code == 200 and 'data-test="invite-form"' in answer.text
        assert answer.headers["Cache-Control"] == "no-store"
        # in Chromium: choose the password, then sign in with it by e-mail
        parent = context.browser.new_context(base_url=server.url, locale="en").new_page()
        parent.goto(path)
        expect(parent.locator("[data-test=username]")).to_have_text("nina.invited")
        parent.fill("input[name=password]", "my-own-secret-9")
        parent.fill("input[name=confirm]", "my-own-secret-9")
        parent.click("[data-test=invite-form] button[type=submit]")
        expect(parent).to_have_url(re.compile(r"/auth/login$"))
        expect(parent.locator("body")).to_contain_text("Your password is set")
        browser_login(parent, "nina@example.org", "my-own-secret-9")
        expect(parent).to_have_url(re.compile(r"/parent/$"))
        expect(parent.locator("main")).to_contain_text("Vera Invited")
        parent.goto(path)
        expect(parent.locator("[data-test=invite-gone]")).to_be_visible()
        parent.context.close()
    finally:
        context.close()
        server.stop()
