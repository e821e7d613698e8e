"""The administrator's API: removing an account (services/removal.py, docs/api.md)."""

from __future__ import annotations

from flask import jsonify

from thebot.api import api_user, bp
from thebot.api.shapes import returns
from thebot.services import removal


@bp.delete("/admin/users/<int:user_id>")
@returns(204)
def remove_user(user_id: int):
    """Remove an account (admins): erased, kept as "Deleted user"; 409 with financial records."""
    try:
        removal.remove_user(api_user(), user_id)
    except removal.HasFinancialRecords as exc:
        body = {"code": exc.code, "message": exc.message, "details": exc.counts}
        return jsonify({"error": body}), exc.status
    return "", 204
