"""The chat digest: one e-mail for every room a member has left unread.

A member gets a digest when a room has messages from others (not deleted, not system) that are
after their read cursor, newer than their membership, not yet reported by a digest, and at least
CHAT_DIGEST_AFTER_MINUTES old. The e-mail lists every such room with its count of unreported
unread messages and a link to it; those messages are then never reported again
(`chat_members.digested_id`). At most one digest per user per CHAT_DIGEST_MIN_GAP_MINUTES: the
user's digest is claimed by a conditional UPDATE of `users.chat_digest_at` (compare-and-set on
the value the round read), so any number of processes running a round at once send one e-mail.

Only to active, not removed accounts with an e-mail and the `chat_digest` category's e-mail
switch on (by default: parents). Each serving process runs `run` beside the overdue loop; the
CLI's `flask chat digest` runs one round.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import lazy_ngettext as _n
from sqlalchemy import and_, func, or_, select, true, update

from thebot.extensions import db, socketio
from thebot.models import ChatMember, ChatMessage, ChatRoom, MessageKind, Role, User
from thebot.models.base import execute_dml, utcnow
from thebot.models.notifications import DEFAULT_EMAIL, DEFAULT_EMAIL_ROLES, NotificationSetting
from thebot.services import mailer
from thebot.services.chat.serialize import load_rooms, rooms_for
from thebot.services.people import locale_of

log = logging.getLogger(__name__)

CATEGORY = "chat_digest"
TEMPLATE = "chat_digest"


@dataclass(frozen=True)
class Round:
    """What one round did: the users mailed, in the order they were mailed."""

    mailed: list[int]


def _unreported():
    """The join of a membership to its messages a digest may report (any age)."""
    m, cm = ChatMessage, ChatMember
    return and_(
        m.room_id == cm.room_id,
        m.id > cm.last_read_id,
        m.id > cm.digested_id,
        m.deleted_at.is_(None),
        m.kind != MessageKind.SYSTEM,
        m.sender_id.is_not(None),
        m.sender_id != cm.user_id,
        m.created_at >= cm.joined_at,  # history from before joining was never theirs to read
    )


def _wants_digest():
    """The user's `chat_digest` e-mail switch: their saved choice, else their role's default."""
    saved = (
        select(NotificationSetting.email)
        .where(NotificationSetting.user_id == User.id, NotificationSetting.category == CATEGORY)
        .scalar_subquery()
    )
    by_default = [Role(role) for role in DEFAULT_EMAIL_ROLES.get(CATEGORY, ())]
    default = true() if DEFAULT_EMAIL[CATEGORY] else User.role.in_(by_default)
    return or_(saved == true(), and_(saved.is_(None), default))


def _mailable():
    return and_(
        User.email.is_not(None),
        User.email != "",
        User.active.is_(True),
        User.deleted_at.is_(None),
        _wants_digest(),
    )


def due_users(now: datetime) -> list[tuple[int, datetime | None]]:
    """(user id, chat_digest_at as read) of everyone a digest is due to at `now`."""
    config = current_app.config
    old_enough = now - timedelta(minutes=config["CHAT_DIGEST_AFTER_MINUTES"])
    gap_over = now - timedelta(minutes=config["CHAT_DIGEST_MIN_GAP_MINUTES"])
    rows = db.session.execute(
        select(User.id, User.chat_digest_at)
        .join(ChatMember, ChatMember.user_id == User.id)
        .join(ChatMessage, _unreported())
        .where(
            ChatMessage.created_at <= old_enough,
            _mailable(),
            or_(User.chat_digest_at.is_(None), User.chat_digest_at <= gap_over),
        )
        .distinct()
        .order_by(User.id)
    ).all()
    return [(user_id, seen) for user_id, seen in rows]


def _claim(user_id: int, seen: datetime | None, now: datetime) -> bool:
    """Compare-and-set the user's `chat_digest_at` from what the round read to `now`, while
    the user may still be mailed (address, active, switch: changed since the round looked?)."""
    unchanged = User.chat_digest_at.is_(None) if seen is None else User.chat_digest_at == seen
    return bool(
        execute_dml(
            update(User)
            .where(User.id == user_id, unchanged, _mailable())
            .values(chat_digest_at=now)
        ).rowcount
    )


def _pending_rooms(user_id: int, old_enough: datetime) -> list[tuple[int, int, int]]:
    """(room id, unreported count, newest unreported id) of the user's rooms that have an
    unreported message at least `old_enough`, newest activity first."""
    m, cm = ChatMessage, ChatMember
    rows = db.session.execute(
        select(cm.room_id, func.count(m.id), func.max(m.id), func.min(m.created_at))
        .join(m, _unreported())
        .where(cm.user_id == user_id)
        .group_by(cm.room_id)
    ).all()
    due = [
        (room_id, count, newest) for room_id, count, newest, oldest in rows if oldest <= old_enough
    ]
    return sorted(due, key=lambda row: row[2], reverse=True)


def _mail(user: User, pending: list[tuple[int, int, int]]) -> None:
    """The digest e-mail, after commit, in the user's language."""
    counts = {room_id: count for room_id, count, _newest in pending}
    rooms = load_rooms(select(ChatRoom).where(ChatRoom.id.in_(counts)))
    with force_locale(locale_of(user)):
        described = {room["id"]: room for room in rooms_for(user, rooms)}
    listed = [
        {
            "title": described[room_id]["title"],
            "count": count,
            "link": mailer.absolute_link(f"/chat/?room={room_id}"),
        }
        for room_id, count, _newest in pending
        if room_id in described
    ]
    total = sum(room["count"] for room in listed)
    subject = _n(
        "THE BOT: %(num)d unread message in your chats",
        "THE BOT: %(num)d unread messages in your chats",
        total,
    )
    mailer.send_template_after_commit(
        user,
        TEMPLATE,
        subject,
        rooms=listed,
        total=total,
        chat_link=mailer.absolute_link("/chat/"),
        settings_link=mailer.absolute_link("/notifications/settings"),
    )


def _send_one(user_id: int, seen: datetime | None, now: datetime) -> bool:
    """Claim, report and mark one user's digest in one transaction; whether it was sent."""
    old_enough = now - timedelta(minutes=current_app.config["CHAT_DIGEST_AFTER_MINUTES"])
    if not _claim(user_id, seen, now):
        db.session.rollback()  # another process (or round) has it
        return False
    user = db.session.get_one(User, user_id)
    pending = _pending_rooms(user_id, old_enough)
    if not pending:  # read (or deleted) since the round looked: nothing to tell
        db.session.rollback()
        return False
    for room_id, _count, newest in pending:
        execute_dml(
            update(ChatMember)
            .where(
                ChatMember.room_id == room_id,
                ChatMember.user_id == user_id,
                ChatMember.digested_id < newest,
            )
            .values(digested_id=newest)
        )
    _mail(user, pending)
    db.session.commit()
    return True


def send_digests(now: datetime | None = None) -> Round:
    """One round: a digest to every user one is due to at `now` (default: the current time)."""
    now = now or utcnow()
    due = due_users(now)
    db.session.commit()  # the claims start transactions of their own (SQLite: no stale snapshot)
    mailed = [user_id for user_id, seen in due if _send_one(user_id, seen, now)]
    return Round(mailed)


def run(app: Flask, interval: float) -> None:
    """Send due chat digests every `interval` seconds (never raises)."""
    while True:
        with app.app_context():
            try:
                done = send_digests()
                if done.mailed:
                    log.info("sent %d chat digest(s)", len(done.mailed))
            except Exception:  # a boundary: a failed round is retried at the next one
                log.exception("chat digest round failed")
                db.session.rollback()
            finally:
                db.session.remove()
        socketio.sleep(interval)
