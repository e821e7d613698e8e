"""Property-based runs, bounded for CI: the JSON API against its own OpenAPI document
(schemathesis) and every Socket.IO event's payload (hypothesis). See docs/development.md."""
