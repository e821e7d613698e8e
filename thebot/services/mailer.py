"""The e-mail channel of notifications: after commit, in a background task, through Flask-Mail.

Without `MAIL_SERVER` the message is written to the log instead (development). A failing SMTP
server never reaches the action that notified: the task logs it once with its traceback.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, render_template
from flask_babel import force_locale, get_locale, gettext
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


@dataclass(frozen=True)
class TemplateMail:
    """A templated e-mail (email/<template>.txt and .html) to one address, in one language."""

    to: str
    locale: str
    template: str
    subject: Any  # a lazy translation: it becomes text in the recipient's language
    context: dict = field(default_factory=dict)


def send_template_after_commit(user_or_address, template: str, subject, **context) -> None:
    """Once the transaction commits, e-mail `email/<template>.txt/.html` to a user (their address
    and language; skipped without an address) or to a bare address (in the page's language)."""
    if isinstance(user_or_address, User):
        to, locale = user_or_address.email, locale_of(user_or_address)
        context.setdefault("name", user_or_address.full_name)
    else:
        to = user_or_address
        locale = str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])
    if not to:
        return
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]  # LocalProxy's
    outgoing = TemplateMail(to, locale, template, subject, context)
    realtime.after_commit(lambda: _dispatch_template(app, outgoing))


def _dispatch_template(app: Flask, outgoing: TemplateMail) -> None:
    if app.config.get("MAIL_SERVER"):
        socketio.start_background_task(_deliver_template, app, outgoing)
    else:
        _deliver_template(app, outgoing)


def _deliver_template(app: Flask, outgoing: TemplateMail) -> None:
    """Render and send (or log) one templated e-mail; failures are logged, never raised."""
    with app.app_context():
        try:
            with force_locale(outgoing.locale):
                message = Message(
                    subject=str(outgoing.subject),
                    recipients=[outgoing.to],
                    body=render_template(f"email/{outgoing.template}.txt", **outgoing.context),
                    html=render_template(f"email/{outgoing.template}.html", **outgoing.context),
                    sender=app.config.get("MAIL_DEFAULT_SENDER"),
                )
            if app.config.get("MAIL_SERVER"):
                mail.send(message)
                log.info("e-mail %s sent", outgoing.template)
            else:
                log.info(
                    "e-mail (MAIL_SERVER unset, not sent)\nTo: %s\nSubject: %s\n\n%s",
                    outgoing.to,
                    message.subject,
                    message.body,
                )
        except Exception:  # a boundary: the channel failing never undoes the action
            log.exception("e-mail %s failed", outgoing.template)
