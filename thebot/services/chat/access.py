"""Who may see, post in and moderate chat rooms, whom a user may message directly, and what a
user may do to a room's messages.

Each rule is one function that both the checks and the JSON use: `direct_contact_ids` (the
"new conversation" list and the permission to open or write in a direct room),
`posting_refusal` (`can_post` and every send), `edit_refusal` / `delete_refusal` (each message's
`can_edit` / `can_delete`, the room's `message_rights`, and the edit and delete themselves).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, false, select
from sqlalchemy.orm import joinedload

from thebot.extensions import db
from thebot.models import ChatMember, ChatMessage, ChatRoom, MessageKind, Role, RoomKind, User
from thebot.services import access
from thebot.services.chat.errors import Locked
from thebot.services.errors import DomainError, Forbidden, Invalid, NotFound


def direct_contact_ids(user: User) -> Select:
    """A SELECT of the ids of the active people this user may message directly (domain.md §3).

    tutor–teacher who share a student with an active enrollment; parent–teacher where a child
    has an active enrollment with that teacher; parent–tutor where the tutor is a child's tutor.
    These pairs are exactly the adults a tutor, teacher or parent may see (domain.md §2), so the
    rule is `access.user_ids_visible_to` without the students and the user themself. Students
    and admins have no direct contacts.
    """
    if user.role not in (Role.TUTOR, Role.TEACHER, Role.PARENT):
        return select(User.id).where(false())
    return select(User.id).where(
        User.id.in_(access.user_ids_visible_to(user)),
        User.role.in_((Role.TUTOR, Role.TEACHER, Role.PARENT)),
        User.active.is_(True),
        User.id != user.id,
    )


def may_message_directly(user: User, other_id: int) -> bool:
    """Whether `user` may open or write in a direct conversation with `other_id`."""
    query = select(User.id).where(User.id == other_id, User.id.in_(direct_contact_ids(user)))
    return db.session.scalar(query) is not None


def rooms_visible_to(user: User) -> Select:
    """A SELECT of the rooms this user may read: their own rooms; every room for an admin."""
    query = select(ChatRoom)
    if access.is_admin(user):
        return query
    return query.where(
        ChatRoom.id.in_(select(ChatMember.room_id).where(ChatMember.user_id == user.id))
    )


def visible_room(user: User, room_id: int) -> ChatRoom:
    """The room if the user may read it; NotFound otherwise (unknown and unseen look the same)."""
    room = db.session.scalar(rooms_visible_to(user).where(ChatRoom.id == room_id))
    if room is None:
        raise NotFound(_l("No such conversation."))
    return room


# Built once: SQLAlchemy reuses a statement's cache key, so a send spends nothing rebuilding it.
_ROOM_TO_POST_IN = select(ChatRoom).options(
    joinedload(ChatRoom.enrollment),
    joinedload(ChatRoom.student).joinedload(User.student_profile),
)
_MEMBERS_ROOM = _ROOM_TO_POST_IN.where(
    ChatRoom.id == bindparam("room_id"),
    ChatRoom.id.in_(select(ChatMember.room_id).where(ChatMember.user_id == bindparam("user_id"))),
)


def room_to_post_in(user: User, room_id: int) -> ChatRoom:
    """`visible_room` for a send: one statement that also loads what `posting_refusal` reads
    (the enrollment; the student's profile), so a send checks visibility, membership and the
    posting rule in one query. A non-admin sees only the rooms they are a member of, so being
    visible is being a member (`is_member=True` for `posting_refusal`)."""
    if access.is_admin(user):
        room = db.session.scalar(_ROOM_TO_POST_IN.where(ChatRoom.id == room_id))
    else:
        room = db.session.scalar(_MEMBERS_ROOM, {"room_id": room_id, "user_id": user.id})
    if room is None:
        raise NotFound(_l("No such conversation."))
    return room


def visible_message(user: User, message_id: int) -> ChatMessage:
    """A message (not deleted) of a room the user may read; NotFound otherwise."""
    message = db.session.get(ChatMessage, message_id)
    if message is None or message.deleted_at is not None:
        raise NotFound(_l("No such message."))
    visible_room(user, message.room_id)  # the same 404 when the room is not theirs
    return message


def membership(room: ChatRoom, user: User) -> ChatMember | None:
    """The user's membership row in the room, or None (admins read without one)."""
    return db.session.get(ChatMember, (room.id, user.id))


def is_read_only(
    room: ChatRoom, contacts: set[int] | None = None, viewer: User | None = None
) -> bool:
    """Whether the relationship the room serves has ended, leaving only its history.

    A subject room whose enrollment ended; a tutor room whose student has no tutor now; a
    direct room whose two people are no longer allowed to talk: either of them is deactivated,
    or the rule of `direct_contact_ids` no longer joins them. The answer is the same from both
    sides (and without a viewer); `contacts` may carry the viewer's direct contact ids to avoid
    a query per room.
    """
    if room.kind is RoomKind.SUBJECT:
        return not room.subject_enrollment.is_active
    if room.kind is RoomKind.TUTOR:
        profile = room.room_student.student_profile
        return profile is None or profile.tutor_id is None
    low, high = room.direct_pair
    if viewer is None or viewer.id not in (low, high):
        viewer, contacts = db.session.get(User, low), None
    if viewer is None or not viewer.active:
        return True
    other = high if viewer.id == low else low
    if contacts is None:
        return not may_message_directly(viewer, other)  # also false when `other` is inactive
    return other not in contacts  # direct contacts are active people only


def can_moderate(user: User, room: ChatRoom) -> bool:
    """The teacher of a subject room and the (current) tutor of a tutor room moderate it."""
    if room.kind is RoomKind.SUBJECT:
        return room.subject_enrollment.teacher_id == user.id
    if room.kind is RoomKind.TUTOR:
        profile = room.room_student.student_profile
        return profile is not None and profile.tutor_id == user.id
    return False


def posting_refusal(
    user: User, room: ChatRoom, *, is_member: bool | None = None, contacts: set[int] | None = None
) -> DomainError | None:
    """Why the user may not post in the room now, or None when they may: the one rule behind
    the room JSON's `can_post` and every send, upload, edit and typing check.

    `is_member` and `contacts` let a list of rooms pass what it already loaded.
    """
    if access.is_admin(user):
        return Forbidden(_l("Administrators read conversations but do not post in them."))
    if is_member is None:
        is_member = membership(room, user) is not None
    if not is_member:
        return NotFound(_l("No such conversation."))
    if room.locked or is_read_only(room, contacts, user):
        return Locked(_l("This conversation is locked: new messages are not accepted."))
    return None


def require_poster(user: User, room: ChatRoom, *, is_member: bool | None = None) -> None:
    """Refuse unless the user may post in the room now (`posting_refusal`)."""
    refusal = posting_refusal(user, room, is_member=is_member)
    if refusal is not None:
        raise refusal


def require_moderator(user: User, room: ChatRoom) -> None:
    """Refuse (403) unless the user moderates this room."""
    if not can_moderate(user, room):
        raise Forbidden(_l("Only the room's teacher or tutor may do this."))


def edit_refusal(
    user: User, own: bool, kind: MessageKind, posting: DomainError | None
) -> DomainError | None:
    """Why the user may not edit a message now, or None: only the author (`own`), only text,
    only while they may post in its room (`posting` is their `posting_refusal` there)."""
    if not own:
        return Forbidden(_l("You can edit only your own messages."))
    if kind is not MessageKind.TEXT:
        return Invalid(_l("Only text messages can be edited."))
    return posting


def delete_refusal(user: User, own: bool, moderates: bool) -> DomainError | None:
    """Why the user may not delete a message, or None: its author (in a locked room too; not an
    admin) or the room's moderator (`moderates`: `can_moderate`) may."""
    if (own and not access.is_admin(user)) or moderates:
        return None
    return Forbidden(_l("You can delete only your own messages."))


def message_rights(user: User, posting: DomainError | None, moderates: bool) -> dict:
    """What the user may do to a room's messages now, by whose they are and their kind:
    {"own" | "others": {kind: {"can_edit", "can_delete"}}}, from the refusals above (`posting`
    and `moderates` are the user's `posting_refusal` and `can_moderate` for the room)."""
    return {
        whose: {
            kind.value: {
                "can_edit": edit_refusal(user, own, kind, posting) is None,
                "can_delete": delete_refusal(user, own, moderates) is None,
            }
            for kind in MessageKind
        }
        for whose, own in (("own", True), ("others", False))
    }


def room_message_rights(user: User, room: ChatRoom) -> dict:
    """`message_rights` of the user in one room."""
    return message_rights(user, posting_refusal(user, room), can_moderate(user, room))


def rights_of(rights: dict, user: User, message: ChatMessage) -> dict:
    """One message's {"can_edit", "can_delete"} for the user, from their `message_rights`."""
    return rights["own" if message.sender_id == user.id else "others"][message.kind.value]
