"""One parser for record ids from any client: URL paths, query strings, JSON bodies, socket
payloads. Ids are positive integers that fit the database's INTEGER columns; anything else is
`Invalid` (or, for a well-formed number no record can have, simply not found).
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from thebot.services.errors import Invalid

# Every primary key is a 32-bit INTEGER (SQLite would take more; PostgreSQL would raise).
MAX_ID = 2**31 - 1


def parse_id(value: object, field: str = "id") -> int:
    """A positive integer id from a client value (int, or a string of digits), else Invalid.

    Numbers beyond MAX_ID are valid syntax but can never name a record: they come back as 0,
    which every lookup answers as not found (so callers need no second branch).
    """
    if isinstance(value, bool):
        raise _invalid(field)
    if isinstance(value, str):
        text = value.strip()
        if not text.isascii() or not text.isdigit() or len(text) > 30:
            raise _invalid(field)
        value = int(text)
    if not isinstance(value, int) or value <= 0:
        raise _invalid(field)
    return value if value <= MAX_ID else 0


def optional_id(value: object, field: str = "id") -> int | None:
    """Like parse_id, but None (or an empty string) stays None."""
    if value is None or value == "":
        return None
    return parse_id(value, field)


def _invalid(field: str) -> Invalid:
    return Invalid(_l("'%(name)s' must be a positive whole number.", name=field),
                   {field: _l("Must be a positive whole number.")})
