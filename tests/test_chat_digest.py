"""The chat digest (issue 11, point 7): one e-mail for every room a member has left unread,
through the digest service and a real local SMTP server (aiosmtpd); the per-category setting
(default on for parents, off for everyone else) on the settings page and API; at most one digest
per gap, every message reported once; rounds racing in threads and, on PostgreSQL, against a
claim held by another connection; the loop of a real server process and the CLI's one round.

Time moves through the round's `now` (messages are stored now; the round looks from later).
"""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from datetime import timedelta

import pytest
import requests
from aiosmtpd.controller import Controller

from tests.support.app import only_on_postgres
from tests.support.http import api_token, text_of
from tests.support.mail import Sink, mail_parts
from tests.support.servers import free_port

PUBLIC_URL = "https://thebot.example"  # BASE_URL: every link in the e-mail starts with it
SENT = "e-mail chat_digest sent"


# --- fixtures and helpers ---------------------------------------------------------------------


class _Sent(logging.Handler):
    """Counts the mailer's "sent" records (from its background threads)."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.count = 0

    def emit(self, record):
        if record.getMessage() == SENT:
            self.count += 1


@pytest.fixture
def smtp(ctx, caplog):
    """A local SMTP server the service app mails through (MAIL_SERVER/MAIL_PORT/BASE_URL set for
    the test, Flask-Mail re-initialised with them), the sink of what it accepted."""
    from thebot.extensions import mail

    caplog.set_level(logging.INFO, logger="thebot.services.mailer")
    sent = _Sent()
    logging.getLogger("thebot.services.mailer").addHandler(sent)
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    saved = {key: ctx.config.get(key) for key in ("MAIL_SERVER", "MAIL_PORT", "BASE_URL")}
    ctx.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, BASE_URL=PUBLIC_URL)
    mail.init_app(ctx)
    try:
        yield sink
        # Every e-mail handed to a background task has finished its SMTP session.
        deadline = time.monotonic() + 10
        while sent.count < len(sink.messages) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sent.count == len(sink.messages)
    finally:
        logging.getLogger("thebot.services.mailer").removeHandler(sent)
        ctx.config.update(saved)
        mail.init_app(ctx)
        controller.stop()


def _quiet(sink: Sink, count: int, wait: float = 0.5) -> list:
    """The sink's messages once nothing more arrives for `wait` seconds; exactly `count`."""
    time.sleep(wait)
    messages = sink.wait_for(count)
    assert len(messages) == count, [m["Subject"] for _r, m in messages]
    return messages


def _later(minutes: float):
    from thebot.models.base import utcnow

    return utcnow() + timedelta(minutes=minutes)


def _round(minutes: float = 31):
    """One digest round as seen `minutes` from now; the ids of the users it mailed."""
    from thebot.services.chat import digest

    return digest.send_digests(now=_later(minutes)).mailed


def _say(user, room_id: int, text: str) -> int:
    from thebot.services.chat import messages

    return messages.send_message(user, room_id, text)["id"]


@pytest.fixture
def rooms(family):
    """The family's tutor room (student, tutor, parent) and the parent–tutor direct room."""
    from thebot.services.chat import rooms as chat_rooms

    tutor_room = next(r for r in chat_rooms.rooms_of(family.parent) if r["kind"] == "tutor")
    direct = chat_rooms.open_direct_room(family.parent, family.tutor.id)
    return {"tutor": tutor_room["id"], "direct": direct["id"]}


@pytest.fixture
def teacher(family, make_user):
    """A Maths teacher (with an e-mail) of the family's student: a subject room of the three."""
    from thebot.services import learning
    from thebot.services.chat import rooms as chat_rooms

    teacher = make_user(
        "teacher",
        email=f"teacher-{uuid.uuid4().hex[:6]}@example.test",
        full_name="Mark Maths",
        subjects="Maths",
    )
    maths = learning.create_subject(family.admin, "Maths")
    learning.enroll(
        family.admin, student_id=family.student.id, subject_id=maths.id, teacher_id=teacher.id
    )
    room = next(r for r in chat_rooms.rooms_of(teacher) if r["kind"] == "subject")
    teacher.room_id = room["id"]
    return teacher


# --- what the e-mail says ---------------------------------------------------------------------


def test_parent_gets_one_digest_of_every_unread_room_in_their_language(family, rooms, smtp):
    from thebot.services import accounts

    accounts.set_locale(family.parent, "ru")
    _say(family.parent, rooms["tutor"], "My own words are not news to me")
    _say(family.tutor, rooms["tutor"], "Fractions <b>today</b>")
    _say(family.student, rooms["tutor"], "I did the homework")
    _say(family.tutor, rooms["tutor"], "Great!")
    _say(family.tutor, rooms["direct"], "Can we move Tuesday?")

    assert _round(minutes=29) == []  # not yet: nothing has been unread for 30 minutes
    assert _round() == [family.parent.id]  # the tutor (default off) and the student are not
    [(recipients, message)] = smtp.wait_for(1)
    assert recipients == [family.parent.email]
    assert message["To"] == family.parent.email
    assert message["Subject"] == "THE BOT: 4 непрочитанных сообщения в ваших чатах"
    parts = mail_parts(message)
    assert set(parts) == {"text/plain", "text/html"}
    text, html = parts["text/plain"].replace("\r\n", "\n"), parts["text/html"]
    tutor_link = f"{PUBLIC_URL}/chat/?room={rooms['tutor']}"
    direct_link = f"{PUBLIC_URL}/chat/?room={rooms['direct']}"
    assert "Здравствуйте, Paula Parent!" in text
    assert "У вас 4 непрочитанных сообщения в чатах THE BOT:" in text
    # The newest conversation first, each with its count and link.
    assert (
        f"- Tess Tutor: 1 новое сообщение\n  {direct_link}\n\n"
        f"- Sam Student · Репетитор: 3 новых сообщения\n  {tutor_link}\n"
    ) in text
    assert f"{PUBLIC_URL}/notifications/settings" in text
    assert "Fractions" not in text  # a digest names rooms, never message text
    assert f'<a href="{tutor_link}" style="color:#3056d3;">Sam Student · Репетитор</a>' in html
    assert f'<a href="{direct_link}" style="color:#3056d3;">Tess Tutor</a>' in html
    assert "3 новых сообщения" in html and "1 новое сообщение" in html
    assert f'href="{PUBLIC_URL}/notifications/settings"' in html

    assert _round() == []  # a second round: everything is reported already
    _quiet(smtp, 1)


def test_names_in_the_digest_are_escaped_in_html(family, rooms, smtp):
    from thebot.services import accounts

    accounts.update_user(
        family.admin, family.tutor.id, full_name="Tess <i>Tutor</i>", email=family.tutor.email
    )
    _say(family.tutor, rooms["direct"], "Hello")
    assert _round() == [family.parent.id]
    [(_to, message)] = smtp.wait_for(1)
    html = mail_parts(message)["text/html"]
    assert "Tess &lt;i&gt;Tutor&lt;/i&gt;" in html and "<i>Tutor" not in html
    assert "- Tess <i>Tutor</i>: 1 new message" in mail_parts(message)["text/plain"]  # plain text
    assert message["Subject"] == "THE BOT: 1 unread message in your chats"


# --- once per message, once per gap -----------------------------------------------------------


def test_new_messages_bring_a_new_digest_only_after_the_gap(family, rooms, smtp):
    _say(family.tutor, rooms["tutor"], "First")
    assert _round(31) == [family.parent.id]
    _say(family.tutor, rooms["tutor"], "Second")
    _say(family.tutor, rooms["tutor"], "Third")
    assert _round(45) == []  # old enough, but the last digest was 14 minutes ago
    assert _round(60) == []
    assert _round(62) == [family.parent.id]  # 31 minutes after the first digest
    first, second = [message for _to, message in smtp.wait_for(2)]
    assert "1 new message" in mail_parts(first)["text/plain"]
    # Only what the first digest did not report: "First" is never counted again.
    assert "- Sam Student · Tutoring: 2 new messages" in mail_parts(second)["text/plain"]
    assert second["Subject"] == "THE BOT: 2 unread messages in your chats"
    assert _round(200) == []
    _quiet(smtp, 2)


def test_a_read_room_is_not_reported(family, rooms, smtp):
    from thebot.services.chat import reading

    _say(family.tutor, rooms["tutor"], "In the tutor room")
    last = _say(family.tutor, rooms["direct"], "In the direct room")
    reading.mark_read(family.parent, rooms["direct"], last)
    assert _round() == [family.parent.id]
    [(_to, message)] = smtp.wait_for(1)
    text = mail_parts(message)["text/plain"]
    assert f"/chat/?room={rooms['tutor']}" in text
    assert f"/chat/?room={rooms['direct']}" not in text and "Tess Tutor:" not in text


def test_everything_read_own_or_deleted_means_no_digest(family, rooms, smtp):
    from thebot.services.chat import messages, reading

    _say(family.parent, rooms["tutor"], "Only my own message here")
    gone = _say(family.tutor, rooms["direct"], "Sent by mistake")
    messages.delete_message(family.tutor, gone)
    last = _say(family.tutor, rooms["tutor"], "Read at once")
    reading.mark_read(family.parent, rooms["tutor"], last)
    assert _round() == []
    _quiet(smtp, 0)


# --- who gets one -----------------------------------------------------------------------------


def test_a_parent_who_switched_it_off_gets_nothing(family, rooms, smtp):
    from thebot.services import notify

    notify.update_settings(family.parent, {"chat_digest": {"email": False}})
    _say(family.tutor, rooms["tutor"], "Hello")
    assert _round() == []
    notify.update_settings(family.parent, {"chat_digest": {"email": True}})
    assert _round() == [family.parent.id]  # the same messages, now that it is on
    smtp.wait_for(1)


def test_a_teacher_gets_nothing_until_they_switch_it_on_in_the_api(web, family, teacher, smtp):
    token = api_token(teacher)
    got = web.api("GET", "/api/v1/notifications/settings", token=token).get_json()
    assert got["categories"]["chat_digest"] == {"in_app": False, "email": False}
    _say(family.parent, teacher.room_id, "A question about Maths")
    assert _round() == []
    put = web.api(
        "PUT",
        "/api/v1/notifications/settings",
        {"categories": {"chat_digest": {"email": True}}},
        token=token,
    )
    assert put.status_code == 200
    assert put.get_json()["categories"]["chat_digest"] == {"in_app": False, "email": True}
    assert _round() == [teacher.id]
    [(recipients, message)] = smtp.wait_for(1)
    assert recipients == [teacher.email]
    assert "- Sam Student · Maths: 1 new message" in mail_parts(message)["text/plain"]


def _digest_switch(page) -> str:
    """The settings page's digest row has one switch, e-mail (no in-app one): its <input>."""
    html = page.get_data(as_text=True)
    row = re.search(r'<tr data-category="chat_digest">.*?</tr>', html, re.S)
    assert row is not None
    [switch] = re.findall(r"<input[^>]*>", row.group(0))
    assert 'name="chat_digest_email"' in switch
    return switch


def test_a_tutor_switches_it_on_on_the_settings_page(web, family, rooms, smtp):
    web.login(family.tutor.username)
    page = web.get("/notifications/settings")
    assert "checked" not in _digest_switch(page)
    assert "Digest of unread chats" in text_of(page)
    _say(family.parent, rooms["direct"], "Hello from the parent")
    assert _round() == []
    on = {"chat_digest_email": "y", "reports_in_app": "y", "reports_email": "y"}
    saved = web.post("/notifications/settings", on, follow_redirects=True)
    assert "Your notification settings are saved." in text_of(saved)
    assert _round() == [family.tutor.id]
    [(recipients, _message)] = smtp.wait_for(1)
    assert recipients == [family.tutor.email]


def test_a_parents_page_shows_the_digest_on_by_default(web, family):
    web.login(family.parent.username)
    page = web.get("/notifications/settings")
    assert "checked" in _digest_switch(page)


def test_in_app_cannot_be_switched_on_for_the_digest(web, family):
    from thebot.services import notify

    token = api_token(family.parent)
    refused = web.api(
        "PUT",
        "/api/v1/notifications/settings",
        {"categories": {"chat_digest": {"in_app": True}, "reports": {"email": False}}},
        token=token,
    )
    assert refused.status_code == 400
    assert "chat_digest" in refused.get_json()["error"]["fields"]
    settings = notify.settings_for(family.parent)
    assert settings["chat_digest"] == {"in_app": False, "email": True}
    assert settings["reports"]["email"] is True  # nothing saved


def test_no_email_no_digest_and_a_deactivated_account_gets_none(family, rooms, smtp):
    from thebot.services import accounts, notify

    notify.update_settings(family.student, {"chat_digest": {"email": True}})  # but no address
    _say(family.tutor, rooms["tutor"], "For everyone in the room")
    accounts.set_active(family.admin, family.parent.id, False)
    assert _round() == []
    accounts.set_active(family.admin, family.parent.id, True)
    assert _round() == [family.parent.id]
    smtp.wait_for(1)


# --- several processes ------------------------------------------------------------------------


def test_rounds_racing_in_threads_send_one_email(ctx, family, rooms, smtp):
    from thebot.extensions import db
    from thebot.services.chat import digest

    _say(family.tutor, rooms["tutor"], "Hello")
    _say(family.student, rooms["tutor"], "Hi")
    db.session.commit()
    now = _later(31)
    start = threading.Barrier(3)
    results: list[list[int]] = []
    errors: list[BaseException] = []

    def one_round():
        with ctx.app_context():
            start.wait()
            try:
                results.append(digest.send_digests(now=now).mailed)
            except BaseException as exc:  # reported below, outside the thread
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=one_round) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sorted(user for mailed in results for user in mailed) == [family.parent.id]
    _quiet(smtp, 1)


def test_a_claim_held_by_another_connection_wins_on_postgres(ctx, family, rooms, smtp):
    """Another process has claimed the parent's digest and not yet committed: this round waits on
    the row, then sees the claim changed and sends nothing."""
    only_on_postgres(ctx)
    from sqlalchemy import text

    from thebot.extensions import db
    from thebot.services.chat import digest

    _say(family.tutor, rooms["tutor"], "Hello")
    db.session.commit()
    now = _later(31)
    outcome: list[list[int]] = []
    with db.engine.connect() as other:
        other.execute(
            text("UPDATE users SET chat_digest_at = :at WHERE id = :id"),
            {"at": now, "id": family.parent.id},
        )  # the other process's claim, its transaction still open

        def one_round():
            with ctx.app_context():
                try:
                    outcome.append(digest.send_digests(now=now).mailed)
                finally:
                    db.session.remove()

        racing = threading.Thread(target=one_round)
        racing.start()
        racing.join(1.5)
        assert racing.is_alive()  # waiting for the other transaction's row lock
        other.commit()
    racing.join(30)
    assert outcome == [[]]
    _quiet(smtp, 0)


# --- the loop of a serving process, and the CLI -----------------------------------------------


@pytest.fixture
def digest_server(start_server):
    """A server process whose digest loop runs every second and mails at once (AFTER 0)."""
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    server = start_server(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=port,
        BASE_URL=PUBLIC_URL,
        CHAT_DIGEST_INTERVAL_SECONDS=1,
        CHAT_DIGEST_AFTER_MINUTES=0,
        CHAT_DIGEST_MIN_GAP_MINUTES=60,
    )
    yield server, sink
    server.stop()  # its loop must not run on into other tests' data
    controller.stop()


def test_a_serving_process_sends_the_digest_by_itself(family, rooms, digest_server):
    server, sink = digest_server
    token = api_token(family.tutor)
    sent = requests.post(
        f"{server.url}/api/v1/chat/rooms/{rooms['tutor']}/messages",
        json={"content": "Sent through the server"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert sent.status_code in (200, 201), sent.text
    [(recipients, message)] = sink.wait_for(1, timeout=20)
    assert recipients == [family.parent.email]
    assert message["Subject"] == "THE BOT: 1 unread message in your chats"
    assert f"{PUBLIC_URL}/chat/?room={rooms['tutor']}" in mail_parts(message)["text/plain"]
    deadline = time.monotonic() + 10
    while "sent 1 chat digest(s)" not in server.log_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "sent 1 chat digest(s)" in server.log_text()
    time.sleep(2.5)  # two more rounds: nothing new
    assert len(sink.messages) == 1


def test_the_cli_runs_one_round(family, rooms, database_url):
    import os
    import subprocess
    import sys

    from tests.support import ROOT

    _say(family.tutor, rooms["direct"], "Seen by the CLI")
    env = {
        **os.environ,
        "THEBOT_ENV": "test",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key",
        "PYTHONWARNINGS": "ignore::DeprecationWarning",
        "CHAT_DIGEST_AFTER_MINUTES": "0",
        "BASE_URL": PUBLIC_URL,
    }
    env.pop("MAIL_SERVER", None)

    def run() -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", "chat", "digest"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    first = run()
    assert first.returncode == 0, first.stderr
    assert "Chat digests sent: 1." in first.stdout
    logged = first.stdout + first.stderr
    assert f"To: {family.parent.email}" in logged
    assert f"{PUBLIC_URL}/chat/?room={rooms['direct']}" in logged
    again = run()
    assert again.returncode == 0 and "Chat digests sent: 0." in again.stdout


# --- the upgrade ------------------------------------------------------------------------------


def test_the_upgrade_starts_existing_members_at_their_rooms_newest_message(tmp_path):
    """Migration 0017 on a database with history: nothing from before the upgrade is mailed."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from thebot import create_app
    from thebot.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}",
            "SECRET_KEY": "test-secret-key",
            "ASYNC_MODE": "threading",
            "SOCKETIO_MESSAGE_QUEUE": None,
        }
    )
    with app.app_context():
        try:
            upgrade(revision="0016")
            with db.engine.begin() as conn:
                for uid, name in ((1, "anna"), (2, "boris"), (3, "vera")):
                    conn.execute(
                        text(
                            "INSERT INTO users (id, username, full_name, role, password_hash, "
                            "active, time_zone, created_at) VALUES (:id, :name, :name, 'parent', "
                            "'x', 1, 'UTC', '2026-01-01 00:00:00')"
                        ),
                        {"id": uid, "name": name},
                    )
                conn.execute(
                    text(
                        "INSERT INTO chat_rooms (id, kind, user_low_id, user_high_id, locked, "
                        "created_at) VALUES (1, 'direct', 1, 2, 0, '2026-01-01 00:00:00'), "
                        "(2, 'direct', 1, 3, 0, '2026-01-01 00:00:00')"
                    )
                )
                for room_id, user_id in ((1, 1), (1, 2), (2, 1)):
                    conn.execute(
                        text(
                            "INSERT INTO chat_members (room_id, user_id, last_read_id, joined_at)"
                            " VALUES (:r, :u, 0, '2026-01-01 00:00:00')"
                        ),
                        {"r": room_id, "u": user_id},
                    )
                for message_id in (1, 2, 3):
                    conn.execute(
                        text(
                            "INSERT INTO chat_messages (id, room_id, sender_id, kind, content, "
                            "created_at) VALUES (:id, 1, 2, 'text', 'old', '2026-01-02 00:00:00')"
                        ),
                        {"id": message_id},
                    )
            upgrade()
            with db.engine.connect() as conn:
                rows = conn.execute(
                    text("SELECT room_id, user_id, digested_id FROM chat_members ORDER BY 1, 2")
                ).all()
                stamps = conn.execute(text("SELECT chat_digest_at FROM users")).scalars().all()
        finally:
            db.engine.dispose()
    assert [tuple(row) for row in rows] == [(1, 1, 3), (1, 2, 3), (2, 1, 0)]
    assert stamps == [None, None, None]
