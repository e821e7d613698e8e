"""The notify service's rules: records and their shape, settings honoured, one unread per dedupe
key, marking read, counts, rollback sending nothing, and the settings' validation."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.support.data import draft_report


def _count(user_id, **filters):
    from thebot.extensions import db
    from thebot.models import Notification

    query = select(func.count(Notification.id)).where(Notification.user_id == user_id)
    for name, value in filters.items():
        query = query.where(getattr(Notification, name) == value)
    return db.session.scalar(query)


def test_notify_records_the_contract_shape_and_counts_unread(family):
    from thebot.extensions import db
    from thebot.services import notify

    record = notify.notify(
        family.parent,
        "invoice_sent",
        title="  Invoice for May  ",
        body="1500.00 due on 1 June",
        url="/parent/invoices/7",
    )
    db.session.commit()
    data = notify.notification_dict(record)
    assert data["kind"] == "invoice_sent" and data["title"] == "Invoice for May"
    assert data["body"] == "1500.00 due on 1 June" and data["url"] == "/parent/invoices/7"
    assert data["read"] is False and data["created_at"].endswith("+00:00")
    assert set(data) == {"id", "kind", "title", "body", "url", "created_at", "read"}
    assert notify.unread_count(family.parent) == 1
    assert notify.unread_count(family.tutor) == 0


def test_report_actions_notify_recipient_then_author(family):
    from thebot.services import notify
    from thebot.services.reports import reading, writing

    report = draft_report(family.tutor, family.student)
    writing.send_report(family.tutor, report.id)
    [sent] = notify.list_for(family.parent)
    assert sent.kind == "report_sent" and "Sam Student" in sent.title
    assert sent.url == f"/parent/reports/{report.id}"
    reading.open_report(family.parent, report.id)
    [read] = notify.list_for(family.tutor)
    assert read.kind == "report_read" and read.url == f"/tutor/reports/{report.id}"
    assert "Paula Parent" in read.body


def test_in_app_off_stores_nothing_for_that_category_only(family):
    from thebot.extensions import db
    from thebot.services import notify

    notify.update_settings(family.parent, {"billing": {"in_app": False}})
    assert notify.notify(family.parent, "invoice_paid", title="Paid") is None
    kept = notify.notify(family.parent, "lesson_scheduled", title="Lesson on Monday")
    db.session.commit()
    assert kept is not None
    assert [n.kind for n in notify.list_for(family.parent)] == ["lesson_scheduled"]


def test_defaults_and_partial_settings_update(family):
    from thebot.services import notify

    defaults = notify.settings_for(family.parent)
    assert defaults == {
        "chat": {"in_app": True, "email": False},
        "reports": {"in_app": True, "email": True},
        "billing": {"in_app": True, "email": True},
        "lessons": {"in_app": True, "email": True},
        "homework": {"in_app": True, "email": True},
        "chat_digest": {"in_app": False, "email": True},  # e-mail only; on for parents
    }
    saved = notify.update_settings(
        family.parent, {"chat": {"email": True}, "homework": {"in_app": False, "email": False}}
    )
    assert saved["chat"] == {"in_app": True, "email": True}
    assert saved["homework"] == {"in_app": False, "email": False}
    assert notify.settings_for(family.parent) == saved
    # Nobody else's changed; a tutor's defaults differ only in the digest (off but for parents).
    assert notify.settings_for(family.tutor) == {
        **defaults,
        "chat_digest": {"in_app": False, "email": False},
    }


@pytest.mark.parametrize(
    "categories",
    [
        None,
        [],
        {"gossip": {"in_app": False}},
        {"chat": {"in_app": "no"}},
        {"chat": {"sms": True}},
        {"chat": True},
        {"chat": {"email": 1}},
    ],
)
def test_bad_settings_are_refused_and_change_nothing(family, categories):
    from thebot.services import notify
    from thebot.services.errors import Invalid

    notify.update_settings(family.parent, {"reports": {"email": False}})
    before = notify.settings_for(family.parent)
    with pytest.raises(Invalid) as refused:
        notify.update_settings(family.parent, categories)
    assert refused.value.fields
    assert notify.settings_for(family.parent) == before


def test_one_unread_per_dedupe_key_until_read(family):
    from thebot.extensions import db
    from thebot.services import notify

    first = notify.notify(family.parent, "message", title="New message", dedupe_key="room:1")
    db.session.commit()
    assert notify.notify(family.parent, "message", title="Another", dedupe_key="room:1") is None
    other_room = notify.notify(family.parent, "message", title="Elsewhere", dedupe_key="room:2")
    someone_else = notify.notify(family.tutor, "message", title="Hi", dedupe_key="room:1")
    db.session.commit()
    assert first and other_room and someone_else
    assert _count(family.parent.id, dedupe_key="room:1") == 1
    assert notify.mark_read_by_key(family.parent.id, "room:1") is True
    db.session.commit()
    assert notify.mark_read_by_key(family.parent.id, "room:1") is False  # nothing unread left
    again = notify.notify(family.parent, "message", title="Later", dedupe_key="room:1")
    db.session.commit()
    assert again is not None and again.id != first.id
    assert _count(family.parent.id, dedupe_key="room:1") == 2
    assert notify.unread_count(family.parent) == 2  # "Later" and "Elsewhere"
    assert notify.unread_count(family.tutor) == 1  # the tutor's room:1 untouched


def test_mark_read_one_all_and_only_ones_own(family):
    from thebot.extensions import db
    from thebot.services import notify
    from thebot.services.errors import NotFound

    mine = [notify.notify(family.parent, "homework_set", title=f"Homework {i}") for i in range(3)]
    theirs = notify.notify(family.other_parent, "homework_set", title="Their homework")
    db.session.commit()
    assert notify.mark_read(family.parent, mine[0].id) == 2
    assert notify.mark_read(family.parent, mine[0].id) == 2  # a repeat is a no-op
    with pytest.raises(NotFound):
        notify.mark_read(family.parent, theirs.id)
    with pytest.raises(NotFound):
        notify.get_for(family.parent, theirs.id)
    assert notify.unread_count(family.other_parent) == 1
    assert notify.mark_all_read(family.parent) == 0
    assert notify.unread_count(family.other_parent) == 1


def test_list_pages_newest_first(family):
    from thebot.extensions import db
    from thebot.services import notify
    from thebot.services.errors import Invalid

    ids = [notify.notify(family.parent, "lesson_changed", title=f"Change {i}").id for i in range(5)]
    db.session.commit()
    first = notify.list_for(family.parent, limit=2)
    assert [n.id for n in first] == [ids[4], ids[3]]
    rest = notify.list_for(family.parent, before_id=first[-1].id, limit=10)
    assert [n.id for n in rest] == [ids[2], ids[1], ids[0]]
    for bad in (0, 101, "5", True):
        with pytest.raises(Invalid):
            notify.list_for(family.parent, limit=bad)


def test_rollback_stores_and_sends_nothing(family):
    from thebot.extensions import db
    from thebot.services import notify

    notify.notify(family.parent, "invoice_overdue", title="Overdue")
    pending = db.session.info.get("thebot_after_commit", [])
    assert pending  # the push and the e-mail wait for the commit...
    db.session.rollback()
    assert "thebot_after_commit" not in db.session.info  # ...and a rollback drops them
    assert _count(family.parent.id) == 0


def test_unknown_kind_and_foreign_links_are_programming_errors(family):
    from thebot.services import notify

    with pytest.raises(ValueError):
        notify.notify(family.parent, "gossip", title="?")
    with pytest.raises(ValueError):
        notify.notify(family.parent, "invoice_sent", title="?", url="javascript:alert(1)")


def test_every_kind_belongs_to_a_category():
    from thebot.models.notifications import CATEGORY_KINDS, KIND_CATEGORY

    spec = {
        "message",
        "report_sent",
        "report_read",
        "invoice_sent",
        "invoice_viewed",
        "invoice_paid",
        "invoice_overdue",
        "lesson_scheduled",
        "lesson_changed",
        "lesson_cancelled",
        "homework_set",
        "homework_graded",
    }
    assert set(KIND_CATEGORY) == spec
    assert set(CATEGORY_KINDS) == {
        "chat",
        "reports",
        "billing",
        "lessons",
        "homework",
        "chat_digest",
    }


def test_concurrent_notifications_with_one_key_store_one_and_fail_neither(family, service_app):
    """Two transactions racing on one room key: one row, no error for the loser."""
    import threading

    from thebot.extensions import db
    from thebot.services import notify

    user_id = family.tutor.id
    first_inserted, results, errors = threading.Event(), {}, []

    def first():
        with service_app.test_request_context():
            try:
                results["first"] = (
                    notify.notify(user_id, "message", title="A", dedupe_key="room:77") is not None
                )
                first_inserted.set()
                second_thread.join(timeout=1)  # let the second one reach its insert, or not
                db.session.commit()
            except Exception as exc:  # collected and asserted on below, in the test's thread
                errors.append(exc)
                first_inserted.set()
            finally:
                db.session.remove()

    def second():
        first_inserted.wait(10)
        with service_app.test_request_context():
            try:
                results["second"] = (
                    notify.notify(user_id, "message", title="B", dedupe_key="room:77") is not None
                )
                db.session.commit()
            except Exception as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    second_thread = threading.Thread(target=second)
    first_thread = threading.Thread(target=first)
    second_thread.start()
    first_thread.start()
    first_thread.join(20)
    second_thread.join(20)
    assert errors == []
    assert results == {"first": True, "second": False}
    assert [n.title for n in notify.list_for(family.tutor)] == ["A"]


def test_a_failing_push_neither_blocks_nor_undoes_the_action(family, monkeypatch, caplog):
    """A broken socket channel (e.g. the message queue is down) is logged once, with traceback."""
    import logging

    from thebot.extensions import db, socketio
    from thebot.services import notify

    def queue_down(*args, **kwargs):
        raise ConnectionError("message queue unreachable")

    monkeypatch.setattr(socketio, "emit", queue_down)
    caplog.set_level(logging.ERROR, logger="thebot.realtime")
    record = notify.notify(family.parent, "invoice_viewed", title="Invoice viewed")
    db.session.commit()
    assert notify.get_for(family.parent, record.id).title == "Invoice viewed"
    failures = [r for r in caplog.records if r.name == "thebot.realtime"]
    assert len(failures) == 1
    assert failures[0].exc_info[0] is ConnectionError
