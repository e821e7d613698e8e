"""One parser for record ids from any client: URL paths, query strings, JSON bodies, socket
payloads. Ids are positive integers that fit the database's INTEGER columns; anything else is
`Invalid` (or `NotFound` for a well-formed number no record can have).
"""

from __future__ import annotations

from typing import Literal, overload

from flask_babel import lazy_gettext as _l

from thebot.services.errors import Invalid, NotFound

# Every primary key is a 32-bit INTEGER (SQLite would take more; PostgreSQL would raise).
MAX_ID = 2**31 - 1


def parse_id(value: object, field: str = "id") -> int:
    """A positive integer id from a client value (int, or a string of digits), else Invalid.

    Numbers beyond MAX_ID are valid syntax but can never name a record: NotFound.
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
    if value > MAX_ID:
        raise NotFound(_l("There is no such record."))
    return value


def optional_id(value: object, field: str = "id") -> int | None:
    """Like parse_id, but None (or an empty string) stays None."""
    if value is None or value == "":
        return None
    return parse_id(value, field)


@overload
def payload_id(value: object, field: str = ..., *, required: Literal[True] = ...) -> int: ...
@overload
def payload_id(value: object, field: str = ..., *, required: bool) -> int | None: ...
def payload_id(value: object, field: str = "id", *, required: bool = True) -> int | None:
    """An id from a JSON body or socket payload: there it must be a JSON number (a string or a
    boolean is Invalid, as the contract's examples show); None stays None unless required."""
    if value is None and not required:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise _invalid(field)
    return parse_id(value, field)


def _invalid(field: str) -> Invalid:
    return Invalid(
        _l("'%(name)s' must be a positive whole number.", name=field),
        {field: _l("Must be a positive whole number.")},
    )
