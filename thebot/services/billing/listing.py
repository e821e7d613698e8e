"""Reading invoices: lists with filters and paging, totals by state, revenue by month, CSV, and
the students a tutor may bill. Everything is built on `access.visible_invoices`."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from flask_babel import format_date, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from thebot.extensions import db
from thebot.models import Invoice, InvoiceStatus, Role, User
from thebot.services import access, people
from thebot.services.billing import rules
from thebot.services.errors import Invalid
from thebot.services.ids import optional_id

MAX_LIMIT = 100


def _parse_date(value, field: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise Invalid(
            _l("'%(name)s' must be a date (YYYY-MM-DD).", name=field),
            {field: _l("A date such as 2026-12-31.")},
        ) from None


def _parse_bool(value, field: str) -> bool | None:
    if value is None or value == "" or isinstance(value, bool):
        return value if isinstance(value, bool) else None
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise Invalid(
        _l("'%(name)s' must be true or false.", name=field), {field: _l("true or false.")}
    )


def _filtered(
    viewer: User, *, status=None, student_id=None, overdue=None, date_from=None, date_to=None
) -> Select:
    """The viewer's visible invoices narrowed by the filters (dates are the creation date)."""
    query = access.visible_invoices(viewer)
    if status not in (None, ""):
        try:
            query = query.where(Invoice.status == InvoiceStatus(status))
        except ValueError:
            raise Invalid(
                _l("Unknown invoice state."),
                {"status": _l("draft, sent, viewed, paid or cancelled.")},
            ) from None
    student = optional_id(student_id, "student_id")
    if student is not None:
        query = query.where(Invoice.student_id == student)
    flag = _parse_bool(overdue, "overdue")
    if flag is not None:
        late = Invoice.status.in_(rules.PAYABLE) & (Invoice.due_date < rules.today())
        query = query.where(late if flag else ~late)
    start, end = _parse_date(date_from, "date_from"), _parse_date(date_to, "date_to")
    if start is not None:
        query = query.where(Invoice.created_at >= datetime.combine(start, time(), tzinfo=UTC))
    if end is not None and end < date.max:  # up to the last day there is: no upper bound
        query = query.where(
            Invoice.created_at < datetime.combine(end + timedelta(days=1), time(), tzinfo=UTC)
        )
    return query


def invoices_for(
    viewer: User,
    *,
    status=None,
    student_id=None,
    overdue=None,
    date_from=None,
    date_to=None,
    before_id=None,
    limit=50,
) -> tuple[list[Invoice], bool]:
    """The invoices the viewer may see, newest first, older than `before_id`; and whether more."""
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
        raise Invalid(
            _l("'limit' must be a whole number from 1 to %(max)d.", max=MAX_LIMIT),
            {"limit": _l("From 1 to %(max)d.", max=MAX_LIMIT)},
        )
    query = _filtered(
        viewer,
        status=status,
        student_id=student_id,
        overdue=overdue,
        date_from=date_from,
        date_to=date_to,
    )
    before = optional_id(before_id, "before_id")
    if before is not None:
        query = query.where(Invoice.id < before)
    # The people every list row shows come in the same query (no query per row).
    query = query.options(
        joinedload(Invoice.student), joinedload(Invoice.parent), joinedload(Invoice.tutor)
    )
    rows = list(db.session.scalars(query.order_by(Invoice.id.desc()).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def totals_for(viewer: User, **filters) -> dict:
    """{state: {"count", "amount"}} for every state and "overdue", over the filtered invoices."""
    query = _filtered(viewer, **filters).subquery()
    totals = {s.value: {"count": 0, "amount": Decimal("0.00")} for s in InvoiceStatus}
    rows = db.session.execute(
        select(query.c.status, func.count(), func.sum(query.c.amount)).group_by(query.c.status)
    ).all()
    for status, count, amount in rows:
        key = status.value if isinstance(status, InvoiceStatus) else str(status)
        totals[key] = {"count": count, "amount": Decimal(amount or 0).quantize(Decimal("0.01"))}
    late = db.session.execute(
        select(func.count(), func.sum(query.c.amount)).where(
            query.c.status.in_(rules.PAYABLE), query.c.due_date < rules.today()
        )
    ).one()
    totals["overdue"] = {
        "count": late[0],
        "amount": Decimal(late[1] or 0).quantize(Decimal("0.01")),
    }
    return totals


def revenue_by_month(viewer: User, months: int = 12) -> list[tuple[str, Decimal]]:
    """Paid amounts by the month of payment ("YYYY-MM"), the last `months` months, oldest first."""
    if not isinstance(months, int) or not 1 <= months <= 60:
        raise Invalid(_l("From 1 to 60 months."), {"months": _l("From 1 to 60 months.")})
    today = rules.today()
    keys = []
    year, month = today.year, today.month
    for _ in range(months):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    keys.reverse()
    first = datetime(int(keys[0][:4]), int(keys[0][5:]), 1, tzinfo=UTC)
    paid = db.session.execute(
        access.visible_invoices(viewer)
        .with_only_columns(Invoice.paid_at, Invoice.amount)
        .where(Invoice.status == InvoiceStatus.PAID, Invoice.paid_at >= first)
    ).all()
    sums = {key: Decimal("0.00") for key in keys}
    for paid_at, amount in paid:
        key = paid_at.astimezone(UTC).strftime("%Y-%m")
        if key in sums:
            sums[key] += amount
    return [(key, sums[key]) for key in keys]


def csv_export(viewer: User, **filters) -> str:
    """The filtered invoices as CSV for spreadsheets: UTF-8 with a BOM, `;`-separated, a header."""
    rows = db.session.scalars(_filtered(viewer, **filters).order_by(Invoice.id.desc())).all()
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            gettext("Number"),
            gettext("Created"),
            gettext("Student"),
            gettext("Parent"),
            gettext("Tutor"),
            gettext("Description"),
            gettext("Amount"),
            gettext("Currency"),
            gettext("Due date"),
            gettext("State"),
            gettext("Overdue"),
            gettext("Paid on"),
        ]
    )
    for invoice in rows:
        writer.writerow(
            [
                invoice.id,
                invoice.created_at.date().isoformat(),
                invoice.student.full_name,
                invoice.parent.full_name,
                invoice.tutor.full_name,
                _cell(invoice.description),
                f"{invoice.amount:.2f}",
                invoice.currency,
                invoice.due_date.isoformat(),
                invoice.status.value,
                gettext("yes") if rules.is_overdue(invoice) else "",
                invoice.paid_at.date().isoformat() if invoice.paid_at else "",
            ]
        )
    return "\ufeff" + out.getvalue()


def _cell(text: str) -> str:
    """User text that a spreadsheet must not run as a formula (=, +, -, @ at the start)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def billable_students(tutor: User) -> list[tuple[User, User | None]]:
    """The tutor's students and the parent each would be billed (None: no parent linked)."""
    if tutor.role is not Role.TUTOR:
        return []
    students = [s for s in people.students_visible_to(tutor) if access.can_manage_student(tutor, s)]
    return [(s, s.student_profile.parent if s.student_profile else None) for s in students]


def month_label(key: str) -> str:
    """A "YYYY-MM" key as the viewer's language names the month (Dec 2026)."""
    return format_date(date(int(key[:4]), int(key[5:]), 1), "LLL yyyy")
