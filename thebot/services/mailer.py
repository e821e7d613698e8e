"""The e-mail channel of notifications: after commit, in a background task, through Flask-Mail.

Without `MAIL_SERVER` the message is written to the log instead (development). A failing SMTP
server never reaches the action that notified: the task logs it once with its traceback.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Flask, current_app, render_template
from flask_babel import force_locale, gettext
from flask_mail import Message

from thebot import realtime
from thebot.extensions import db, mail, socketio
from thebot.models import User
from thebot.services.people import locale_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outgoing:
    """Everything one notification e-mail needs, captured while the transaction is open."""

    user_id: int
    locale: str
    to: str
    name: str
    kind: str
    title: str
    body: str
    link: str


def send_after_commit(user_id: int, kind: str, *, title: str, body: str, url: str) -> None:
    """E-mail this notification to the user once the transaction commits (if they have one)."""
    user = db.session.get(User, user_id)
    if user is None or not user.email or not user.active:
        return
    outgoing = Outgoing(
        user_id, locale_of(user), user.email, user.full_name, kind, title, body, absolute_link(url)
    )
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]  # LocalProxy's
    realtime.after_commit(lambda: dispatch(app, outgoing))


def absolute_link(url: str) -> str:
    """The notification's link as an absolute URL for an e-mail: always on the configured
    public address (BASE_URL), never the Host header of the request that caused it."""
    if not url or "://" in url:
        return url
    return current_app.config["BASE_URL"].rstrip("/") + "/" + url.lstrip("/")


def dispatch(app: Flask, outgoing: Outgoing) -> None:
    """Hand the e-mail to a background task (SMTP), or log it when no MAIL_SERVER is set."""
    if app.config.get("MAIL_SERVER"):
        socketio.start_background_task(deliver, app, outgoing)
    else:
        deliver(app, outgoing)


def deliver(app: Flask, outgoing: Outgoing) -> None:
    """Render and send (or log) one e-mail; a boundary: failures are logged, never raised."""
    with app.app_context():
        try:
            message = build_message(app, outgoing)
            if app.config.get("MAIL_SERVER"):
                mail.send(message)
                log.info(
                    "notification e-mail sent to user %s (%s)", outgoing.user_id, outgoing.kind
                )
            else:
                log.info(
                    "e-mail (MAIL_SERVER unset, not sent)\nTo: %s\nSubject: %s\n\n%s",
                    ", ".join(str(to) for to in message.recipients),
                    message.subject,
                    message.body,
                )
        except Exception:  # a boundary: the channel failing never undoes the action
            log.exception(
                "notification e-mail to user %s (%s) failed", outgoing.user_id, outgoing.kind
            )


def build_message(app: Flask, outgoing: Outgoing) -> Message:
    """The notification as an e-mail with a text and an HTML part, in the recipient's language."""
    with force_locale(outgoing.locale):
        context = {
            "name": outgoing.name,
            "title": outgoing.title,
            "body": outgoing.body,
            "link": outgoing.link,
            "kind": outgoing.kind,
        }
        return Message(
            subject=gettext("THE BOT: %(title)s", title=outgoing.title),
            recipients=[outgoing.to],
            body=render_template("email/notification.txt", **context),
            html=render_template("email/notification.html", **context),
            sender=app.config.get("MAIL_DEFAULT_SENDER"),
        )
