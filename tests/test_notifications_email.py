"""The e-mail channel: content (text and HTML parts, recipient, subject) through a real local
SMTP server (aiosmtpd), settings honoured, the development log when MAIL_SERVER is unset, and a
failing SMTP server that neither blocks nor undoes the action and is logged once."""

from __future__ import annotations

import logging
import time

import pytest
import requests
from aiosmtpd.controller import Controller

from tests.support.data import draft_report
from tests.support.http import api_token
from tests.support.mail import Sink, mail_parts
from tests.support.servers import free_port

PUBLIC_URL = "https://thebot.example"  # BASE_URL: links in e-mails, whatever the request's Host


@pytest.fixture(scope="module")
def smtp_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def mail_server(start_server, smtp_port):
    """A server process whose MAIL_SERVER/MAIL_PORT point at the local SMTP port."""
    return start_server(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_port, BASE_URL=PUBLIC_URL)


@pytest.fixture
def smtp_sink(smtp_port):
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    yield sink
    controller.stop()


def _send_report(server, family, summary):
    report = draft_report(family.tutor, family.student, summary=summary)
    response = requests.post(
        f"{server.url}/api/v1/reports/{report.id}/send",
        timeout=10,
        headers={"Authorization": f"Bearer {api_token(family.tutor)}"},
    )
    return report, response


def test_report_email_reaches_the_recipient_with_text_and_html(mail_server, smtp_sink, family):
    start = len(mail_server.log_text())
    report, response = _send_report(mail_server, family, "Fractions <b>solid</b>; keep going.")
    assert response.status_code == 200, response.text
    [(recipients, message)] = smtp_sink.wait_for(1)
    assert recipients == [family.parent.email]
    assert message["To"] == family.parent.email
    week = f"{report.week_start:%b} {report.week_start.day}, {report.week_start.year}"
    assert message["Subject"] == f"THE BOT: New report: Sam Student, week of {week}"
    assert "no-reply@thebot.local" in message["From"]
    parts = mail_parts(message)
    assert set(parts) == {"text/plain", "text/html"}
    link = f"{PUBLIC_URL}/parent/reports/{report.id}"
    text, html = parts["text/plain"], parts["text/html"]
    assert "Hello, Paula Parent!" in text and "Fractions <b>solid</b>; keep going." in text
    assert link in text
    assert "Fractions &lt;b&gt;solid&lt;/b&gt;; keep going." in html and "<b>solid" not in html
    assert f'href="{link}"' in html and "Hello, Paula Parent!" in html
    # The SMTP session ends (QUIT) after the message is accepted: wait for it before the sink stops.
    sent = f"notification e-mail sent to user {family.parent.id} (report_sent)"
    assert sent in _wait_for_log(mail_server, sent, start)


def _wait_for_log(server, line: str, start: int = 0) -> str:
    """The server's log from `start` once `line` is in it (or when the wait gives up)."""
    deadline = time.monotonic() + 20
    while line not in server.log_text()[start:] and time.monotonic() < deadline:
        time.sleep(0.2)
    return server.log_text()[start:]


def test_failing_smtp_server_neither_blocks_nor_undoes_the_action(mail_server, family):
    # Nothing listens on the SMTP port in this test.
    from thebot.extensions import db
    from thebot.models import Report
    from thebot.services import notify

    start = len(mail_server.log_text())
    report, response = _send_report(mail_server, family, "Sent while the mail server is down.")
    assert response.status_code == 200 and response.json()["report"]["status"] == "sent"
    db.session.expire_all()
    assert db.session.get(Report, report.id).status.value == "sent"
    assert [n.kind for n in notify.list_for(family.parent)] == ["report_sent"]
    failure = f"notification e-mail to user {family.parent.id} (report_sent) failed"
    log = _wait_for_log(mail_server, failure, start)
    assert log.count(failure) == 1, log
    after = log[log.index(failure) :]
    assert after.count("Traceback (most recent call last)") == 1
    assert "ConnectionRefusedError" in after


# --- in process: the channel decision and the development log ---------------------------------


@pytest.fixture
def mail_log(caplog):
    caplog.set_level(logging.INFO, logger="thebot.services.mailer")
    return caplog


def _logged_mails(caplog) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "thebot.services.mailer" and "MAIL_SERVER unset" in r.getMessage()
    ]


def test_without_mail_server_the_email_is_printed_to_the_log(ctx, family, mail_log):
    from thebot.extensions import db
    from thebot.services import notify

    assert not ctx.config.get("MAIL_SERVER")
    notify.notify(
        family.parent,
        "invoice_sent",
        title="Invoice for May",
        body="Due 1 June",
        url="/parent/invoices/5",
    )
    assert _logged_mails(mail_log) == []  # nothing before the commit
    db.session.commit()
    [logged] = _logged_mails(mail_log)
    assert f"To: {family.parent.email}" in logged
    assert "Subject: THE BOT: Invoice for May" in logged and "Due 1 June" in logged
    assert f"{ctx.config['BASE_URL']}/parent/invoices/5" in logged


def test_email_follows_its_own_switch_and_needs_an_address(ctx, family, mail_log):
    from thebot.extensions import db
    from thebot.services import notify

    notify.update_settings(family.parent, {"billing": {"email": False}})
    notify.update_settings(family.tutor, {"lessons": {"in_app": False}})
    notify.notify(family.parent, "invoice_paid", title="Paid")  # e-mail off
    notify.notify(family.student, "homework_set", title="Homework")  # no address
    notify.notify(family.tutor, "lesson_cancelled", title="Cancelled")  # in-app off, e-mail on
    notify.notify(family.parent, "message", title="Chat")  # chat: e-mail off
    db.session.commit()
    logged = _logged_mails(mail_log)
    assert len(logged) == 1 and f"To: {family.tutor.email}" in logged[0]
    assert notify.list_for(family.tutor) == []


def test_deduplicated_notifications_mail_once_until_read(ctx, family, mail_log):
    from thebot.extensions import db
    from thebot.services import notify

    notify.update_settings(family.parent, {"chat": {"email": True}})
    for _ in range(3):
        notify.notify(family.parent, "message", title="New message", dedupe_key="room:9")
        db.session.commit()
    assert len(_logged_mails(mail_log)) == 1
