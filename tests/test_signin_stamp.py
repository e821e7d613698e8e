"""A credential's last_used_at is stamped in its own short transaction (services/signins.py
stamp_used), never by committing the request's session: what a request has pending stays its
own to commit or roll back; a failing stamp is logged once and the request goes on. The
stamp through real requests (browser cookie and bearer token, once a minute) is in
tests/test_devices.py."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from tests.support.app import only_on_postgres
from tests.support.http import api_token

SUBJECT = "Pending in this request"


def _committed(statement):
    """What another connection sees: only what was committed."""
    from thebot.extensions import db

    with db.engine.connect() as conn:
        return conn.execute(statement).all()


def _subject_committed() -> bool:
    from thebot.models import Subject

    return bool(_committed(select(Subject.id).where(Subject.name == SUBJECT)))


@pytest.fixture
def signed_in(ctx, make_user):
    """A parent's browser sign-in last used two minutes ago: (user, raw cookie key, record)."""
    from thebot.extensions import db
    from thebot.models import LoginSession
    from thebot.models.base import utcnow
    from thebot.services import signins

    user = make_user("parent", "stamped-parent")
    raw = signins.start_login_session(user, "Firefox on Linux")
    record = db.session.scalar(select(LoginSession).where(LoginSession.user_id == user.id))
    record.last_used_at = utcnow() - timedelta(minutes=2)
    db.session.commit()
    return user, raw, record


def _last_used(record_id: int):
    from thebot.models import LoginSession

    [(value,)] = _committed(select(LoginSession.last_used_at).where(LoginSession.id == record_id))
    return value


def test_the_stamp_does_not_commit_what_the_request_has_pending(signed_in):
    from thebot.extensions import db
    from thebot.models import Subject
    from thebot.models.base import utcnow
    from thebot.services import signins

    user, raw, record = signed_in
    user_id, before = user.id, _last_used(record.id)  # (loaded now: nothing to flush later)
    db.session.add(Subject(name=SUBJECT))  # the request's half-done unit of work
    assert signins.user_for_login_session(user_id, raw, stamp=True).id == user_id
    # the use is recorded (committed, seen from another connection) ...
    stamped = _last_used(record.id)
    assert stamped > before + timedelta(minutes=1) and stamped <= utcnow()
    # ... in the session too, as committed: nothing to write there
    assert record.last_used_at == stamped and record not in db.session.dirty
    # the request fails: its object was never committed by the stamp
    db.session.rollback()
    assert not _subject_committed()
    assert db.session.scalar(select(Subject).where(Subject.name == SUBJECT)) is None
    assert _last_used(record.id) == stamped, "the stamp is its own transaction"


def test_a_token_stamp_leaves_the_request_flushed_writes_alone(ctx, demo, app):
    """After the request has written (flushed, not committed): no wait on its own lock, and
    still nothing of the request is committed. PostgreSQL stamps on another connection at
    once; SQLite, whose single write lock this request holds, leaves it to the next request."""
    from thebot.extensions import db
    from thebot.models import ApiToken, Subject
    from thebot.models.base import utcnow
    from thebot.services import signins

    raw = api_token(demo.parent)
    token = db.session.scalar(select(ApiToken).order_by(ApiToken.id.desc()))
    token.last_used_at = earlier = utcnow() - timedelta(minutes=2)
    db.session.commit()
    parent_id = demo.parent.id
    db.session.add(Subject(name=SUBJECT))
    db.session.flush()
    started = time.monotonic()
    assert signins.user_for_token(raw, stamp=True).id == parent_id
    assert time.monotonic() - started < 1.5
    [(committed,)] = _committed(select(ApiToken.last_used_at).where(ApiToken.id == token.id))
    if db.engine.dialect.name == "postgresql":
        assert committed > earlier + timedelta(minutes=1)
    else:
        assert committed == earlier and token.last_used_at == earlier
    db.session.rollback()
    assert not _subject_committed()


def test_a_failing_stamp_is_logged_once_and_the_request_goes_on(
    app, web_factory, demo, monkeypatch, caplog
):
    from thebot.extensions import db
    from thebot.models import LoginSession
    from thebot.models.base import utcnow

    browser = web_factory()
    assert browser.login("parent").status_code == 302
    with app.app_context():
        engine = db.engine
        db.session.execute(
            LoginSession.__table__.update().values(last_used_at=utcnow() - timedelta(minutes=2))
        )
        db.session.commit()

    def broken_begin():
        raise OperationalError("UPDATE login_sessions", {}, Exception("database is locked"))

    monkeypatch.setattr(engine, "begin", broken_begin)
    caplog.set_level(logging.WARNING, logger="thebot.services.signins")
    page = browser.get("/parent/")
    assert page.status_code == 200 and demo.parent.full_name in page.get_data(as_text=True)
    [failure] = [r for r in caplog.records if r.name == "thebot.services.signins"]
    assert failure.getMessage().startswith("could not record the use of login_sessions ")
    assert failure.exc_info is not None and "database is locked" in str(failure.exc_info[1])


def test_a_stamp_waiting_for_the_requests_own_row_lock_gives_up(app, signed_in, caplog):
    """PostgreSQL: the request has written the very row (its lock held until it ends); the
    stamp's own transaction waits lock_timeout, not for ever, and the request goes on."""
    from thebot.extensions import db
    from thebot.services import signins

    only_on_postgres(app)
    _user, _raw, record = signed_in
    record_id, before = record.id, record.last_used_at
    record.user_agent = "Changed in this request"
    db.session.flush()  # the row is locked by the request's transaction now
    caplog.set_level(logging.WARNING, logger="thebot.services.signins")
    started = time.monotonic()
    signins.stamp_used(record)
    assert time.monotonic() - started < signins._STAMP_LOCK_TIMEOUT_MS / 1000 + 2
    [failure] = [r for r in caplog.records if r.name == "thebot.services.signins"]
    assert "lock" in str(failure.exc_info[1]).lower()
    assert record.last_used_at == before
    db.session.rollback()
    assert _last_used(record_id) == before
