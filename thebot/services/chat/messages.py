"""Messages: send (idempotent by client_id, rate-limited), attach, reply, edit, delete.
Events go out after commit; reading a room is `reading`.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta
from functools import partial
from typing import IO

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError

from thebot import realtime, signals
from thebot.extensions import db
from thebot.models import ChatMessage, ChatRoom, MessageKind, User
from thebot.models.base import utcnow
from thebot.services import attachments
from thebot.services.chat import access as chat_access
from thebot.services.chat.errors import RateLimited, TooLarge
from thebot.services.chat.payload import positive_int
from thebot.services.chat.serialize import message_dict, unread_counts
from thebot.services.errors import Conflict, DomainError, Invalid, NotFound

MAX_TEXT = 4000
CLIENT_ID_MAX = 64


# --- checking input ---------------------------------------------------------------------------


def clean_content(content) -> str:
    """Message text: trimmed, not empty, at most 4,000 characters."""
    if not isinstance(content, str):
        raise Invalid(_l("'content' must be text."), {"content": _l("Text is required.")})
    text = content.strip()
    if not text:
        raise Invalid(_l("Write a message first."), {"content": _l("The message is empty.")})
    if len(text) > MAX_TEXT:
        raise TooLarge(
            _l("A message is at most %(count)d characters.", count=MAX_TEXT),
            {"content": _l("At most %(count)d characters.", count=MAX_TEXT)},
        )
    return text


def clean_client_id(value) -> str | None:
    """The client's own id for a message (1–64 visible characters), or None."""
    if value is None:
        return None
    if (
        not isinstance(value, str)
        or not 1 <= len(value) <= CLIENT_ID_MAX
        or not value.isprintable()
    ):
        raise Invalid(
            _l("'client_id' must be 1–64 visible characters."),
            {"client_id": _l("1–64 visible characters.")},
        )
    return value


def _reply_target(room: ChatRoom, reply_to_id) -> int | None:
    """A reply refers to a message of the same room that is not deleted."""
    reply_to_id = positive_int(reply_to_id, "reply_to_id", required=False)
    if reply_to_id is None:
        return None
    found = db.session.scalar(
        select(ChatMessage.id).where(
            ChatMessage.id == reply_to_id,
            ChatMessage.room_id == room.id,
            ChatMessage.deleted_at.is_(None),
        )
    )
    if found is None:
        raise NotFound(_l("The message you reply to is not in this conversation."))
    return reply_to_id


def _stored(user: User, client_id: str | None, room: ChatRoom) -> ChatMessage | None:
    """The message this sender already stored under this client_id (a retry), if any."""
    if client_id is None:
        return None
    message = db.session.scalar(
        select(ChatMessage).where(
            ChatMessage.sender_id == user.id, ChatMessage.client_id == client_id
        )
    )
    if message is not None and message.room_id != room.id:
        raise Conflict(_l("This client_id was used for a message in another conversation."))
    if message is not None and message.deleted_at is not None:
        # A deleted message stays deleted: its retry is not answered as posted.
        raise Conflict(_l("This message was deleted."))
    return message


# Statements of every send, built once (SQLAlchemy reuses their cache keys).
_LOCK_SENDER = select(User.id).where(User.id == bindparam("user_id")).with_for_update()
_SENT_SINCE = select(func.count(ChatMessage.id)).where(
    ChatMessage.sender_id == bindparam("user_id"), ChatMessage.created_at >= bindparam("since")
)


def _serialize_sends(user: User) -> None:
    """On PostgreSQL, one sender's sends run one at a time, so the limit and retries hold."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(_LOCK_SENDER, {"user_id": user.id})


# On PostgreSQL the count and the sender's row lock in one statement (one round trip).
_LOCK_AND_COUNT = (
    select(User.id, _SENT_SINCE.scalar_subquery())
    .where(User.id == bindparam("user_id"))
    .with_for_update(of=User)
)


def _check_rate(user: User) -> None:
    """At most CHAT_SEND_LIMIT messages per CHAT_SEND_WINDOW seconds, counted in the database
    so every server process shares the count; 0 turns the limit off. On PostgreSQL the
    sender's row is locked with the count, so one sender's concurrent sends count one at a
    time (SQLite runs one writer at a time anyway)."""
    limit = current_app.config["CHAT_SEND_LIMIT"]
    window = current_app.config["CHAT_SEND_WINDOW"]
    if limit <= 0 or window <= 0:
        return
    since = utcnow() - timedelta(seconds=window)
    parameters = {"user_id": user.id, "since": since}
    if db.session.get_bind().dialect.name == "postgresql":
        sent = db.session.execute(_LOCK_AND_COUNT, parameters).one()[1]
    else:
        sent = db.session.scalar(_SENT_SINCE, parameters)
    if sent >= limit:
        raise RateLimited(
            _l("You are sending messages too fast. Wait a few seconds and try again.")
        )


# --- events -----------------------------------------------------------------------------------


def _emit_unread(room_id: int, skip_user_ids: Collection[int | None] = ()) -> None:
    """After commit, each member (but the skipped) hears their new unread count for the room."""
    for (_room, user_id), count in unread_counts(room_ids=[room_id]).items():
        if user_id not in skip_user_ids:
            realtime.emit(
                "unread",
                {"room_id": room_id, "unread": count},
                to=realtime.user_room(user_id),
                namespace=realtime.CHAT,
            )


def _emit_unread_coalesced(room_id: int, senders: set[int | None]) -> None:
    """The coalesced run: counts as they are now. Only when every message of the burst had one
    sender is that sender's count unchanged (own messages never count), so they are skipped."""
    _emit_unread(room_id, senders if len(senders) == 1 else ())


def _announce_unread(room_id: int, sender_id: int | None = None) -> None:
    """The members' unread counts for the room go out after commit.

    With CHAT_UNREAD_COALESCE_MS > 0, a burst of changes in a room within that time costs one
    count query and one `unread` per member, counted after the burst, instead of one per
    message: a busy room's members (most of whom are reading it) would otherwise get one
    `unread` per message per connection. 0 counts in the transaction and sends at commit.
    """
    delay = current_app.config["CHAT_UNREAD_COALESCE_MS"] / 1000
    if delay <= 0:
        _emit_unread(room_id, (sender_id,))
        return
    realtime.after_commit_coalesced(
        ("unread", room_id), partial(_emit_unread_coalesced, room_id), delay, tag=sender_id
    )


# --- sending ----------------------------------------------------------------------------------


def _prepare(user: User, room_id, client_id, reply_to_id):
    """Shared checks of a new message: (room, client_id, reply_to_id, a stored retry or None)."""
    room = chat_access.visible_room(user, positive_int(room_id, "room_id"))
    client_id = clean_client_id(client_id)
    _serialize_sends(user)
    retry = _stored(user, client_id, room)
    if retry is not None:
        return room, client_id, None, retry
    chat_access.require_poster(user, room)
    return room, client_id, _reply_target(room, reply_to_id), None


def _save(user: User, room: ChatRoom, message: ChatMessage) -> tuple[dict, bool]:
    """Store a new message, tell the listeners, and announce it after commit.

    Returns (the message, True), or (the stored one, False) when a concurrent retry with the
    same client_id was stored first and this one was not.
    """
    db.session.add(message)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        retry = _stored(user, message.client_id, room) if message.client_id else None
        if retry is None:
            raise
        data = message_dict(retry)
        db.session.commit()
        return data, False
    signals.message_created.send(message)
    data = message_dict(message)
    realtime.emit("message", data, to=realtime.chat_room(room.id), namespace=realtime.CHAT)
    _announce_unread(room.id, user.id)
    db.session.commit()
    return data, True


def send_message(user: User, room_id, content, *, client_id=None, reply_to_id=None) -> dict:
    """Post a text message; a repeated client_id returns the stored message (no duplicate).

    The message is tried as a new one first: the retry lookup runs only when it cannot be (a
    check refuses it, or the insert meets the client_id's unique index, which also decides
    between concurrent retries), so a new message costs no lookup. A retry is answered
    whatever the checks would say now, as before.
    """
    room = chat_access.room_to_post_in(user, positive_int(room_id, "room_id"))
    client_id = clean_client_id(client_id)
    try:
        chat_access.require_poster(user, room, is_member=True)
        reply_to_id = _reply_target(room, reply_to_id)
        text = clean_content(content)
        _check_rate(user)
    except DomainError:
        retry = _stored(user, client_id, room)
        if retry is None:
            raise
        db.session.commit()
        return message_dict(retry)
    data, _created = _save(
        user,
        room,
        ChatMessage(
            room_id=room.id,
            sender=user,
            kind=MessageKind.TEXT,
            content=text,
            client_id=client_id,
            reply_to_id=reply_to_id,
        ),
    )
    return data


def send_attachment(
    user: User,
    room_id,
    stream: IO[bytes],
    filename: str | None,
    *,
    client_id=None,
    reply_to_id=None,
) -> dict:
    """Post one file (allow-listed by content, at most 10 MB) as a message."""
    room, client_id, reply_to_id, retry = _prepare(user, room_id, client_id, reply_to_id)
    if retry is not None:
        db.session.commit()
        return message_dict(retry)
    _check_rate(user)
    stored = attachments.store(stream, filename, f"chat/{room.id}")
    message = ChatMessage(
        room_id=room.id,
        sender=user,
        kind=MessageKind.FILE,
        content="",
        client_id=client_id,
        reply_to_id=reply_to_id,
        attachment_key=stored.key,
        attachment_name=stored.name,
        attachment_size=stored.size,
        attachment_type=stored.content_type,
    )
    try:
        data, created = _save(user, room, message)
    except BaseException:
        attachments.discard(stored.key)  # no record, no file
        raise
    if not created:  # a concurrent upload with this client_id won: its file is the one kept
        attachments.discard(stored.key)
    return data


# --- changing ---------------------------------------------------------------------------------


def _room_of(message: ChatMessage) -> ChatRoom:
    """The room of a message found by `visible_message` (NotFound if it went meanwhile)."""
    room = db.session.get(ChatRoom, message.room_id)
    if room is None:
        raise NotFound(_l("No such message."))
    return room


def edit_message(user: User, message_id, content) -> dict:
    """The author changes their text message (marked edited) while the room takes messages."""
    message = chat_access.visible_message(user, positive_int(message_id, "message_id"))
    room = _room_of(message)
    refusal = chat_access.edit_refusal(
        user, message.sender_id == user.id, message.kind, chat_access.posting_refusal(user, room)
    )
    if refusal is not None:
        raise refusal
    text = clean_content(content)
    if text != message.content:
        message.content = text
        message.edited_at = utcnow()
        realtime.emit(
            "message_edited",
            message_dict(message),
            to=realtime.chat_room(room.id),
            namespace=realtime.CHAT,
        )
    data = message_dict(message)
    db.session.commit()
    return data


def delete_message(user: User, message_id) -> None:
    """Hide a message from everyone (kept for audit): its author, or the room's moderator."""
    message = chat_access.visible_message(user, positive_int(message_id, "message_id"))
    room = _room_of(message)
    refusal = chat_access.delete_refusal(
        user, message.sender_id == user.id, chat_access.can_moderate(user, room)
    )
    if refusal is not None:
        raise refusal
    message.deleted_at = utcnow()
    message.deleted_by_id = user.id
    db.session.flush()
    realtime.emit(
        "message_deleted",
        {"room_id": room.id, "message_id": message.id},
        to=realtime.chat_room(room.id),
        namespace=realtime.CHAT,
    )
    _announce_unread(room.id)
    db.session.commit()
