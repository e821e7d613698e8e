"""The rules of domain.md as plain functions; see docs/architecture.md."""
