"""Lessons (domain.md section 6): rules and values (rules), scheduling, moving, cancelling and
completing (schedule), lists and counts (listing), the JSON shape (serialize), who is told and
how (announce), and private iCalendar feeds (calendar)."""
