"""Homework (domain.md section 7): `rules` (values, who may), `work` (set, submit, return,
grade), `listing` (lists, report pre-fill figures, the teacher's queue), `serialize` (the
contract's JSON), `announce` (live events, notifications), `texts` (notification texts)."""
