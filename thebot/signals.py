"""Every signal one area sends and others receive, declared once (blinker).

Senders call `signal.send(sender, **kwargs)` inside their transaction; receivers are connected in
one visible place, `thebot.wiring.connect_signals`, when the app is created, never by importing a
module. A receiver runs in the sender's transaction: it may add to it, and it must not commit.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

links_changed = _signals.signal(
    "links-changed",
    doc="""
A student's tutor, parent or second guardian changed (services.links), inside the transaction of
the change.

sender: the student (User); kwargs: old_tutor_id, old_parent_id, old_guardian_id (int | None).
The new links are on `sender.student_profile`. Chat membership follows them here.
""",
)

enrolled = _signals.signal(
    "enrolled",
    doc="""
An enrollment was created (services.learning), inside its transaction, after a flush.

sender: the Enrollment. The subject room is created here.
""",
)

enrollment_ended = _signals.signal(
    "enrollment-ended",
    doc="""
An enrollment was ended (services.learning), inside its transaction.

sender: the Enrollment. Its subject room turns read-only here.
""",
)

message_created = _signals.signal(
    "message-created",
    doc="""
A chat message was stored (services.chat.messages), inside its transaction, after a flush.

sender: the ChatMessage. Notifications of members who are not watching the room are made here.
""",
)

sockets_swept = _signals.signal(
    "sockets-swept",
    doc="""
The socket rows of server processes that stopped beating were deleted (sockets.liveness), inside
the sweep's transaction.

sender: None. Areas that keep rows per socket (chat presence) drop the orphans here.
""",
)

lesson_completed = _signals.signal(
    "lesson-completed",
    doc="""
A lesson was marked completed (services.lessons.schedule: complete_lesson, record_past_lesson),
inside its transaction, after a flush.

sender: the Lesson (status completed, completed_at set). Progress and attendance follow it here.
""",
)
