"""Payment provider endpoints: the webhook every provider posts to, and the fake provider's
checkout page."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("payments", __name__, url_prefix="/payments")

from thebot.payments import routes  # noqa: E402,F401  (the routes, on bp)
