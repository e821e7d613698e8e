"""The demo's weekly reports (contract.md section 2): several weeks in every state for the demo
families, built through the reports service, and loading twice adds nothing."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select


def all_reports():
    from thebot.extensions import db
    from thebot.models import Report

    db.session.expire_all()
    return db.session.scalars(select(Report)).all()


def test_demo_has_reports_in_every_state_for_the_families(demo):
    from thebot.services.reports import reading

    rows = all_reports()
    states = Counter((r.kind.value, r.status.value) for r in rows)
    for kind in ("tutor", "teacher"):
        for status in ("draft", "sent", "read"):
            assert states[(kind, status)] >= 1, (kind, status, states)
    assert len({r.week_start for r in rows}) >= 4  # several weeks
    for report in rows:
        assert report.week_start.weekday() == 0
        if not report.is_draft:
            expected = (
                report.student.student_profile.parent_id
                if report.kind.value == "tutor"
                else report.student.student_profile.tutor_id
            )
            assert report.recipient_id == expected
    # Daniil has no parent: his tutor's report waits as a draft.
    daniil = [r for r in rows if r.student_id == demo.student4.id and r.kind.value == "tutor"]
    assert daniil and all(r.is_draft for r in daniil)
    # The parent sees a chart for Anna, and unread reports wait in the inboxes.
    assert len(reading.progress_series(demo.parent, demo.student.id)) >= 3
    assert reading.unread_count(demo.parent) >= 1 and reading.unread_count(demo.tutor) >= 1


def test_loading_the_demo_again_adds_no_reports(demo):
    from thebot import demo as demo_module

    before = sorted((r.id, r.status.value) for r in all_reports())
    demo_module.load()
    assert sorted((r.id, r.status.value) for r in all_reports()) == before


def test_live_events_go_to_exactly_who_may_see_each_report(demo):
    """The audience of every demo report's events equals who finds it in their list."""
    from thebot.services import access
    from thebot.services.reports import reading

    visible = {
        username: {r.id for r in reading.reports_for(user)} for username, user in demo.items()
    }
    for report in all_reports():
        if report.is_draft:
            continue
        audience = {user.username for user in access.report_audience(report)}
        assert audience == {name for name, ids in visible.items() if report.id in ids}, report
