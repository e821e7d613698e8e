"""Notifications: record one for a user (honouring their settings), push it live and e-mail it
after commit, list them, mark them read, and keep per-category settings.

Other areas call `notify(...)` inside their own transaction; nothing is sent unless it commits.
"""

from __future__ import annotations

from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select, update

from thebot import realtime
from thebot.extensions import db, socketio
from thebot.models import ChatMember, MessageKind, User
from thebot.models.base import execute_dml, insert_or_ignore, utcnow
from thebot.models.notifications import (
    CATEGORIES,
    EMAIL_ONLY_CATEGORIES,
    KIND_CATEGORY,
    Notification,
    NotificationSetting,
    default_settings,
)
from thebot.services import mailer
from thebot.services.errors import Invalid, NotFound
from thebot.services.notify_texts import render
from thebot.services.people import locale_of

NAMESPACE = realtime.NOTIFICATIONS
PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
TITLE_MAX = 200
BODY_MAX = 2_000
URL_MAX = 500


# --- recording --------------------------------------------------------------------------------


def notify(
    user,
    kind: str,
    *,
    title: str = "",
    body: str = "",
    url: str = "",
    dedupe_key: str | None = None,
    params: dict | None = None,
) -> Notification | None:
    """Record a notification for `user` (User or id) in the current transaction; push after commit.

    With `params` (JSON values: names, ISO dates, user text) the title and body are rendered from
    the kind and params (`notify_texts.render`) — in the recipient's language for the stored copy
    and the e-mail, and in the viewer's current language whenever the notification is shown.
    Without them, `title` and `body` are fixed text.

    Returns None when the user switched the kind's category off in-app, or when an unread
    notification with the same `dedupe_key` already exists. E-mail follows its own switch and
    goes to users with an address, after commit; a deduplicated kind mails only together with
    a new in-app record (so a busy chat room mails once until read).
    """
    if kind not in KIND_CATEGORY:
        raise ValueError(f"unknown notification kind {kind!r}")
    if url and not url.startswith(("/", "https://", "http://")):
        raise ValueError("a notification link is a path on this site or an http(s) URL")
    user_id = user if isinstance(user, int) else user.id
    category = KIND_CATEGORY[kind]
    choice = settings_for(user_id)[category]
    if params is not None:
        with force_locale(locale_of(user)):
            title, body = render(kind, params, title, body)
    title, body = title.strip()[:TITLE_MAX], body.strip()[:BODY_MAX]
    record = None
    if choice["in_app"]:
        record = _insert(user_id, kind, title, body, url, dedupe_key, params)
        if record is not None:
            _push_after_commit(record)
    # A deduplicated kind (chat) mails only with a new in-app record, never once per message.
    if choice["email"] and (record is not None or (dedupe_key is None and not choice["in_app"])):
        mailer.send_after_commit(user_id, kind, title=title, body=body, url=url)
    return record


def _insert(
    user_id: int,
    kind: str,
    title: str,
    body: str,
    url: str,
    key: str | None,
    params: dict | None = None,
) -> Notification | None:
    """Insert unless an unread notification with the same key exists (then None).

    The partial unique index decides, with INSERT … ON CONFLICT DO NOTHING, so concurrent
    callers never fail the action that notifies (no savepoint, no IntegrityError).
    """
    statement = insert_or_ignore(
        Notification,
        dict(
            user_id=user_id,
            kind=kind,
            title=title,
            body=body,
            url=url[:URL_MAX],
            dedupe_key=key,
            params=params,
            created_at=utcnow(),
        ),
    ).returning(Notification)
    return db.session.scalars(statement).one_or_none()


def _push_after_commit(record: Notification) -> None:
    with force_locale(locale_of(record.user_id)):  # the language the user's pages are in now
        payload = notification_dict(record)  # now: after commit the record is expired
    user_id = record.user_id
    realtime.after_commit(lambda: _emit_new(payload, realtime.user_room(user_id), user_id))


def _emit_new(payload: dict, room: str, user_id: int) -> None:
    """After commit: the notification and the user's new unread count to their sockets."""
    socketio.emit("notification", payload, to=room, namespace=NAMESPACE)
    socketio.emit(
        "unread_count", {"count": _unread_count_fresh(user_id)}, to=room, namespace=NAMESPACE
    )


def _unread_count_fresh(user_id: int) -> int:
    # Runs after a commit, when the session may not emit SQL: use a connection of its own.
    with db.engine.connect() as connection:
        return connection.execute(
            select(func.count(Notification.id)).where(
                Notification.user_id == user_id, Notification.read_at.is_(None)
            )
        ).scalar_one()


def _push_count_after_commit(user_id: int) -> None:
    realtime.after_commit(
        lambda: socketio.emit(
            "unread_count",
            {"count": _unread_count_fresh(user_id)},
            to=realtime.user_room(user_id),
            namespace=NAMESPACE,
        )
    )


def stored_text(text: str, *, user, **values) -> str:
    """A translatable text rendered for its recipient's language: notifications are stored text."""
    with force_locale(locale_of(user)):
        return gettext(text, **values)


# --- reading ----------------------------------------------------------------------------------


def texts(record: Notification) -> tuple[str, str]:
    """(title, body) of a stored notification, in the current language when it has params."""
    if record.params:
        title, body = render(record.kind, record.params, record.title, record.body)
        return title.strip()[:TITLE_MAX], body.strip()[:BODY_MAX]
    return record.title, record.body


def notification_dict(record: Notification) -> dict:
    """The contract's JSON shape of one notification (texts in the current language)."""
    title, body = texts(record)
    return {
        "id": record.id,
        "kind": record.kind,
        "title": title,
        "body": body,
        "url": record.url,
        "created_at": record.created_at.isoformat(),
        "read": record.read_at is not None,
    }


def unread_count(user: User | int) -> int:
    """How many unread notifications the user has."""
    user_id = user if isinstance(user, int) else user.id
    return db.session.scalars(
        select(func.count(Notification.id)).where(
            Notification.user_id == user_id, Notification.read_at.is_(None)
        )
    ).one()


def list_for(
    user: User, *, before_id: int | None = None, limit: int | None = None
) -> list[Notification]:
    """The user's notifications, newest first, older than `before_id`, at most `limit`."""
    limit = PAGE_SIZE if limit is None else limit
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_PAGE_SIZE:
        raise Invalid(
            _l("'limit' must be a whole number from 1 to %(max)d.", max=MAX_PAGE_SIZE),
            {"limit": _l("From 1 to %(max)d.", max=MAX_PAGE_SIZE)},
        )
    if before_id is not None and (not isinstance(before_id, int) or isinstance(before_id, bool)):
        raise Invalid(
            _l("'before_id' must be a whole number."), {"before_id": _l("A whole number.")}
        )
    query = select(Notification).where(Notification.user_id == user.id)
    if before_id is not None:
        query = query.where(Notification.id < before_id)
    return list(db.session.scalars(query.order_by(Notification.id.desc()).limit(limit)))


def get_for(user: User, notification_id: int) -> Notification:
    """One notification of this user; anybody else's (or none) is NotFound."""
    record = db.session.get(Notification, notification_id)
    if record is None or record.user_id != user.id:
        raise NotFound(_l("No such notification."))
    return record


# --- marking read -----------------------------------------------------------------------------


def mark_read(user: User, notification_id: int) -> int:
    """Mark one of the user's notifications read (a repeat is a no-op); returns the unread count."""
    record = get_for(user, notification_id)
    if record.read_at is None:
        record.read_at = utcnow()
        _push_count_after_commit(user.id)
    db.session.commit()
    return unread_count(user)


def mark_all_read(user: User) -> int:
    """Mark every notification of the user read; returns the unread count (0)."""
    result = execute_dml(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    if result.rowcount:
        _push_count_after_commit(user.id)
    db.session.commit()
    return unread_count(user)


def mark_read_by_key(user_id: int, key: str) -> bool:
    """Mark the user's unread notification with this dedupe key read, in the caller's transaction.

    For other areas (the chat marks a room's "new message" read when the user reads the room).
    Returns whether one was marked.
    """
    result = execute_dml(
        update(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.dedupe_key == key,
            Notification.read_at.is_(None),
        )
        .values(read_at=utcnow())
    )
    if result.rowcount:
        _push_count_after_commit(user_id)
    return bool(result.rowcount)


# --- settings ---------------------------------------------------------------------------------


def settings_for(user: User | int) -> dict[str, dict[str, bool]]:
    """{category: {"in_app", "email"}} for every category, defaults (by role) filled in."""
    user_id = user if isinstance(user, int) else user.id
    found = db.session.get(User, user_id) if isinstance(user, int) else user
    result = default_settings(found.role.value if found is not None else None)
    for row in db.session.scalars(
        select(NotificationSetting).where(NotificationSetting.user_id == user_id)
    ):
        if row.category in result:
            result[row.category] = {"in_app": row.in_app, "email": row.email}
    return result


def update_settings(user: User, categories) -> dict[str, dict[str, bool]]:
    """Save the given categories' switches (others unchanged); returns every category's settings."""
    if not isinstance(categories, dict):
        raise Invalid(
            _l("'categories' must be an object."), {"categories": _l("An object by category.")}
        )
    current = settings_for(user)
    for category, switches in categories.items():
        if category not in current:
            raise Invalid(
                _l("Unknown category %(name)s.", name=repr(str(category)[:40])),
                {"categories": _l("Known categories: %(names)s.", names=", ".join(CATEGORIES))},
            )
        if not isinstance(switches, dict) or set(switches) - {"in_app", "email"}:
            raise Invalid(
                _l("Each category takes 'in_app' and/or 'email'."),
                {category: _l("Only 'in_app' and 'email' (true or false).")},
            )
        for name, value in switches.items():
            if not isinstance(value, bool):
                raise Invalid(
                    _l("'%(name)s' must be true or false.", name=name),
                    {category: _l("true or false.")},
                )
            if value and name == "in_app" and category in EMAIL_ONLY_CATEGORIES:
                raise Invalid(
                    _l("%(name)s is sent by e-mail only.", name=category),
                    {category: _l("Only 'email' can be switched on.")},
                )
            current[category][name] = value
    for category in categories:
        row = db.session.get(NotificationSetting, (user.id, category))
        if row is None:
            row = NotificationSetting(user_id=user.id, category=category)
            db.session.add(row)
        row.in_app, row.email = current[category]["in_app"], current[category]["email"]
    db.session.commit()
    return current


# --- listening to other areas -----------------------------------------------------------------

MESSAGE_SNIPPET = 140


def room_key(room_id: int) -> str:
    """The dedupe key of a room's "new message" notification."""
    return f"room:{room_id}"


# The members of a room to tell of a new message: not the sender, and not those who still have
# the room's notification unread (`notify` would make them nothing: the dedupe key), so a busy
# room costs one statement per message. Built once (SQLAlchemy reuses its cache key).
_MEMBERS_TO_NOTIFY = select(ChatMember.user_id).where(
    ChatMember.room_id == bindparam("room_id"),
    ChatMember.user_id != bindparam("sender_id"),
    ~select(Notification.id)
    .where(
        Notification.user_id == ChatMember.user_id,
        Notification.dedupe_key == bindparam("key"),
        Notification.read_at.is_(None),
    )
    .exists(),
)


def notify_new_message(message) -> None:
    """A chat message was stored: one unread "new message" notification per room per member."""
    if message.kind is MessageKind.SYSTEM or message.sender_id is None:
        return
    sender = db.session.get(User, message.sender_id)
    if sender is None:  # the sender's account is gone: nobody to name
        return
    key = room_key(message.room_id)
    member_ids = db.session.scalars(
        _MEMBERS_TO_NOTIFY,
        {"room_id": message.room_id, "sender_id": message.sender_id, "key": key},
    )
    if message.kind is MessageKind.FILE:
        snippet = f"📎 {message.attachment_name or ''}".strip()
    else:
        snippet = (
            message.content
            if len(message.content) <= MESSAGE_SNIPPET
            else (message.content[: MESSAGE_SNIPPET - 1].rstrip() + "…")
        )
    for user_id in member_ids.all():
        notify(
            user_id,
            "message",
            params={"sender": sender.full_name, "snippet": snippet},
            url=f"/chat/?room={message.room_id}",
            dedupe_key=key,
        )
