"""The overdue loop: each serving process runs it beside the liveness heartbeat; rows are
claimed by a conditional UPDATE (invoices.notify_overdue), so any number of processes tell each
parent once."""

from __future__ import annotations

import logging

from flask import Flask

from thebot.extensions import db, socketio
from thebot.services.billing import invoices

log = logging.getLogger(__name__)


def run(app: Flask, interval: float) -> None:
    """Tell parents about newly overdue invoices every `interval` seconds (never raises)."""
    while True:
        with app.app_context():
            try:
                told = invoices.notify_overdue()
                if told:
                    log.info("told parents about %d overdue invoice(s)", told)
            except Exception:  # a boundary: a failed round is retried at the next one
                log.exception("overdue invoice round failed")
                db.session.rollback()
            finally:
                db.session.remove()
        socketio.sleep(interval)
