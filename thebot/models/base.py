"""Column helpers shared by every model module."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import CursorResult, DateTime, Enum, Executable
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.types import TypeDecorator

from thebot.extensions import db

# Every model's base: Flask-SQLAlchemy's `db.Model`, which type checkers see as the declarative
# base it is built on (they cannot follow the class Flask-SQLAlchemy makes at run time).
if TYPE_CHECKING:
    from thebot.extensions import Base as Model
else:
    Model = db.Model


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def iso(value: datetime | None) -> str | None:
    """A stored time as the contract shows it: ISO 8601 with offset (UTC), or None."""
    return value.isoformat() if value is not None else None


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def value_enum(cls, name: str) -> Enum:
    """A Python enum stored by its values as a checked string (same on SQLite and PostgreSQL)."""
    return Enum(
        cls,
        name=name,
        values_callable=lambda e: [m.value for m in e],
        native_enum=False,
        length=16,
        validate_strings=True,
    )


def insert_or_ignore(model, values: dict, conflict: list[str] | None = None, where=None):
    """An INSERT … ON CONFLICT DO NOTHING of one row, for the session's database (PostgreSQL or
    SQLite): concurrent callers converge on the one row the unique index allows.

    `conflict` (and `where`, for a partial index) name the index that decides; without them any
    unique index does. Execute it for `rowcount` (1 inserted, 0 ignored), or add `.returning()`.
    """
    dialect = {"postgresql": postgresql, "sqlite": sqlite}[db.session.get_bind().dialect.name]
    return (
        dialect.insert(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=conflict, index_where=where)
    )


def execute_dml(statement: Executable) -> CursorResult[Any]:
    """Execute an INSERT, UPDATE or DELETE in the session and return its result, whose
    `rowcount` says how many rows it changed (`Session.execute` is typed as returning a plain
    `Result`; for these statements it is a `CursorResult`)."""
    return cast("CursorResult[Any]", db.session.execute(statement))
