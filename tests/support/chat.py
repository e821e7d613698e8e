"""Chat over the JSON API for tests: a call under /api/v1/chat with a bearer token, and the
number of stored messages (to show that a refused request stored nothing)."""

from __future__ import annotations


def chat_api(web, tok, method, path, **kw):
    """`web.api` under /api/v1/chat as the holder of the bearer token `tok`."""
    return web.api(method, f"/api/v1/chat{path}", token=tok, **kw)


def message_count() -> int:
    from sqlalchemy import func, select

    from thebot.extensions import db
    from thebot.models import ChatMessage

    db.session.expire_all()
    return db.session.scalar(select(func.count(ChatMessage.id)))
