"""The chat (domain.md §3): one entry point for pages, the API and the /chat namespace.

The rules live in `chat_access` (who may see, post, moderate, message directly), `chat_rooms`
(rooms follow relationships), `chat_messages` (messages, cursors, limits), `chat_presence` and
`chat_json` (the contract's shapes). Importing this module registers the hooks that create rooms
and keep membership in step with links and enrollments (the app factory imports it through the
socket namespace registry, so the CLI and the demo loader get them too).
"""
from __future__ import annotations

from thebot.services import learning, links
from thebot.services.chat_access import (  # noqa: F401
    can_moderate, direct_contact_ids, may_message_directly, rooms_visible_to, visible_room,
)
from thebot.services.chat_errors import Locked, RateLimited, TooLarge  # noqa: F401
from thebot.services.chat_json import message_dict, room_for, rooms_for  # noqa: F401
from thebot.services.chat_messages import (  # noqa: F401
    CATCH_UP_LIMIT, MAX_PAGE_SIZE, MAX_TEXT, PAGE_SIZE, attachment_of, delete_message,
    edit_message, history, mark_read, messages_after, on_message_created, positive_int,
    send_attachment, send_message, unread_summary,
)
from thebot.services.chat_presence import (  # noqa: F401
    socket_gone, socket_joined, socket_left, typing,
)
from thebot.services.chat_rooms import (  # noqa: F401
    NAMESPACE, contacts_of, ensure_subject_room, ensure_tutor_room, open_direct_room, room_of,
    rooms_of, set_locked, socket_room,
)
from thebot.services import chat_rooms as _rooms

learning.on_enrolled(_rooms.enrollment_created)
learning.on_enrollment_ended(_rooms.enrollment_ended)
links.on_links_changed(_rooms.links_changed)


def open_room(user, room_id, *, after_id=None) -> dict:
    """What a client needs on opening a room: the room, and the last 50 messages (oldest first)
    or, given `after_id`, the messages after it (catch-up after a reconnect)."""
    room = room_of(user, positive_int(room_id, "room_id"))
    if after_id is None:
        messages, has_more = history(user, room["id"])
    else:
        messages, has_more = messages_after(user, room["id"], after_id)
    return {"room": room, "messages": messages, "has_more": has_more}
