"""The chat page: a room list and a conversation; its script talks to `/chat` and the JSON API."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import login_required

from thebot.chat import bp
from thebot.services import access, attachments
from thebot.services.chat import messages
from thebot.web import me


@bp.before_request
@login_required
def _signed_in_only():
    """Every role chats; signed-out visitors go to the sign-in page."""


@bp.get("/")
def index():
    """The chat page; `?room=<id>` opens that room (the script joins it; unknown ids say so)."""
    user = me()
    config = {
        "user_id": user.id,
        "role": user.role.value,
        "read_only": access.is_admin(user),  # admin reads every room and posts in none
        "page_url": url_for("chat.index"),
        "api": request.script_root + "/api/v1/chat",
        # The services' own limits: the server is the judge, the page only warns early.
        "max_text_chars": messages.MAX_TEXT,
        "max_upload_bytes": attachments.MAX_BYTES,
    }
    return render_template("chat/index.html", config=config)
