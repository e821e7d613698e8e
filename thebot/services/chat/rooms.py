"""Rooms: created with the relationship they serve (insert-or-get, safe under concurrent callers),
membership that follows the student's links, direct rooms, contacts, locking.

Its receivers of `signals.enrolled`, `signals.enrollment_ended` and `signals.links_changed` are
connected in `thebot.connect_signals`.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select, text

from thebot import realtime
from thebot.extensions import db
from thebot.models import (
    ChatMember,
    ChatMessage,
    ChatRoom,
    ChatSocketJoin,
    Enrollment,
    RoomKind,
    User,
)
from thebot.models.base import execute_dml, insert_or_ignore
from thebot.services.chat import access as chat_access
from thebot.services.chat import serialize
from thebot.services.errors import NotFound


def _ensure_room(kind: RoomKind, keys: dict, conflict: list[str]) -> ChatRoom:
    """The room of this kind with these keys, created if missing (never twice).

    `conflict` names the columns of the kind's partial unique index, which decides races.
    """
    query = select(ChatRoom).where(
        ChatRoom.kind == kind, *[getattr(ChatRoom, k) == v for k, v in keys.items()]
    )
    room = db.session.scalar(query)
    if room is None:
        db.session.execute(
            insert_or_ignore(
                ChatRoom, {"kind": kind.value, **keys}, conflict, text(f"kind = '{kind.value}'")
            )
        )
        room = db.session.scalars(query).one()
    return room


def _last_message_id(room_id: int) -> int:
    return db.session.scalars(
        select(func.coalesce(func.max(ChatMessage.id), 0)).where(ChatMessage.room_id == room_id)
    ).one()


def _add_member(room: ChatRoom, user_id: int | None) -> bool:
    """Make the user a member; someone joining an existing conversation starts with it read.

    True when they were not a member before."""
    if user_id is None:
        return False
    result = execute_dml(
        insert_or_ignore(
            ChatMember,
            {"room_id": room.id, "user_id": user_id, "last_read_id": _last_message_id(room.id)},
            ["room_id", "user_id"],
        )
    )
    return result.rowcount == 1


def _remove_member(room: ChatRoom, user_id: int | None) -> bool:
    """End a membership: the person's sockets leave the room and they stop seeing it.

    True when they were a member."""
    if user_id is None:
        return False
    removed = execute_dml(
        delete(ChatMember).where(ChatMember.room_id == room.id, ChatMember.user_id == user_id)
    )
    sids = list(
        db.session.scalars(
            select(ChatSocketJoin.sid).where(
                ChatSocketJoin.room_id == room.id, ChatSocketJoin.user_id == user_id
            )
        )
    )
    if sids:
        db.session.execute(
            delete(ChatSocketJoin).where(
                ChatSocketJoin.room_id == room.id, ChatSocketJoin.user_id == user_id
            )
        )
        realtime.emit(
            "presence",
            {"room_id": room.id, "user_id": user_id, "online": False},
            to=realtime.chat_room(room.id),
            namespace=realtime.CHAT,
        )
    name = realtime.chat_room(room.id)
    for sid in sids:
        realtime.leave_room(sid, name, namespace=realtime.CHAT)
    return removed.rowcount > 0


def announce_room(room: ChatRoom) -> None:
    """After commit, tell each member (in their own view) and any reading admin of a change."""
    db.session.flush()
    member_ids = set(
        db.session.scalars(select(ChatMember.user_id).where(ChatMember.room_id == room.id))
    )
    for user in db.session.scalars(select(User).where(User.id.in_(member_ids))):
        realtime.emit(
            "room_updated",
            serialize.room_for(user, room),
            to=realtime.user_room(user.id),
            namespace=realtime.CHAT,
        )
    readers = db.session.execute(
        select(ChatSocketJoin.sid, ChatSocketJoin.user_id).where(
            ChatSocketJoin.room_id == room.id, ChatSocketJoin.user_id.not_in(member_ids)
        )
    ).all()
    for sid, user_id in readers:
        reader = db.session.get(User, user_id)
        if reader is not None:
            realtime.emit(
                "room_updated", serialize.room_for(reader, room), to=sid, namespace=realtime.CHAT
            )


# --- rooms that follow the relationships (receivers run inside the sender's transaction) ------


def ensure_subject_room(enrollment: Enrollment) -> ChatRoom:
    """The enrollment's room with the student, the teacher and the student's parent and
    second guardian."""
    room = _ensure_room(
        RoomKind.SUBJECT,
        {"enrollment_id": enrollment.id, "student_id": enrollment.student_id},
        ["enrollment_id"],
    )
    profile = enrollment.student.student_profile
    for user_id in [
        enrollment.student_id,
        enrollment.teacher_id,
        *(profile.guardian_ids if profile else []),
    ]:
        _add_member(room, user_id)
    return room


def ensure_tutor_room(student: User) -> ChatRoom:
    """The student's tutor room with the student, the tutor, the parent and second guardian."""
    room = _ensure_room(RoomKind.TUTOR, {"student_id": student.id}, ["student_id"])
    profile = student.student_profile
    for user_id in [
        student.id,
        profile.tutor_id if profile else None,
        *(profile.guardian_ids if profile else []),
    ]:
        _add_member(room, user_id)
    return room


def enrollment_created(enrollment: Enrollment) -> None:
    """signals.enrolled: the subject room appears with the enrollment."""
    announce_room(ensure_subject_room(enrollment))


def enrollment_ended(enrollment: Enrollment) -> None:
    """signals.enrollment_ended: the room stays readable and takes no new messages."""
    room = ensure_subject_room(enrollment)
    announce_room(room)
    profile = enrollment.student.student_profile
    _announce_direct_rooms_of(
        {
            enrollment.teacher_id,
            profile.tutor_id if profile else None,
            *(profile.guardian_ids if profile else []),
        }
    )


def _announce_direct_rooms_of(user_ids: set) -> None:
    """A link changed: direct rooms of these people may have become read-only (or open again)."""
    user_ids = {user_id for user_id in user_ids if user_id is not None}
    if not user_ids:
        return
    db.session.flush()
    rooms = db.session.scalars(
        select(ChatRoom).where(
            ChatRoom.kind == RoomKind.DIRECT,
            or_(ChatRoom.user_low_id.in_(user_ids), ChatRoom.user_high_id.in_(user_ids)),
        )
    )
    for room in rooms:
        announce_room(room)


def links_changed(
    student: User,
    *,
    old_tutor_id: int | None,
    old_parent_id: int | None,
    old_guardian_id: int | None = None,
) -> None:
    """signals.links_changed: who left the student's family (tutor, parent, second guardian)
    leaves the student's rooms, who joined joins them.

    The family side is compared as a set ({old parent, old guardian} against the current two),
    so swapping the parent and the guardian, or a parent becoming the guardian, keeps their
    memberships (and read cursors) as they are; only real changes are announced.
    """
    profile = student.student_profile
    if profile is None:
        return
    if profile.tutor_id is not None:
        ensure_tutor_room(student)
    rooms = list(db.session.scalars(select(ChatRoom).where(ChatRoom.student_id == student.id)))
    old_family = {i for i in (old_parent_id, old_guardian_id) if i is not None}
    new_family = set(profile.guardian_ids)
    leaving, joining = old_family - new_family, new_family - old_family
    changed = set()
    for room in rooms:
        if room.kind is RoomKind.TUTOR and old_tutor_id != profile.tutor_id:
            _remove_member(room, old_tutor_id)
            _add_member(room, profile.tutor_id)
            changed.add(room)
        for user_id in leaving:
            if _remove_member(room, user_id):
                changed.add(room)
        for user_id in joining:  # (the tutor room above may have added them already)
            _add_member(room, user_id)
            changed.add(room)
    for room in changed:
        announce_room(room)
    teachers = set(
        db.session.scalars(
            select(Enrollment.teacher_id).where(
                Enrollment.student_id == student.id, Enrollment.is_active.is_(True)
            )
        )
    )
    _announce_direct_rooms_of({old_tutor_id, profile.tutor_id} | old_family | new_family | teachers)


# --- reading ----------------------------------------------------------------------------------


def _recency(room: dict) -> tuple:
    """Rooms sort by their last message's time (then its id), rooms without messages last."""
    last = room["last_message"]
    if last is None:
        return (0, "", 0, room["id"])
    return (1, last["created_at"], last["id"], room["id"])


def rooms_of(user: User) -> list[dict]:
    """The rooms the user may read, described for them, most recent conversation first."""
    described = serialize.rooms_for(user, serialize.load_rooms(chat_access.rooms_visible_to(user)))
    described.sort(key=_recency, reverse=True)
    return described


def room_of(user: User, room_id: int) -> dict:
    """One room the user may read, described for them (NotFound otherwise)."""
    chat_access.visible_room(user, room_id)
    rooms = serialize.load_rooms(select(ChatRoom).where(ChatRoom.id == room_id))
    return serialize.room_for(user, rooms[0])


def contacts_of(user: User) -> list[dict]:
    """Who the user may message directly, with the id of their existing direct room if any."""
    people = list(
        db.session.scalars(
            select(User)
            .where(User.id.in_(chat_access.direct_contact_ids(user)))
            .order_by(func.lower(User.full_name))
        )
    )
    ids = [person.id for person in people]
    rooms = db.session.execute(
        select(ChatRoom.id, ChatRoom.user_low_id, ChatRoom.user_high_id).where(
            ChatRoom.kind == RoomKind.DIRECT,
            ((ChatRoom.user_low_id == user.id) & ChatRoom.user_high_id.in_(ids))
            | ((ChatRoom.user_high_id == user.id) & ChatRoom.user_low_id.in_(ids)),
        )
    ).all()
    room_by_person = {(low if high == user.id else high): room_id for room_id, low, high in rooms}
    return [
        {
            "id": p.id,
            "full_name": p.full_name,
            "role": p.role.value,
            "room_id": room_by_person.get(p.id),
        }
        for p in people
    ]


# --- acting -----------------------------------------------------------------------------------


def open_direct_room(user: User, other_id: int) -> dict:
    """The direct room with `other_id`, created on first contact; refused pairs are NotFound."""
    if not isinstance(other_id, int) or not chat_access.may_message_directly(user, other_id):
        raise NotFound(_l("You cannot start a conversation with this person."))
    low, high = sorted((user.id, other_id))
    existed = (
        db.session.scalar(
            select(ChatRoom.id).where(
                ChatRoom.kind == RoomKind.DIRECT,
                ChatRoom.user_low_id == low,
                ChatRoom.user_high_id == high,
            )
        )
        is not None
    )
    room = _ensure_room(
        RoomKind.DIRECT, {"user_low_id": low, "user_high_id": high}, ["user_low_id", "user_high_id"]
    )
    _add_member(room, low)
    _add_member(room, high)
    if not existed:
        announce_room(room)
    description = room_of(user, room.id)
    db.session.commit()
    return description


def set_locked(user: User, room_id: int, locked: bool) -> dict:
    """A moderator locks or unlocks their room; every member hears of it."""
    room = chat_access.visible_room(user, room_id)
    chat_access.require_moderator(user, room)
    if room.locked != locked:
        room.locked = locked
        announce_room(room)
    description = room_of(user, room.id)
    db.session.commit()
    return description
