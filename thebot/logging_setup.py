"""Logging: one line per event on stderr (plain text, or JSON with LOG_FORMAT=json), and no
password or token ever reaches a log record."""

from __future__ import annotations

import json
import logging
import os
import re
from datetime import UTC, datetime

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


PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class OneLineFormatter(logging.Formatter):
    """The plain format, one line per event: a traceback's line breaks are written as `\\n`, so
    a log collector reading stdout line by line keeps an error and its traceback together."""

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).replace("\r", "").replace("\n", "\\n")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, process id, and
    the traceback (`exc`) when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        event = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(self.formatException(record.exc_info))
        if record.exc_text:
            event["exc"] = record.exc_text
        return json.dumps(event, ensure_ascii=False)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        moment = datetime.fromtimestamp(record.created, UTC)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


FORMATS = {"plain": OneLineFormatter, "json": JsonFormatter}


def formatter(name: str) -> logging.Formatter:
    """The formatter of LOG_FORMAT `name` ("plain" or "json"); anything else is refused."""
    try:
        cls = FORMATS[(name or "plain").strip().lower()]
    except KeyError:
        raise RuntimeError(f"LOG_FORMAT must be one of {sorted(FORMATS)}, not {name!r}") from None
    return cls(PLAIN_FORMAT) if cls is OneLineFormatter else cls()


class _Handler(logging.StreamHandler):
    """The root handler `configure` installs; `_thebot` marks it, so it is added once."""

    _thebot = True


def configure(app: Flask) -> None:
    """One handler on the root logger, one line per event in LOG_FORMAT (the app's setting,
    else the environment's; plain by default); redaction for every record."""
    install_redaction()
    chosen = formatter(app.config.get("LOG_FORMAT") or os.environ.get("LOG_FORMAT", "plain"))
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_thebot", False)), None)
    if handler is None:
        handler = _Handler()
        root.addHandler(handler)
    handler.setFormatter(chosen)
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    for noisy in ("engineio.server", "socketio.server", "engineio.client", "socketio.client"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
