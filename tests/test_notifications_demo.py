"""The demo's notifications: caused by the demo history through the services, a mix of read and
unread that matches what was read, links that open, and loading twice changes nothing."""

from __future__ import annotations

from sqlalchemy import select


def _state():
    from thebot.extensions import db
    from thebot.models import Notification

    db.session.expire_all()
    return [
        (n.id, n.user_id, n.kind, n.read_at is not None, n.created_at)
        for n in db.session.scalars(select(Notification).order_by(Notification.id))
    ]


def test_demo_notifications_are_a_consistent_mix_and_idempotent(demo):
    from thebot import demo as demo_module
    from thebot.extensions import db
    from thebot.models import Report, ReportStatus
    from thebot.services import notify

    parent = notify.list_for(demo.parent, limit=100)
    assert {n.kind for n in parent} >= {"message", "report_sent"}
    assert any(n.is_read for n in parent) and any(not n.is_read for n in parent)
    for record in parent:
        if record.kind == "report_sent":
            report = db.session.get(Report, int(record.url.rsplit("/", 1)[1]))
            assert record.is_read == (report.status is ReportStatus.READ)
    assert notify.unread_count(demo.tutor) >= 1
    before = _state()
    demo_module.load()
    assert _state() == before


def test_demo_notification_links_open_for_their_user(demo, web_factory):
    from thebot.services import notify

    for username in ("parent", "tutor", "teacher", "student"):
        client = web_factory()
        client.login(username)
        links = {n.url for n in notify.list_for(demo[username], limit=100)}
        assert links
        for link in links:
            assert client.get(link).status_code == 200, (username, link)
