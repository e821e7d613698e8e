"""The /chat namespace (contract.md §4): rooms, joining with catch-up, history, sending,
editing, deleting, typing, read cursors and presence. Every handler calls the chat services;
acks are returned only after the service has committed.
"""

from __future__ import annotations

import logging

from flask_socketio import join_room, leave_room

from thebot import realtime
from thebot.extensions import db
from thebot.services.chat import access as chat_access
from thebot.services.chat import messages, presence, reading, rooms
from thebot.services.chat.payload import positive_int
from thebot.sockets.base import AuthedNamespace, check_rate, socket_event, socket_sid

log = logging.getLogger(__name__)


class ChatNamespace(AuthedNamespace):
    """Sockets join `chat:<room_id>` on `join`; events of a room go to that Socket.IO room."""

    def on_disconnect(self, reason=None):
        """The socket leaves every room it joined (members with no other connection go offline),
        then the base forgets the connection: two transactions, so no lock is held across both
        tables."""
        try:
            presence.socket_gone(socket_sid())
            db.session.commit()
        except Exception:  # a boundary: a failed cleanup must not break the server loop
            log.exception("chat presence cleanup failed")
            db.session.rollback()
        finally:
            db.session.remove()
        super().on_disconnect(reason)

    @socket_event
    def on_rooms(self, user, payload):
        """{} -> {rooms}: every room the user may read."""
        return {"rooms": rooms.rooms_of(user)}

    @socket_event
    def on_join(self, user, payload):
        """{room_id, after_id?} -> {room, messages, has_more}; live events of the room follow."""
        room_id = positive_int(payload.get("room_id"), "room_id")
        after_id = positive_int(payload.get("after_id"), "after_id", required=False)
        chat_access.visible_room(user, room_id)
        check_rate(user, "presence")
        # Join before reading, so a message committed meanwhile is in the answer or arrives live.
        join_room(realtime.chat_room(room_id))
        presence.socket_joined(user, room_id, socket_sid())
        return reading.open_room(user, room_id, after_id=after_id)

    @socket_event
    def on_leave(self, user, payload):
        """{room_id} -> {}: the socket stops receiving the room's events."""
        room_id = positive_int(payload.get("room_id"), "room_id")
        chat_access.visible_room(user, room_id)
        check_rate(user, "presence")
        leave_room(realtime.chat_room(room_id))
        presence.socket_left(user, room_id, socket_sid())
        return {}

    @socket_event
    def on_history(self, user, payload):
        """{room_id, before_id?, limit?} -> {messages, has_more}, oldest first."""
        page, has_more = reading.history(
            user,
            payload.get("room_id"),
            before_id=payload.get("before_id"),
            limit=payload.get("limit"),
        )
        return {"messages": page, "has_more": has_more}

    @socket_event
    def on_send(self, user, payload):
        """{room_id, content, client_id?, reply_to_id?} -> {message}."""
        message = messages.send_message(
            user,
            payload.get("room_id"),
            payload.get("content"),
            client_id=payload.get("client_id"),
            reply_to_id=payload.get("reply_to_id"),
        )
        return {"message": message}

    @socket_event
    def on_edit(self, user, payload):
        """{message_id, content} -> {message}."""
        return {
            "message": messages.edit_message(
                user, payload.get("message_id"), payload.get("content")
            )
        }

    @socket_event
    def on_delete(self, user, payload):
        """{message_id} -> {}."""
        messages.delete_message(user, payload.get("message_id"))
        return {}

    @socket_event
    def on_typing(self, user, payload):
        """{room_id, typing} -> {}; the room's other sockets hear `typing`."""
        check_rate(user, "typing")
        presence.typing(user, payload.get("room_id"), payload.get("typing"), socket_sid())
        return {}

    @socket_event
    def on_read(self, user, payload):
        """{room_id, message_id} -> {unread}; the read cursor only moves forward."""
        return {
            "unread": reading.mark_read(user, payload.get("room_id"), payload.get("message_id"))
        }
