"""The /notifications namespace: list notifications and mark them read; the server pushes
`notification` and `unread_count` to each user's private room (see services.notify).
"""

from __future__ import annotations

from flask_babel import gettext as _

from thebot.services import notify
from thebot.services.ids import payload_id
from thebot.sockets.base import AuthedNamespace, Refused, socket_event


def _optional_count(payload: dict, name: str) -> int | None:
    value = payload.get(name)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise Refused("bad_request", _("'%(name)s' must be a positive whole number.", name=name))
    return value


class NotificationsNamespace(AuthedNamespace):
    """Events of the notification centre; every socket is in its user's private room."""

    @socket_event
    def on_list(self, user, payload):
        """{before_id?, limit?} -> {notifications, unread}, newest first."""
        records = notify.list_for(
            user,
            before_id=payload_id(payload.get("before_id"), "before_id", required=False),
            limit=_optional_count(payload, "limit"),
        )
        return {
            "notifications": [notify.notification_dict(r) for r in records],
            "unread": notify.unread_count(user),
        }

    @socket_event
    def on_mark_read(self, user, payload):
        """{id} or {all: true} -> {unread}."""
        if payload.get("all") is True:
            return {"unread": notify.mark_all_read(user)}
        notification_id = payload_id(payload.get("id"), "id", required=False)
        if notification_id is None:
            raise Refused("bad_request", _("Give 'id', or 'all': true."))
        return {"unread": notify.mark_read(user, notification_id)}
