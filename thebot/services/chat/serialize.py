"""The JSON shapes of rooms and messages (contract.md §4 /chat), for the API and sockets alike.

Rooms are described for one viewer (title, unread, can_post differ per person); a list of rooms
is built in a fixed number of queries whatever its length.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload

from thebot.extensions import db
from thebot.models import (
    ChatMember,
    ChatMessage,
    ChatRoom,
    ChatSocketJoin,
    Enrollment,
    RoomKind,
    StudentProfile,
    User,
)
from thebot.models.base import iso
from thebot.services.chat import access as chat_access

ATTACHMENT_URL = "/api/v1/chat/attachments/{id}"


def message_dict(message: ChatMessage, rights: dict | None = None) -> dict:
    """One message as the contract's JSON; in a list read by one viewer (history, catch-up),
    with their `rights` on it (`can_edit`, `can_delete`: `access.rights_of`). What goes to a
    whole room (events, and the send and edit answers, which equal them) carries none."""
    sender = message.sender
    attachment = None
    if message.attachment_key:
        attachment = {
            "url": ATTACHMENT_URL.format(id=message.id),
            "name": message.attachment_name,
            "size": message.attachment_size,
            "content_type": message.attachment_type,
        }
    return {
        "id": message.id,
        "room_id": message.room_id,
        "sender": (
            {"id": sender.id, "full_name": sender.full_name, "role": sender.role.value}
            if sender is not None
            else None
        ),
        "content": message.content,
        "kind": message.kind.value,
        "attachment": attachment,
        "reply_to_id": message.reply_to_id,
        "created_at": iso(message.created_at),
        "edited_at": iso(message.edited_at),
        "client_id": message.client_id,
        **(rights or {}),
    }


def load_rooms(query) -> list[ChatRoom]:
    """Rooms with what their descriptions need (enrollment, subject, student, links) loaded."""
    query = query.options(
        joinedload(ChatRoom.enrollment).joinedload(Enrollment.subject),
        joinedload(ChatRoom.enrollment).joinedload(Enrollment.teacher),
        joinedload(ChatRoom.student)
        .joinedload(User.student_profile)
        .joinedload(StudentProfile.tutor),
    )
    return list(db.session.scalars(query).unique())


def _members_by_room(room_ids: list[int]) -> tuple[dict[int, list[User]], dict[tuple, int]]:
    """Members of each room, and each member's read cursor by (room id, user id)."""
    rows = db.session.execute(
        select(ChatMember.room_id, ChatMember.last_read_id, User)
        .join(User, User.id == ChatMember.user_id)
        .where(ChatMember.room_id.in_(room_ids))
        .order_by(User.role, User.full_name)
    ).all()
    grouped: dict[int, list[User]] = {room_id: [] for room_id in room_ids}
    cursors: dict[tuple, int] = {}
    for room_id, last_read_id, user in rows:
        grouped[room_id].append(user)
        cursors[(room_id, user.id)] = last_read_id
    return grouped, cursors


def unread_counts(
    *, user_id: int | None = None, room_ids: list[int] | None = None
) -> dict[tuple[int, int], int]:
    """The one unread count: per membership, the messages after the member's read cursor that
    are not theirs and not deleted, by (room id, user id), zeros included. Narrowed to one
    member, to some rooms, or both; the room JSON's `unread`, the `unread` event, `read` and
    `GET /chat/unread` all count with it."""
    m, cm = ChatMessage, ChatMember
    query = (
        select(cm.room_id, cm.user_id, func.count(m.id))
        .outerjoin(
            m,
            and_(
                m.room_id == cm.room_id,
                m.id > cm.last_read_id,
                m.deleted_at.is_(None),
                or_(m.sender_id.is_(None), m.sender_id != cm.user_id),
            ),
        )
        .group_by(cm.room_id, cm.user_id)
    )
    if user_id is not None:
        query = query.where(cm.user_id == user_id)
    if room_ids is not None:
        query = query.where(cm.room_id.in_(room_ids))
    return {(room_id, member_id): count for room_id, member_id, count in db.session.execute(query)}


def _last_messages(room_ids: list[int]) -> dict[int, ChatMessage]:
    latest = (
        select(func.max(ChatMessage.id))
        .where(ChatMessage.room_id.in_(room_ids), ChatMessage.deleted_at.is_(None))
        .group_by(ChatMessage.room_id)
    )
    messages = db.session.scalars(
        select(ChatMessage)
        .where(ChatMessage.id.in_(latest))
        .options(joinedload(ChatMessage.sender))
    )
    return {message.room_id: message for message in messages}


def _online_by_room(room_ids: list[int]) -> dict[int, set[int]]:
    rows = db.session.execute(
        select(ChatSocketJoin.room_id, ChatSocketJoin.user_id)
        .where(ChatSocketJoin.room_id.in_(room_ids))
        .distinct()
    ).all()
    grouped: dict[int, set[int]] = {}
    for room_id, user_id in rows:
        grouped.setdefault(room_id, set()).add(user_id)
    return grouped


def _title(room: ChatRoom, viewer: User, members: list[User]) -> str:
    """What tells the viewer's rooms apart comes first (titles are cut off on phones): the
    student's own rooms are named by their subject ("Maths", "Tutoring"); everyone else's by the
    student, then the subject ("Anna Petrova · Maths"); a direct room by the other person."""
    if room.kind is RoomKind.DIRECT:
        others = [m.full_name for m in members if m.id != viewer.id]
        # A removed account left its rooms: the pair still names it ("Deleted user").
        gone = [i for i in room.direct_pair if i != viewer.id and i not in {m.id for m in members}]
        others += [u.full_name for i in gone if (u := db.session.get(User, i)) is not None]
        return " · ".join(others) or _("Conversation")
    subject = room.subject_enrollment.title if room.kind is RoomKind.SUBJECT else _("Tutoring")
    if room.student_id == viewer.id:
        return subject
    return _("%(student)s · %(subject)s", student=room.room_student.full_name, subject=subject)


def rooms_for(viewer: User, rooms: list[ChatRoom]) -> list[dict]:
    """Describe rooms (loaded by `load_rooms`) for one viewer, in a fixed number of queries."""
    if not rooms:
        return []
    ids = [room.id for room in rooms]
    members, cursors = _members_by_room(ids)
    unread = unread_counts(user_id=viewer.id, room_ids=ids)
    last = _last_messages(ids)
    online = _online_by_room(ids)
    contacts = set(db.session.scalars(chat_access.direct_contact_ids(viewer)))
    described = []
    for room in rooms:
        people = members[room.id]
        is_member = any(person.id == viewer.id for person in people)
        read_only = chat_access.is_read_only(room, contacts, viewer)
        posting = chat_access.posting_refusal(viewer, room, is_member=is_member, contacts=contacts)
        last_message = last.get(room.id)
        described.append(
            {
                "id": room.id,
                "kind": room.kind.value,
                "title": _title(room, viewer, people),
                "enrollment_id": room.enrollment_id,
                "members": [
                    {
                        "id": p.id,
                        "full_name": p.full_name,
                        "role": p.role.value,
                        "online": p.id in online.get(room.id, ()),
                        "last_read_id": cursors[(room.id, p.id)],
                    }
                    for p in people
                ],
                "unread": unread.get((room.id, viewer.id), 0),
                "last_message": message_dict(last_message) if last_message is not None else None,
                "locked": room.locked or read_only,
                "read_only": read_only,
                "can_post": posting is None,
                "can_moderate": is_member and chat_access.can_moderate(viewer, room),
                "message_rights": chat_access.message_rights(
                    viewer, posting, chat_access.can_moderate(viewer, room)
                ),
            }
        )
    return described


def room_for(viewer: User, room: ChatRoom) -> dict:
    """One room described for one viewer."""
    return rooms_for(viewer, [room])[0]
