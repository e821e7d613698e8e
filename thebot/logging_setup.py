"""Logging: one format, and no password or token ever reaches a log record."""

from __future__ import annotations

import logging
import re

from flask import Flask

_SECRET_PATTERNS = [
    # first: "Authorization: Bearer <token>" would otherwise lose only the word "Bearer" below
    re.compile(r"(?i)(bearer\s+)([A-Za-z0-9._~+/=-]+)"),
    # key=value, key: value, "key": "value" for secret-looking keys
    re.compile(r"""(?ix)
        (["']?(?:password|passwd|new_password|token|api_token|access_token|secret|secret_key|
              authorization|csrf_token|session)["']?\s*[:=]\s*)
        (["']?)([^\s"'&,;}\]]+)"""),
]
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """Replace the values of secret-looking fields and bearer tokens in a text."""
    if not text:
        return text
    for pattern in _SECRET_PATTERNS:
        if pattern.groups == 3:
            text = pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
        else:
            text = pattern.sub(lambda m: f"{m.group(1)}{REDACTED}", text)
    return text


_base_factory = logging.getLogRecordFactory()
_formatter = logging.Formatter()


def _redacting_factory(*args, **kwargs) -> logging.LogRecord:
    """Every record, from any logger, is redacted once when it is made."""
    record = _base_factory(*args, **kwargs)
    try:
        message = record.getMessage()
    except Exception:  # a bad format string in a third-party call: keep the raw message
        message = str(record.msg)
    record.msg, record.args = redact(message), ()
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = redact(_formatter.formatException(record.exc_info))
    return record


def install_redaction() -> None:
    """Install the redacting record factory (idempotent)."""
    if logging.getLogRecordFactory() is not _redacting_factory:
        logging.setLogRecordFactory(_redacting_factory)


class _Handler(logging.StreamHandler):
    """The root handler `configure` installs; `_thebot` marks it, so it is added once."""

    _thebot = True


def configure(app: Flask) -> None:
    """One handler on the root logger with a plain format; redaction for every record."""
    install_redaction()
    root = logging.getLogger()
    if not any(getattr(h, "_thebot", False) for h in root.handlers):
        handler = _Handler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    for noisy in ("engineio.server", "socketio.server", "engineio.client", "socketio.client"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
