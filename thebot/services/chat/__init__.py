"""The chat (domain.md §3): the rules behind the chat pages, the JSON API and the /chat namespace.

Callers import the module they need; this package re-exports nothing.

- `access`: who may read, post in and moderate a room, whom a user may message directly, and
  what a viewer may do to a room's messages (`posting_refusal`, `message_rights`).
- `rooms`: rooms follow the relationships they serve (subject, tutor, direct), membership,
  contacts, locking; `connect_hooks()` subscribes them to the links and learning hooks.
- `messages`: sending (idempotent, rate-limited), attachments, editing, deleting, history,
  catch-up, read cursors and unread counts; events go out after commit.
- `presence`: who is online in a room, and typing.
- `serialize`: the contract's JSON shapes of rooms and messages, described for one viewer.
- `errors`: the chat's own refusals (`Locked`, `RateLimited`, `TooLarge`).
"""
