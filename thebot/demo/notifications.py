"""Demo notifications. The earlier parts' history (chat conversations, sent and read reports)
already notified people through the services, all at load time and all unread. This part makes
that look lived-in: a notification is read when what it points at has been read (the room is
read up to its last message, the report was opened), the newest "your report was read" stays
unread, and each one is dated when its conversation last moved.

Idempotent: it only marks notifications read and dates them from the stored history.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select

from thebot.extensions import db
from thebot.models import ChatMessage, Notification, Report, ReportStatus
from thebot.models.base import utcnow
from thebot.services.chat import reading as chat_reading

DEMO_USERS = (
    "admin",
    "tutor",
    "tutor2",
    "teacher",
    "teacher2",
    "parent",
    "parent2",
    "guardian",
    "student",
    "student2",
    "student3",
    "student4",
)
REPORT_LINK = re.compile(r"/reports/(\d+)$")


def load_history(user_by_username) -> None:
    """Mark read what the demo users have already seen and date the chat notifications."""
    for username in DEMO_USERS:
        user = user_by_username(username)
        if user is None:
            continue
        unread_rooms = set(chat_reading.unread_summary(user)["rooms"])
        records = db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id.desc())
        ).all()
        newest_read_receipt = next((n.id for n in records if n.kind == "report_read"), None)
        for record in records:
            if record.kind == "message":
                _settle_message(record, user.id, unread_rooms)
            elif record.kind == "report_sent":
                report = _report_of(record)
                if report is not None and report.status is ReportStatus.READ:
                    _read(record)
            elif record.kind == "report_read" and record.id != newest_read_receipt:
                _read(record)
    db.session.commit()


def _settle_message(record: Notification, user_id: int, unread_rooms: set[str]) -> None:
    room_id = int(record.dedupe_key.split(":", 1)[1]) if record.dedupe_key else None
    if room_id is None:
        return
    last_from_others = db.session.scalar(
        select(func.max(ChatMessage.created_at)).where(
            ChatMessage.room_id == room_id, ChatMessage.sender_id != user_id
        )
    )
    if last_from_others is not None:
        record.created_at = last_from_others
    if str(room_id) not in unread_rooms:
        _read(record)


def _report_of(record: Notification) -> Report | None:
    match = REPORT_LINK.search(record.url)
    return db.session.get(Report, int(match.group(1))) if match else None


def _read(record: Notification) -> None:
    if record.read_at is None:
        record.read_at = utcnow()
