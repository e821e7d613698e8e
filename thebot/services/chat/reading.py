"""Reading a room: history pages, a reconnecting client's catch-up, opening a room, read
cursors and unread counts, and the file of a message. Events go out after commit.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from thebot import realtime
from thebot.extensions import db
from thebot.models import ChatMember, ChatMessage, ChatRoom, User
from thebot.models.base import execute_dml
from thebot.services import notify
from thebot.services.chat import access as chat_access
from thebot.services.chat.payload import cursor, positive_int, whole
from thebot.services.chat.rooms import room_of
from thebot.services.chat.serialize import message_dict, unread_counts
from thebot.services.errors import Invalid, NotFound
from thebot.services.ids import parse_id

PAGE_SIZE = 50  # the last messages `join` returns
MAX_PAGE_SIZE = 100  # `history` limit
CATCH_UP_LIMIT = 200  # messages after `after_id` returned at once


# --- history and catch-up -------------------------------------------------------------------------


def _page(user: User, room: ChatRoom, query, limit: int) -> tuple[list[dict], bool]:
    """Up to `limit` messages, each with what the user may do to it, and whether more exist."""
    rows = list(db.session.scalars(query.limit(limit + 1)))
    rights = chat_access.room_message_rights(user, room)
    return (
        [message_dict(m, chat_access.rights_of(rights, user, m)) for m in rows[:limit]],
        len(rows) > limit,
    )


def _visible_messages(room: ChatRoom):
    return (
        select(ChatMessage)
        .where(ChatMessage.room_id == room.id, ChatMessage.deleted_at.is_(None))
        .options(joinedload(ChatMessage.sender))
    )


def history(user: User, room_id, *, before_id=None, limit=None) -> tuple[list[dict], bool]:
    """Messages older than `before_id` (or the latest), oldest first, and whether more exist."""
    room = chat_access.visible_room(user, positive_int(room_id, "room_id"))
    before_id = cursor(before_id, "before_id", required=False)
    limit = PAGE_SIZE if limit is None else whole(limit, "limit")
    if limit > MAX_PAGE_SIZE:
        raise Invalid(
            _l("'limit' must be from 1 to %(max)d.", max=MAX_PAGE_SIZE),
            {"limit": _l("From 1 to %(max)d.", max=MAX_PAGE_SIZE)},
        )
    query = _visible_messages(room).order_by(ChatMessage.id.desc())
    if before_id is not None:
        query = query.where(ChatMessage.id < before_id)
    messages, has_more = _page(user, room, query, limit)
    return list(reversed(messages)), has_more


def messages_after(
    user: User, room_id, after_id, *, limit: int = CATCH_UP_LIMIT
) -> tuple[list[dict], bool]:
    """Messages newer than `after_id`, oldest first (a reconnecting client's catch-up)."""
    room = chat_access.visible_room(user, positive_int(room_id, "room_id"))
    after_id = cursor(after_id, "after_id")
    query = _visible_messages(room).where(ChatMessage.id > after_id).order_by(ChatMessage.id)
    return _page(user, room, query, limit)


def open_room(user: User, room_id, *, after_id=None) -> dict:
    """What a client needs on opening a room: the room, and the last 50 messages (oldest first)
    or, given `after_id`, the messages after it (catch-up after a reconnect)."""
    room = room_of(user, positive_int(room_id, "room_id"))
    if after_id is None:
        messages, has_more = history(user, room["id"])
    else:
        messages, has_more = messages_after(user, room["id"], after_id)
    return {"room": room, "messages": messages, "has_more": has_more}


# --- read cursors and unread counts ---------------------------------------------------------------


def mark_read(user: User, room_id, message_id) -> int:
    """Move the member's read cursor forward to `message_id`; returns their unread count.

    The cursor never moves back. An admin reads without a cursor (the count is 0).
    """
    room = chat_access.visible_room(user, positive_int(room_id, "room_id"))
    message_id = positive_int(message_id, "message_id")
    if (
        db.session.scalar(
            select(ChatMessage.id).where(
                ChatMessage.id == message_id, ChatMessage.room_id == room.id
            )
        )
        is None
    ):
        raise NotFound(_l("No such message."))
    if chat_access.membership(room, user) is None:
        db.session.commit()
        return 0
    moved = execute_dml(
        update(ChatMember)
        .where(
            ChatMember.room_id == room.id,
            ChatMember.user_id == user.id,
            ChatMember.last_read_id < message_id,
        )
        .values(last_read_id=message_id)
    ).rowcount
    unread = unread_counts(user_id=user.id, room_ids=[room.id]).get((room.id, user.id), 0)
    if moved:
        realtime.emit(
            "read",
            {"room_id": room.id, "user_id": user.id, "message_id": message_id},
            to=realtime.chat_room(room.id),
            namespace=realtime.CHAT,
        )
        realtime.emit(
            "unread",
            {"room_id": room.id, "unread": unread},
            to=realtime.user_room(user.id),
            namespace=realtime.CHAT,
        )
        if unread == 0:  # the room is read: so is its "new message" notification
            notify.mark_read_by_key(user.id, notify.room_key(room.id))
    db.session.commit()
    return unread


def unread_summary(user: User) -> dict:
    """The user's unread counts: the total and each room that has unread messages."""
    counts = unread_counts(user_id=user.id)
    return {
        "total": sum(counts.values()),
        "rooms": {str(room_id): count for (room_id, _user), count in counts.items() if count},
    }


# --- files ----------------------------------------------------------------------------------------


def attachment_of(user: User, message_id) -> ChatMessage:
    """A file message whose attachment the user may download: whoever may read its room (its
    members, and admins, who read every room)."""
    message = chat_access.visible_message(user, parse_id(message_id, "message_id"))
    if not message.attachment_key:
        raise NotFound(_l("No such file."))
    return message
