"""Presence and typing. A member is online in a room while at least one of their connections
has joined it; joins are rows keyed by socket id, so every server process counts the same.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import Row, delete, func, select

from thebot import realtime
from thebot.extensions import db, socketio
from thebot.models import ChatMember, ChatSocketJoin, SocketConnection, User
from thebot.models.base import execute_dml, insert_or_ignore
from thebot.services.chat import access as chat_access
from thebot.services.chat.payload import positive_int
from thebot.services.errors import Invalid


def _joins_of(room_id: int, user_id: int) -> int:
    return db.session.scalars(
        select(func.count())
        .select_from(ChatSocketJoin)
        .where(ChatSocketJoin.room_id == room_id, ChatSocketJoin.user_id == user_id)
    ).one()


def _is_member(room_id: int, user_id: int) -> bool:
    return db.session.get(ChatMember, (room_id, user_id)) is not None


def _presence(room_id: int, user_id: int, online: bool) -> None:
    realtime.emit(
        "presence",
        {"room_id": room_id, "user_id": user_id, "online": online},
        to=realtime.chat_room(room_id),
        namespace=realtime.CHAT,
    )


def socket_joined(user: User, room_id: int, sid: str) -> None:
    """Record that a socket joined a room; the member's first connection there makes them online."""
    inserted = execute_dml(
        insert_or_ignore(
            ChatSocketJoin, {"sid": sid, "room_id": room_id, "user_id": user.id}, ["sid", "room_id"]
        )
    ).rowcount
    if inserted and _is_member(room_id, user.id) and _joins_of(room_id, user.id) == 1:
        _presence(room_id, user.id, True)
    db.session.commit()


def _forget(rows: Sequence[Row[tuple[int, int]]], sid: str) -> None:
    """Drop a socket's joins; members whose last connection there it was go offline."""
    for room_id, user_id in rows:
        db.session.execute(
            delete(ChatSocketJoin).where(
                ChatSocketJoin.sid == sid, ChatSocketJoin.room_id == room_id
            )
        )
        if _is_member(room_id, user_id) and _joins_of(room_id, user_id) == 0:
            _presence(room_id, user_id, False)


def socket_left(user: User, room_id: int, sid: str) -> None:
    """A socket left one room."""
    rows = db.session.execute(
        select(ChatSocketJoin.room_id, ChatSocketJoin.user_id).where(
            ChatSocketJoin.sid == sid, ChatSocketJoin.room_id == room_id
        )
    ).all()
    _forget(rows, sid)
    db.session.commit()


def forget_orphan_joins(_sender=None) -> None:
    """signals.sockets_swept: joins of sockets whose row is gone (their process died) go too."""
    live = select(SocketConnection.sid).where(SocketConnection.namespace == realtime.CHAT)
    db.session.execute(delete(ChatSocketJoin).where(ChatSocketJoin.sid.not_in(live)))


def socket_gone(sid: str) -> None:
    """A socket disconnected: it leaves every room (the caller commits)."""
    rows = db.session.execute(
        select(ChatSocketJoin.room_id, ChatSocketJoin.user_id).where(ChatSocketJoin.sid == sid)
    ).all()
    _forget(rows, sid)


def typing(user: User, room_id, is_typing, sid: str) -> None:
    """Tell the room's other sockets that the user started or stopped typing."""
    room = chat_access.visible_room(user, positive_int(room_id, "room_id"))
    if not isinstance(is_typing, bool):
        raise Invalid(_l("'typing' must be true or false."), {"typing": _l("true or false")})
    chat_access.require_poster(user, room)
    # Not to the typist: none of their own connections in the room hears it.
    own = set(
        db.session.scalars(
            select(ChatSocketJoin.sid).where(
                ChatSocketJoin.room_id == room.id, ChatSocketJoin.user_id == user.id
            )
        )
    )
    own.add(sid)
    payload = {
        "room_id": room.id,
        "user": {"id": user.id, "full_name": user.full_name},
        "typing": is_typing,
    }
    realtime.after_commit(
        lambda: socketio.emit(
            "typing",
            payload,
            to=realtime.chat_room(room.id),
            skip_sid=list(own),
            namespace=realtime.CHAT,
        )
    )
    db.session.commit()
