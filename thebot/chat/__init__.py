"""The chat pages every role uses (the conversation itself runs over the `/chat` namespace)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("chat", __name__, url_prefix="/chat")

from thebot.chat import routes  # noqa: E402,F401  (the pages, on bp)
