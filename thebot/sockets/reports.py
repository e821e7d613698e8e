"""The /reports namespace: list the reports a user may see and mark one read; the server pushes
`report_sent` and `report_read` to the private room of everyone who may see the report
(see services/reports/).
"""

from __future__ import annotations

from flask_babel import gettext as _

from thebot.services.ids import payload_id
from thebot.services.reports import reading
from thebot.services.reports.serialize import report_dict
from thebot.sockets.base import AuthedNamespace, Refused, socket_event


class ReportsNamespace(AuthedNamespace):
    """Events of the weekly reports; every socket is in its user's private room."""

    @socket_event
    def on_reports(self, user, payload):
        """{student_id?, kind?} -> {reports}: what this user may see, newest week first."""
        kind = payload.get("kind")
        if kind is not None and kind not in ("tutor", "teacher"):
            raise Refused("bad_request", _('\'kind\' must be "tutor" or "teacher".'))
        rows = reading.reports_for(
            user,
            kind=kind,
            student_id=payload_id(payload.get("student_id"), "student_id", required=False),
        )
        return {"reports": [report_dict(r, user) for r in rows]}

    @socket_event
    def on_mark_read(self, user, payload):
        """{report_id} -> {report}: the recipient marks a report read (a repeat is a no-op)."""
        report = reading.mark_read(user, payload_id(payload.get("report_id"), "report_id"))
        return {"report": report_dict(report, user)}
