"""The caller's notifications and notification settings."""

from __future__ import annotations

from flask import jsonify

from thebot.api import api_user, bp
from thebot.api.schema import accepts
from thebot.api.shapes import (
    BOOLEAN,
    COUNT,
    DATETIME,
    ID,
    STRING,
    URL,
    array,
    component,
    obj,
    one_of_values,
    returns,
)
from thebot.api.util import id_arg, int_arg, json_body
from thebot.models.notifications import CATEGORIES, EMAIL_ONLY_CATEGORIES, KINDS
from thebot.services import notify

# services/notify.py: notification_dict (`url` a path on this site, or "").
NOTIFICATION = component(
    "Notification",
    obj(
        {
            "id": ID,
            "kind": one_of_values(*KINDS),
            "title": STRING,
            "body": STRING,
            "url": URL,
            "created_at": DATETIME,
            "read": BOOLEAN,
        }
    ),
)
# Every category with both switches (settings_for); an e-mail-only category is never in-app.
NOTIFICATION_SETTINGS = component(
    "NotificationSettings",
    obj(
        {
            "categories": obj(
                {
                    category: obj(
                        {
                            "in_app": {"const": False}
                            if category in EMAIL_ONLY_CATEGORIES
                            else BOOLEAN,
                            "email": BOOLEAN,
                        }
                    )
                    for category in CATEGORIES
                }
            )
        }
    ),
)
UNREAD = obj({"unread": COUNT})


@bp.get("/notifications")
@accepts(query={"before_id": "id", "limit": "count"})
@returns(200, obj({"notifications": array(NOTIFICATION), "unread": COUNT}))
def notifications():
    """The caller's notifications, newest first (paged by `before_id`, `limit`), and the count."""
    user = api_user()
    before_id, limit = id_arg("before_id"), int_arg("limit")
    records = notify.list_for(user, before_id=before_id, limit=limit)
    return jsonify(
        {
            "notifications": [notify.notification_dict(r) for r in records],
            "unread": notify.unread_count(user),
        }
    )


@bp.post("/notifications/<int:notification_id>/read")
@returns(200, UNREAD)
def notification_read(notification_id: int):
    """Mark one of the caller's notifications read (others' are 404)."""
    return jsonify({"unread": notify.mark_read(api_user(), notification_id)})


@bp.post("/notifications/read-all")
@returns(200, UNREAD)
def notifications_read_all():
    """Mark every notification of the caller read."""
    return jsonify({"unread": notify.mark_all_read(api_user())})


@bp.get("/notifications/settings")
@returns(200, NOTIFICATION_SETTINGS)
def notification_settings():
    """The caller's in-app and e-mail switches per category."""
    return jsonify({"categories": notify.settings_for(api_user())})


@bp.put("/notifications/settings")
@accepts(body={"categories": "object"}, required=("categories",))
@returns(200, NOTIFICATION_SETTINGS)
def notification_settings_update():
    """Save some categories' switches: {"categories": {"chat": {"in_app": true, ...}}}."""
    data = json_body()
    return jsonify({"categories": notify.update_settings(api_user(), data.get("categories"))})
