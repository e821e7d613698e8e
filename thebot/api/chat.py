"""The chat over JSON (the same services as the /chat namespace); see docs/api-chat.md."""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _

from thebot.api import api_user, bp
from thebot.api.schema import accepts
from thebot.api.shapes import (
    BOOLEAN,
    BRIEF_FIELDS,
    COUNT,
    DATETIME,
    ID,
    OK,
    ROLE,
    STORED_FILE,
    STRING,
    TEXT,
    USER_BRIEF,
    array,
    component,
    nullable,
    obj,
    one_of_values,
    returns,
)
from thebot.api.util import (
    BadRequest,
    attachment_response,
    id_arg,
    int_arg,
    json_body,
    returns_attachment,
)
from thebot.extensions import talisman
from thebot.models import MessageKind, RoomKind
from thebot.services.chat import messages, reading, rooms
from thebot.services.ids import optional_id, payload_id

# --- answer shapes (services/chat/serialize.py: message_dict, rooms_for) ----------------------

_MESSAGE_FIELDS = {
    "id": ID,
    "room_id": ID,
    "sender": nullable(USER_BRIEF),  # null once the sender's account is removed
    "content": TEXT,
    "kind": one_of_values(*(kind.value for kind in MessageKind)),
    "attachment": nullable(STORED_FILE),
    "reply_to_id": nullable(ID),
    "created_at": DATETIME,
    "edited_at": nullable(DATETIME),
    "client_id": nullable(STRING),
}
_RIGHTS = {"can_edit": BOOLEAN, "can_delete": BOOLEAN}
# What goes to a whole room (events, send and edit answers): no viewer's rights on it.
MESSAGE = component("ChatMessage", obj(_MESSAGE_FIELDS))
# A message in a list read by one viewer (history, catch-up), with what they may do to it.
VIEWER_MESSAGE = component("ChatViewerMessage", obj({**_MESSAGE_FIELDS, **_RIGHTS}))
_RIGHTS_BY_KIND = obj(
    {kind.value: component("ChatMessageRights", obj(_RIGHTS)) for kind in MessageKind}
)
ROOM = component(
    "ChatRoom",
    obj(
        {
            "id": ID,
            "kind": one_of_values(*(kind.value for kind in RoomKind)),
            "title": STRING,
            "enrollment_id": nullable(ID),  # subject rooms only
            "members": array(
                component(
                    "ChatRoomMember",
                    obj(
                        {
                            **BRIEF_FIELDS,
                            "online": BOOLEAN,
                            "last_read_id": COUNT,  # 0: nothing read yet
                        }
                    ),
                )
            ),
            "unread": COUNT,
            "last_message": nullable(MESSAGE),
            "locked": BOOLEAN,
            "read_only": BOOLEAN,
            "can_post": BOOLEAN,
            "can_moderate": BOOLEAN,
            "message_rights": obj({"own": _RIGHTS_BY_KIND, "others": _RIGHTS_BY_KIND}),
        }
    ),
)
_ROOM_ANSWER = obj({"room": ROOM})
_MESSAGE_ANSWER = obj({"message": MESSAGE})


@bp.get("/chat/rooms")
@returns(200, obj({"rooms": array(ROOM)}))
def chat_rooms():
    """Every room the caller may read, most recent conversation first."""
    return jsonify({"rooms": rooms.rooms_of(api_user())})


@bp.get("/chat/rooms/<int:room_id>")
@returns(200, _ROOM_ANSWER)
def chat_room(room_id: int):
    """One room the caller may read (404 otherwise)."""
    return jsonify({"room": rooms.room_of(api_user(), room_id)})


@bp.get("/chat/rooms/<int:room_id>/messages")
@accepts(query={"before_id": "id", "after_id": "id", "limit": "count"})
@returns(200, obj({"messages": array(VIEWER_MESSAGE), "has_more": BOOLEAN}))
def chat_messages(room_id: int):
    """?before_id=&limit= (older pages) or ?after_id= (catch-up); oldest first."""
    before_id, after_id, limit = id_arg("before_id"), id_arg("after_id"), int_arg("limit")
    if after_id is not None:
        if before_id is not None:
            raise BadRequest(_("Give before_id or after_id, not both."))
        page, has_more = reading.messages_after(
            api_user(),
            room_id,
            after_id,
            limit=min(limit or reading.CATCH_UP_LIMIT, reading.CATCH_UP_LIMIT),
        )
    else:
        page, has_more = reading.history(api_user(), room_id, before_id=before_id, limit=limit)
    return jsonify({"messages": page, "has_more": has_more})


@bp.post("/chat/rooms/<int:room_id>/messages")
@accepts(
    body={"content": "text", "client_id": "string", "reply_to_id": "id"}, required=("content",)
)
@returns(201, _MESSAGE_ANSWER)
def chat_send(room_id: int):
    """{content, client_id?, reply_to_id?} -> 201 {message}."""
    data = json_body()
    message = messages.send_message(
        api_user(),
        room_id,
        data.get("content"),
        client_id=data.get("client_id"),
        reply_to_id=payload_id(data.get("reply_to_id"), "reply_to_id", required=False),
    )
    return jsonify({"message": message}), 201


@bp.post("/chat/rooms/<int:room_id>/attachments")
@accepts(form={"file": "file", "client_id": "string", "reply_to_id": "id"}, form_required=("file",))
@returns(201, _MESSAGE_ANSWER)
def chat_attach(room_id: int):
    """multipart: file, client_id?, reply_to_id? -> 201 {message}."""
    upload = request.files.get("file")
    if upload is None:
        raise BadRequest(_("Attach a file in the 'file' field."))
    message = messages.send_attachment(
        api_user(),
        room_id,
        upload.stream,
        upload.filename,
        client_id=request.form.get("client_id") or None,
        reply_to_id=optional_id(request.form.get("reply_to_id", "").strip(), "reply_to_id"),
    )
    return jsonify({"message": message}), 201


@bp.patch("/chat/messages/<int:message_id>")
@accepts(body={"content": "text"}, required=("content",))
@returns(200, _MESSAGE_ANSWER)
def chat_edit(message_id: int):
    """{content} -> {message}: the author edits their text."""
    data = json_body()
    return jsonify({"message": messages.edit_message(api_user(), message_id, data.get("content"))})


@bp.delete("/chat/messages/<int:message_id>")
@returns(200, OK)
def chat_delete(message_id: int):
    """Hide a message (its author, or the room's moderator)."""
    messages.delete_message(api_user(), message_id)
    return jsonify({"ok": True})


@bp.post("/chat/rooms/<int:room_id>/read")
@accepts(body={"message_id": "id"}, required=("message_id",))
@returns(200, obj({"unread": COUNT}))
def chat_read(room_id: int):
    """{message_id} -> {unread}: move the caller's read cursor forward."""
    data = json_body()
    return jsonify({"unread": reading.mark_read(api_user(), room_id, data.get("message_id"))})


@bp.post("/chat/rooms/<int:room_id>/lock")
@accepts(body={"locked": "boolean"}, required=("locked",))
@returns(200, _ROOM_ANSWER)
def chat_lock(room_id: int):
    """{locked: true|false} -> {room}: the room's teacher or tutor locks or unlocks it."""
    locked = json_body().get("locked")
    if not isinstance(locked, bool):
        raise BadRequest(_("'locked' must be true or false."))
    return jsonify({"room": rooms.set_locked(api_user(), room_id, locked)})


@bp.get("/chat/contacts")
@returns(
    200,
    obj(
        {
            "contacts": array(
                component(
                    "ChatContact",
                    obj(
                        {
                            "id": ID,
                            "full_name": STRING,
                            "role": ROLE,
                            "room_id": nullable(ID),  # their direct room, if one exists
                        }
                    ),
                )
            )
        }
    ),
)
def chat_contacts():
    """Who the caller may message directly (the same rule that allows it)."""
    return jsonify({"contacts": rooms.contacts_of(api_user())})


@bp.post("/chat/direct")
@accepts(body={"user_id": "id"}, required=("user_id",))
@returns(200, _ROOM_ANSWER)
def chat_direct():
    """{user_id} -> {room}: the direct room with that person, created on first contact."""
    user_id = payload_id(json_body().get("user_id"), "user_id")
    return jsonify({"room": rooms.open_direct_room(api_user(), user_id)})


@bp.get("/chat/unread")
@returns(
    200,
    obj(
        {
            "total": COUNT,
            # room id -> its unread count; rooms with none are left out
            "rooms": {
                "type": "object",
                "propertyNames": {"pattern": "^[1-9][0-9]*$"},
                "additionalProperties": {"type": "integer", "minimum": 1},
            },
        }
    ),
)
def chat_unread():
    """{total, rooms: {"<room_id>": n}} for the rooms with unread messages."""
    return jsonify(reading.unread_summary(api_user()))


@bp.get("/chat/attachments/<int:message_id>")
@returns_attachment
@talisman(content_security_policy=False)  # the download sets its own, sandboxed
def chat_attachment(message_id: int):
    """The file of a message, to those who may read its room; a download, images inline."""
    message = reading.attachment_of(api_user(), message_id)
    return attachment_response(
        message.attachment_key, message.attachment_name, message.attachment_type
    )
