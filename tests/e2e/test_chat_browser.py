"""The chat pages in real Chromium against a real server: two people in their shared tutor room
see typing, messages and read marks live; a dropped connection catches up once; an admin reads
without a composer; user text stays text; locking, replies, edits, deletes, attachments, history,
new conversations and the phone layout work as a person uses them.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.support.browser import browser_login

pytestmark = pytest.mark.browser

TUTOR_ROOM_TITLE = "Anna Petrova · Tutoring"
MESSAGE = "li[data-test=message]"


# --- helpers ----------------------------------------------------------------------------------


def tutor_room_id(student) -> int:
    """The id of a student's tutor room (created by the services when the tutor was linked)."""
    from thebot.extensions import db
    from thebot.models import ChatRoom, RoomKind

    room_id = db.session.scalar(
        select(ChatRoom.id).where(
            ChatRoom.kind == RoomKind.TUTOR, ChatRoom.student_id == student.id
        )
    )
    assert room_id is not None
    return room_id


@pytest.fixture
def signed_in(new_page):
    """signed_in(username, path="/chat/", **page_options) -> a page in a fresh browser context.

    Any uncaught script error on any such page fails the test.
    """
    errors: list[str] = []

    def make(username: str, path: str = "/chat/", **page_options):
        page = new_page(**page_options)
        page.on("pageerror", lambda exc: errors.append(f"{username}: {exc}"))
        browser_login(page, username)
        page.goto(path)
        return page

    yield make
    assert errors == []


@pytest.fixture
def in_room(signed_in):
    """in_room(username, room_id, **page_options) -> a page with the room open (deep link)."""

    def make(username: str, room_id: int, **page_options):
        page = signed_in(username, f"/chat/?room={room_id}", **page_options)
        expect(page.locator("[data-test=room-title]")).not_to_be_empty()
        expect(page.locator("#chat-history-state")).not_to_have_text("Loading…")
        return page

    return make


def messages_with(page, text: str):
    """Stored (acknowledged) message bubbles whose text is exactly `text`."""
    return page.locator(MESSAGE).filter(
        has=page.locator("[data-test=body]", has_text=re.compile(f"^{re.escape(text)}$"))
    )


def send(page, text: str) -> None:
    """Type a message and press Enter, as a person does; wait until the server stored it."""
    box = page.locator("[data-test=message-input]")
    box.fill(text)
    box.press("Enter")
    expect(messages_with(page, text)).to_have_count(1)
    expect(page.locator("[data-test=pending-message]")).to_have_count(0)


def message_ids(page) -> list[str]:
    return page.locator(f"{MESSAGE}[data-message-id]").evaluate_all(
        "nodes => nodes.map(n => n.dataset.messageId)"
    )


def post_as(user, room_id: int, text: str) -> dict:
    """A message written through the chat service (test data, not the page under test)."""
    from thebot.services.chat import messages as chat_messages

    return chat_messages.send_message(user, room_id, text)


# --- every role's page -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "username, sees, does_not_see",
    [
        ("student", ["Tutoring", "Maths", "Physics"], ["Pavel Petrov · Tutoring"]),
        (
            "parent2",
            ["Maria Ivanova · Tutoring", "Maria Ivanova · Maths", "Mikhail Orlov"],
            ["Anna Petrova · Tutoring"],
        ),
        (
            "teacher",
            [
                "Anna Petrova · Maths",
                "Pavel Petrov · Maths",
                "Maria Ivanova · Maths",
                "Tatiana Smirnova",
                "Sergey Ivanov",
            ],
            ["Anna Petrova · Physics", "Anna Petrova · Tutoring"],
        ),
        (
            "teacher2",
            ["Anna Petrova · Physics", "Daniil Sokolov · Physics"],
            ["Anna Petrova · Maths"],
        ),
    ],
)
def test_each_role_lists_its_own_rooms(signed_in, demo, username, sees, does_not_see):
    page = signed_in(username)
    expect(page.locator("nav a", has_text="Chat")).to_have_attribute("aria-current", "page")
    names = page.locator("[data-test=room-item] [data-test=room-name]")
    for title in sees:
        expect(names.filter(has_text=re.compile(f"^{re.escape(title)}$"))).to_have_count(1)
    for title in does_not_see:
        expect(names.filter(has_text=re.compile(f"^{re.escape(title)}$"))).to_have_count(0)
    expect(names).to_have_count(len(sees))  # nothing else


def test_signed_out_visitors_are_sent_to_sign_in(new_page, demo):
    page = new_page()
    page.goto("/chat/?room=1")
    expect(page).to_have_url(re.compile(r"/auth/login"))
    expect(page.locator("[data-test=chat]")).to_have_count(0)


# --- the two-browser conversation ---------------------------------------------------------------


def test_parent_and_tutor_see_typing_messages_and_read_marks_live(signed_in, demo):
    room_id = tutor_room_id(demo.student)
    tutor = signed_in("tutor")
    room_item = tutor.locator("[data-test=room-item]", has_text=TUTOR_ROOM_TITLE)
    expect(room_item).to_be_visible()
    nav_badge = tutor.locator("[data-chat-unread]")
    expect(nav_badge).to_have_attribute("data-count", re.compile(r"^\d+$"))
    total_before = int(nav_badge.get_attribute("data-count"))
    room_badge = room_item.locator("[data-test=room-unread]")
    room_unread_before = int(room_badge.inner_text()) if room_badge.count() else 0

    parent = signed_in("parent")
    parent.locator("[data-test=room-item]", has_text=TUTOR_ROOM_TITLE).click()
    expect(parent).to_have_url(re.compile(rf"/chat/\?room={room_id}$"))
    expect(parent.locator("[data-test=room-title]")).to_have_text(TUTOR_ROOM_TITLE)
    # The demo history is there, oldest first, with names and the viewer's own messages as "You".
    expect(
        messages_with(parent, "Tatiana, Anna's mock test was 23 out of 25! Thank you.").locator(
            "[data-test=sender]"
        )
    ).to_have_text("You")

    # The parent writes; the tutor, on the room list, sees it arrive without reloading.
    first = "Anna finished the algebra worksheet today."
    send(parent, first)
    expect(room_item.locator("[data-test=room-last]")).to_have_text(f"Irina: {first}")
    expect(room_item.locator("[data-test=room-unread]")).to_have_text(str(room_unread_before + 1))
    expect(nav_badge).to_have_text(str(total_before + 1))
    expect(messages_with(parent, first).locator("[data-test=receipt]")).to_have_text("✓ Sent")

    # The tutor opens it: the parent sees the read mark, the tutor's unread count goes down.
    room_item.click()
    expect(tutor).to_have_url(re.compile(rf"/chat/\?room={room_id}$"))
    expect(messages_with(tutor, first).locator("[data-test=sender]")).to_have_text("Irina Petrova")
    expect(messages_with(parent, first).locator("[data-test=receipt]")).to_have_text(
        "✓✓ Read by Tatiana Smirnova"
    )
    expect(nav_badge).to_have_attribute("data-count", str(total_before - room_unread_before))

    # Typing shows on the other side while the parent writes, and goes when the message is sent.
    box = parent.locator("[data-test=message-input]")
    box.press_sequentially("Shall we move Friday")
    expect(tutor.locator("[data-test=typing]")).to_have_text("Irina Petrova is typing…")
    box.press("Enter")
    expect(messages_with(tutor, "Shall we move Friday")).to_have_count(1)
    expect(tutor.locator("[data-test=typing]")).to_have_text("")
    newest_receipt = messages_with(parent, "Shall we move Friday").locator("[data-test=receipt]")
    expect(newest_receipt).to_have_text("✓✓ Read by Tatiana Smirnova")
    # The older message no longer repeats the same receipt.
    expect(messages_with(parent, first).locator("[data-test=receipt]")).to_have_text("")
    # Each message is on each page once.
    for page in (parent, tutor):
        ids = message_ids(page)
        assert len(ids) == len(set(ids))


def test_reconnect_catches_up_without_loss_or_duplicates(in_room, demo):
    room_id = tutor_room_id(demo.student)
    parent = in_room("parent", room_id)
    tutor = in_room("tutor", room_id)
    send(parent, "Before the break")
    expect(messages_with(tutor, "Before the break")).to_have_count(1)

    # The parent's network goes away and the live connection drops.
    parent.context.set_offline(True)
    parent.evaluate("window.TheBot.chatSocket().io.engine.close()")
    status = parent.locator("[data-test=connection-status]")
    expect(status).to_have_text("Connection lost. Reconnecting…")

    # Meanwhile the tutor writes, and the parent writes too (kept as "Sending…").
    send(tutor, "Sent while you were offline")
    parent.locator("[data-test=message-input]").fill("Written offline")
    parent.locator("[data-test=message-input]").press("Enter")
    pending = parent.locator("[data-test=pending-message]")
    expect(pending).to_have_count(1)
    expect(pending.locator("[data-test=pending-state]")).to_have_text("Sending…")
    expect(messages_with(parent, "Sent while you were offline")).to_have_count(0)

    parent.context.set_offline(False)
    expect(status).to_be_hidden(timeout=20_000)
    expect(messages_with(parent, "Sent while you were offline")).to_have_count(1)
    expect(pending).to_have_count(0)
    expect(messages_with(parent, "Written offline")).to_have_count(1)
    expect(messages_with(tutor, "Written offline")).to_have_count(1)
    expect(messages_with(parent, "Before the break")).to_have_count(1)
    ids = message_ids(parent)
    assert len(ids) == len(set(ids))
    assert ids == sorted(ids, key=int)
    # Stored once on the server as well.
    from thebot.extensions import db
    from thebot.models import ChatMessage

    db.session.remove()
    stored = db.session.scalars(
        select(ChatMessage.content).where(
            ChatMessage.room_id == room_id,
            ChatMessage.content.in_(["Sent while you were offline", "Written offline"]),
        )
    ).all()
    assert sorted(stored) == ["Sent while you were offline", "Written offline"]


def test_admin_reads_every_room_but_has_no_composer(in_room, demo):
    room_id = tutor_room_id(demo.student)
    post_as(demo.parent, room_id, "A message the admin can read")
    admin = in_room("admin", room_id)
    expect(admin.locator("[data-test=room-title]")).to_have_text(TUTOR_ROOM_TITLE)
    expect(messages_with(admin, "A message the admin can read")).to_have_count(1)
    expect(admin.locator("[data-test=composer]")).to_have_count(0)
    expect(admin.locator("[data-test=message-input]")).to_have_count(0)
    expect(admin.locator("[data-test=read-only-note]")).to_have_text(
        "Administrators read every conversation and post in none."
    )
    expect(admin.locator("[data-test=new-conversation]")).to_have_count(0)
    # No reply / edit / delete on anyone's message either.
    expect(admin.locator(f"{MESSAGE} [data-action]:not([data-action=jump])")).to_have_count(0)
    # Every family's rooms are listed, not only one.
    rooms = admin.locator("[data-test=room-item] [data-test=room-name]")
    expect(rooms.filter(has_text="Maria Ivanova · Tutoring")).to_have_count(1)
    expect(rooms.filter(has_text=TUTOR_ROOM_TITLE)).to_have_count(1)


def test_markup_in_a_message_is_shown_as_text(in_room, demo):
    room_id = tutor_room_id(demo.student)
    dialogs = []
    tutor = in_room("tutor", room_id)
    tutor.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    parent = in_room("parent", room_id)
    parent.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    markup = "<img src=x onerror=alert(1)>"
    send(parent, markup)
    expect(messages_with(tutor, markup)).to_have_count(1)
    expect(messages_with(tutor, markup).locator("[data-test=body]")).to_have_text(markup)
    assert tutor.locator("[data-test=messages] img").count() == 0
    assert parent.locator("[data-test=messages] img").count() == 0
    # The room list preview is text too.
    item = tutor.locator("[data-test=room-item]", has_text=TUTOR_ROOM_TITLE)
    expect(item.locator("[data-test=room-last]")).to_have_text(f"Irina: {markup}")
    assert tutor.locator("[data-test=rooms] img").count() == 0
    assert dialogs == []


def test_unknown_or_foreign_room_says_so_and_shows_nothing(signed_in, demo):
    foreign = tutor_room_id(demo.student3)  # parent2's family
    parent = signed_in("parent", f"/chat/?room={foreign}")
    expect(parent.locator("[data-test=room-error]")).to_have_text(
        "This conversation does not exist or is not yours to see."
    )
    expect(parent.locator(MESSAGE)).to_have_count(0)
    expect(parent.locator("[data-test=room-item]", has_text="Maria Ivanova")).to_have_count(0)
    parent.goto("/chat/?room=99999999")
    expect(parent.locator("[data-test=room-error]")).to_have_text(
        "This conversation does not exist or is not yours to see."
    )


def test_moderator_lock_disables_the_composer_live(in_room, demo):
    room_id = tutor_room_id(demo.student)
    parent = in_room("parent", room_id)
    tutor = in_room("tutor", room_id)
    expect(parent.locator("[data-test=lock]")).to_be_hidden()  # parents do not moderate
    lock = tutor.locator("[data-test=lock]")
    expect(lock).to_have_text("Lock the conversation")
    lock.click()
    expect(lock).to_have_text("Unlock the conversation")
    blocked = parent.locator("[data-test=composer-blocked]")
    expect(blocked).to_have_text("The moderator has locked this conversation.")
    expect(parent.locator("[data-test=message-input]")).to_be_disabled()
    expect(parent.locator("[data-test=send]")).to_be_disabled()
    expect(parent.locator("[data-test=locked]")).to_have_text("Locked")
    lock.click()
    expect(blocked).to_be_hidden()
    expect(parent.locator("[data-test=message-input]")).to_be_enabled()
    send(parent, "Open again")
    expect(messages_with(tutor, "Open again")).to_have_count(1)


def test_ended_enrollment_room_is_read_only_with_the_reason(in_room, demo):
    from thebot.extensions import db
    from thebot.models import ChatRoom, Enrollment, RoomKind
    from thebot.services import learning

    enrollment = db.session.scalar(
        select(Enrollment).where(
            Enrollment.student_id == demo.student.id, Enrollment.teacher_id == demo.teacher.id
        )
    )
    learning.end_enrollment(demo.admin, enrollment.id)
    room_id = db.session.scalar(
        select(ChatRoom.id).where(
            ChatRoom.kind == RoomKind.SUBJECT, ChatRoom.enrollment_id == enrollment.id
        )
    )
    student = in_room("student", room_id)
    expect(student.locator("[data-test=composer-blocked]")).to_have_text(
        "This subject has ended; the conversation is read-only."
    )
    expect(student.locator("[data-test=message-input]")).to_be_disabled()
    expect(student.locator(MESSAGE).first).to_be_visible()  # the history stays readable


def test_reply_edit_and_delete_show_on_both_sides(in_room, demo):
    room_id = tutor_room_id(demo.student)
    parent = in_room("parent", room_id)
    tutor = in_room("tutor", room_id)
    send(tutor, "Lesson moved to 17:00")

    # Reply: the parent quotes the tutor's message.
    expect(messages_with(parent, "Lesson moved to 17:00")).to_have_count(1)
    messages_with(parent, "Lesson moved to 17:00").hover()
    messages_with(parent, "Lesson moved to 17:00").locator("[data-test=action-reply]").click()
    expect(parent.locator("[data-test=reply-bar]")).to_contain_text(
        "Replying to Tatiana Smirnova: Lesson moved to 17:00"
    )
    send(parent, "Thanks, 17:00 works")
    quote = messages_with(tutor, "Thanks, 17:00 works").locator("[data-test=quote]")
    expect(quote).to_have_text("You Lesson moved to 17:00")

    # Edit: the author changes the text; the other side sees the new text marked edited.
    own = messages_with(parent, "Thanks, 17:00 works")
    own.hover()
    own.locator("[data-test=action-edit]").click()
    parent.locator("[data-test=edit-input]").fill("Thanks, 17:30 would be better")
    parent.locator("[data-test=edit-save]").click()
    edited = messages_with(tutor, "Thanks, 17:30 would be better")
    expect(edited.locator("[data-test=edited]")).to_have_text(" · edited")
    expect(messages_with(tutor, "Thanks, 17:00 works")).to_have_count(0)
    # Parents cannot edit or delete others' messages: no such buttons.
    theirs = messages_with(parent, "Lesson moved to 17:00")
    expect(theirs.locator("[data-action=edit]")).to_have_count(0)
    expect(theirs.locator("[data-action=delete]")).to_have_count(0)

    # Delete: the tutor moderates the room and removes the parent's message for everyone.
    tutor.on("dialog", lambda dialog: dialog.accept())
    edited.hover()
    edited.locator("[data-test=action-delete]").click()
    expect(messages_with(tutor, "Thanks, 17:30 would be better")).to_have_count(0)
    expect(messages_with(parent, "Thanks, 17:30 would be better")).to_have_count(0)


def test_an_author_deletes_their_message_in_a_locked_room(in_room, demo):
    from thebot.extensions import db
    from thebot.models import ChatMessage

    room_id = tutor_room_id(demo.student)
    post_as(demo.tutor, room_id, "Homework: exercises 3 to 7")
    parent = in_room("parent", room_id)
    tutor = in_room("tutor", room_id)
    send(parent, "See you on Monday")
    send(parent, "Sent to the wrong room, sorry")
    own = messages_with(parent, "Sent to the wrong room, sorry")
    expect(own.locator("[data-test=action-edit]")).to_have_count(1)

    # The tutor locks the room: the parent's bubbles change live, as the server's rights say.
    tutor.locator("[data-test=lock]").click()
    expect(parent.locator("[data-test=composer-blocked]")).to_have_text(
        "The moderator has locked this conversation."
    )
    expect(own.locator("[data-test=action-edit]")).to_have_count(0)
    expect(own.locator("[data-test=action-reply]")).to_have_count(0)
    theirs = messages_with(parent, "Homework: exercises 3 to 7")
    expect(theirs.locator("[data-action]:not([data-action=jump])")).to_have_count(0)
    # An author may still delete their own message in a locked room (docs/api-chat.md).
    parent.on("dialog", lambda dialog: dialog.accept())
    own.hover()
    own.locator("[data-test=action-delete]").click()
    expect(messages_with(parent, "Sent to the wrong room, sorry")).to_have_count(0)
    expect(messages_with(tutor, "Sent to the wrong room, sorry")).to_have_count(0)
    db.session.expire_all()
    stored = db.session.scalar(
        select(ChatMessage).where(ChatMessage.content == "Sent to the wrong room, sorry")
    )
    assert stored.deleted_at is not None and stored.deleted_by_id == demo.parent.id
    # After a reload (the history answer) the page shows the same rights.
    parent.reload()
    expect(parent.locator("[data-test=composer-blocked]")).to_be_visible()
    kept = messages_with(parent, "See you on Monday")
    expect(kept.locator("[data-test=action-delete]")).to_have_count(1)
    expect(kept.locator("[data-test=action-edit]")).to_have_count(0)
    expect(
        messages_with(parent, "Homework: exercises 3 to 7").locator(
            "[data-action]:not([data-action=jump])"
        )
    ).to_have_count(0)


def test_attachment_upload_shows_the_file_or_the_refusal(in_room, demo):
    room_id = tutor_room_id(demo.student)
    parent = in_room("parent", room_id)
    tutor = in_room("tutor", room_id)
    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
        b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7"
        b"5\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    parent.locator("[data-test=file]").set_input_files(
        {"name": "dot.png", "mimeType": "image/png", "buffer": png}
    )
    link = tutor.locator(f"{MESSAGE} [data-test=attachment]", has_text="dot.png")
    expect(link).to_have_count(1)
    expect(link).to_have_attribute("href", re.compile(r"/api/v1/chat/attachments/\d+$"))
    expect(parent.locator(f"{MESSAGE} [data-test=attachment]", has_text="dot.png")).to_have_count(1)
    expect(parent.locator("[data-test=pending-message]")).to_have_count(0)

    # A page pretending to be a file is refused; the bubble says why and nothing is stored.
    parent.locator("[data-test=file]").set_input_files(
        {
            "name": "page.html",
            "mimeType": "text/html",
            "buffer": b"<html><script>alert(1)</script></html>",
        }
    )
    failed = parent.locator("[data-test=pending-message]")
    expect(failed.locator("[data-test=pending-state]")).to_have_text(re.compile(r"^Not sent: .+"))
    refused = tutor.locator(f"{MESSAGE} [data-test=attachment]", has_text="page.html")
    expect(refused).to_have_count(0)


def test_older_history_loads_when_scrolling_up(in_room, demo, ctx, monkeypatch):
    monkeypatch.setitem(ctx.config, "CHAT_SEND_LIMIT", 0)
    room_id = tutor_room_id(demo.student2)
    for number in range(1, 71):
        post_as(demo.tutor, room_id, f"Exercise {number}")
    parent = in_room("parent", room_id)
    expect(messages_with(parent, "Exercise 70")).to_have_count(1)
    expect(messages_with(parent, "Exercise 21")).to_have_count(1)
    expect(messages_with(parent, "Exercise 20")).to_have_count(0)
    parent.locator("[data-test=messages]").evaluate("box => { box.scrollTop = 0; }")
    expect(messages_with(parent, "Exercise 1")).to_have_count(1)
    expect(parent.locator("#chat-history-state")).to_have_text(
        "This is the beginning of the conversation."
    )
    ids = message_ids(parent)
    assert len(ids) == len(set(ids)) and ids == sorted(ids, key=int)
    assert parent.locator(MESSAGE).filter(has_text=re.compile(r"Exercise \d+")).count() == 70


def test_new_conversation_from_the_contact_list(signed_in, demo):
    parent = signed_in("parent")
    parent.locator("[data-test=new-conversation]").click()
    contacts = parent.locator("[data-test=contact]")
    expect(contacts.filter(has_text="Mikhail Orlov")).to_have_count(1)
    expect(contacts.filter(has_text="Timur Karimov")).to_have_count(0)  # not this family's tutor
    contacts.filter(has_text="Mikhail Orlov").click()
    expect(parent.locator("[data-test=room-title]")).to_have_text("Mikhail Orlov")
    expect(parent).to_have_url(re.compile(r"/chat/\?room=\d+$"))
    send(parent, "Hello Mikhail, a question about Pavel")
    teacher = signed_in("teacher")
    item = teacher.locator("[data-test=room-item]", has_text="Irina Petrova")
    expect(item.locator("[data-test=room-last]")).to_have_text(
        "Irina: Hello Mikhail, a question about Pavel"
    )


def test_phone_layout_switches_between_list_and_conversation(signed_in, demo):
    room_id = tutor_room_id(demo.student)
    phone = signed_in("parent", viewport={"width": 390, "height": 780})
    rooms = phone.locator("[data-test=rooms]")
    conversation = phone.locator("#chat-conversation")
    expect(rooms).to_be_visible()
    expect(conversation).to_be_hidden()
    phone.locator("[data-test=room-item]", has_text=TUTOR_ROOM_TITLE).click()
    expect(conversation).to_be_visible()
    expect(rooms).to_be_hidden()
    expect(phone).to_have_url(re.compile(rf"/chat/\?room={room_id}$"))
    send(phone, "Written on a phone")
    phone.locator("[data-test=back]").click()
    expect(rooms).to_be_visible()
    expect(conversation).to_be_hidden()
    expect(phone).to_have_url(re.compile(r"/chat/$"))


def test_chat_badge_updates_live_on_other_pages(signed_in, in_room, demo):
    room_id = tutor_room_id(demo.student)
    tutor = signed_in("tutor", "/tutor/")
    badge = tutor.locator("nav [data-chat-unread]")
    expect(badge).to_have_attribute("data-count", re.compile(r"^\d+$"))
    before = int(badge.get_attribute("data-count"))
    parent = in_room("parent", room_id)
    send(parent, "Is Saturday still on?")
    expect(badge).to_have_text(str(before + 1))
    expect(badge).to_be_visible()


def test_upload_progress_is_shown_while_the_file_goes_up(in_room, demo):
    room_id = tutor_room_id(demo.student)
    parent = in_room("parent", room_id)
    # A slow uplink, so the upload is seen on its way.
    network = parent.context.new_cdp_session(parent)
    network.send("Network.enable")
    network.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 256 * 1024},
    )
    picture = b"\x89PNG\r\n\x1a\n" + bytes(1024 * 1024)
    parent.locator("[data-test=file]").set_input_files(
        {"name": "scan.png", "mimeType": "image/png", "buffer": picture}
    )
    bar = parent.locator("[data-test=pending-message] [data-test=upload-progress]")
    expect(bar).to_have_attribute("value", re.compile(r"^[1-9][0-9]?$"))  # part-way, 1–99 %
    stored = parent.locator(f"{MESSAGE} [data-test=attachment]", has_text="scan.png")
    expect(stored).to_have_count(1, timeout=30_000)
    expect(parent.locator("[data-test=pending-message]")).to_have_count(0)


def test_a_refused_send_keeps_the_bubble_with_the_reason(chromium, start_server, demo):
    room_id = tutor_room_id(demo.student)
    server = start_server(CHAT_SEND_LIMIT=1, CHAT_SEND_WINDOW=3600)  # one message an hour
    context = chromium.new_context(base_url=server.url, locale="en")
    try:
        page = context.new_page()
        browser_login(page, "parent")
        page.goto(f"/chat/?room={room_id}")
        send(page, "The only message this hour")
        box = page.locator("[data-test=message-input]")
        box.fill("One too many")
        box.press("Enter")
        bubble = page.locator("[data-test=pending-message]")
        expect(bubble.locator("[data-test=pending-state]")).to_have_text(
            re.compile(r"^Not sent: .*too fast")
        )
        expect(bubble.locator(".msg-body")).to_have_text("One too many")
        expect(bubble.locator("[data-test=retry]")).to_be_visible()
        expect(messages_with(page, "One too many")).to_have_count(0)
    finally:
        context.close()
        server.stop()
