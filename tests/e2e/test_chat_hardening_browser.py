"""Chat pages in real Chromium (issue 7, point 13): an incoming image keeps a watcher at the
bottom so what follows is read; an admin sees the images and downloads the files of the rooms
they read; a reply's quote follows its original's edits live; rooms are listed by the time of
their last message, newest first.
"""

from __future__ import annotations

import io
import re
import struct
import time
import zlib

import pytest
import requests
from playwright.sync_api import expect
from sqlalchemy import select

from tests.support.browser import browser_login
from tests.support.http import api_token
from tests.support.realtime import WAIT, tutor_room

pytestmark = pytest.mark.browser

MESSAGE = "li[data-test=message]"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png(width: int, height: int) -> bytes:
    """A real PNG of one colour, large enough to take room in a conversation."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    rows = b"".join(b"\x00" + b"\x3c\x78\xd8" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def open_room(new_page):
    """open_room(username, room_id, **page_options) -> a signed-in page with the room open."""
    errors: list[str] = []

    def make(username: str, room_id: int | None, **page_options):
        page = new_page(**page_options)
        page.on("pageerror", lambda exc: errors.append(f"{username}: {exc}"))
        browser_login(page, username)
        page.goto(f"/chat/?room={room_id}" if room_id else "/chat/")
        if room_id:
            expect(page.locator("[data-test=room-title]")).not_to_be_empty()
            expect(page.locator("#chat-history-state")).not_to_have_text("Loading…")
        return page

    yield make
    assert errors == []


class LiveApi:
    """Someone else acting through the running server's JSON API (so its events go out)."""

    def __init__(self, base_url: str, username: str):
        self.base = f"{base_url}/api/v1/chat"
        self.headers = {"Authorization": f"Bearer {api_token(username, via=base_url)}"}

    def send(self, room_id: int, content: str, **extra) -> dict:
        answer = requests.post(
            f"{self.base}/rooms/{room_id}/messages",
            headers=self.headers,
            json={"content": content, **extra},
            timeout=WAIT,
        )
        assert answer.status_code == 201, answer.text
        return answer.json()["message"]

    def upload(self, room_id: int, name: str, data: bytes) -> dict:
        answer = requests.post(
            f"{self.base}/rooms/{room_id}/attachments",
            headers=self.headers,
            files={"file": (name, data)},
            timeout=WAIT,
        )
        assert answer.status_code == 201, answer.text
        return answer.json()["message"]

    def edit(self, message_id: int, content: str) -> dict:
        answer = requests.patch(
            f"{self.base}/messages/{message_id}",
            headers=self.headers,
            json={"content": content},
            timeout=WAIT,
        )
        assert answer.status_code == 200, answer.text
        return answer.json()["message"]


def distance_from_bottom(page) -> float:
    return page.locator("[data-test=messages]").evaluate(
        "s => s.scrollHeight - s.scrollTop - s.clientHeight"
    )


def read_cursor(room_id: int, user_id: int) -> int:
    from thebot.extensions import db
    from thebot.models import ChatMember

    db.session.remove()
    return db.session.scalar(
        select(ChatMember.last_read_id).where(
            ChatMember.room_id == room_id, ChatMember.user_id == user_id
        )
    )


def wait_for_cursor(room_id: int, user_id: int, message_id: int) -> None:
    deadline = time.monotonic() + WAIT
    while read_cursor(room_id, user_id) != message_id:
        assert time.monotonic() < deadline, (read_cursor(room_id, user_id), message_id)
        time.sleep(0.1)


def test_an_incoming_image_keeps_the_watcher_at_the_bottom(
    open_room, demo, live_server, ctx, monkeypatch
):
    from thebot.services.chat import messages as chat_messages

    monkeypatch.setitem(ctx.config, "CHAT_SEND_LIMIT", 0)
    room_id = tutor_room(demo.student)
    for number in range(1, 9):
        chat_messages.send_message(demo.tutor, room_id, f"Plan item {number}")
    parent = open_room("parent", room_id, viewport={"width": 1100, "height": 520})
    expect(parent.locator(MESSAGE).filter(has_text="Plan item 8")).to_have_count(1)
    assert distance_from_bottom(parent) <= 2

    tutor = LiveApi(live_server.url, "tutor")
    picture = tutor.upload(room_id, "chart.png", png(600, 400))
    image = parent.locator(f"{MESSAGE}[data-message-id='{picture['id']}'] img")
    expect(image).to_have_count(1)
    expect(image).to_have_js_property("complete", True)
    assert image.evaluate("img => img.naturalHeight") == 400
    assert image.evaluate("img => img.getBoundingClientRect().height") > 150  # it took room
    parent.wait_for_function(
        "() => { const s = document.getElementById('chat-messages');"
        " return s.scrollHeight - s.scrollTop - s.clientHeight <= 2; }"
    )
    wait_for_cursor(room_id, demo.parent.id, picture["id"])

    after = tutor.send(room_id, "Did you see the chart?")
    expect(parent.locator(MESSAGE).filter(has_text="Did you see the chart?")).to_be_in_viewport()
    expect(parent.locator("#chat-jump")).to_be_hidden()
    wait_for_cursor(room_id, demo.parent.id, after["id"])  # read, because it was on screen


def test_an_admin_sees_the_images_and_downloads_the_files_of_a_room(open_room, demo):
    from thebot.services.chat import messages as chat_messages

    room_id = tutor_room(demo.student)
    picture = chat_messages.send_attachment(
        demo.tutor, room_id, io.BytesIO(png(120, 80)), "chart.png"
    )
    sheet = chat_messages.send_attachment(demo.tutor, room_id, io.BytesIO(PDF), "worksheet.pdf")
    admin = open_room("admin", room_id)
    image = admin.locator(f"{MESSAGE}[data-message-id='{picture['id']}'] img")
    expect(image).to_have_js_property("complete", True)
    assert image.evaluate("img => img.naturalWidth") == 120  # not a broken image
    link = admin.locator(f"{MESSAGE}[data-message-id='{sheet['id']}'] [data-test=attachment]")
    with admin.expect_download() as download:
        link.click()
    saved = download.value
    assert saved.suggested_filename == "worksheet.pdf"
    with open(saved.path(), "rb") as file:
        assert file.read() == PDF


def test_a_quote_follows_the_edit_of_its_original_live(open_room, demo, live_server):
    from thebot.services.chat import messages as chat_messages

    room_id = tutor_room(demo.student)
    original = chat_messages.send_message(demo.tutor, room_id, "The test is on Friday")
    reply = chat_messages.send_message(
        demo.parent, room_id, "Noted, thank you", reply_to_id=original["id"]
    )
    parent = open_room("parent", room_id)
    quote = parent.locator(f"{MESSAGE}[data-message-id='{reply['id']}'] [data-test=quote]")
    expect(quote).to_contain_text("The test is on Friday")

    LiveApi(live_server.url, "tutor").edit(original["id"], "The test is on Thursday")
    body = parent.locator(f"{MESSAGE}[data-message-id='{original['id']}'] [data-test=body]")
    expect(body).to_have_text("The test is on Thursday")
    expect(quote).to_contain_text("The test is on Thursday")
    expect(quote).not_to_contain_text("Friday")


def test_rooms_are_listed_by_the_time_of_their_last_message(open_room, demo, live_server):
    parent = open_room("parent", None)
    names = parent.locator("[data-test=room-item] [data-test=room-name]")
    # The demo writes room after room, so ids do not follow time across rooms: Maths was last
    # written a day ago, the tutor room two days ago, Pavel's tutor room a week ago.
    expect(names.first).to_have_text("Anna Petrova · Maths")
    order = names.all_inner_texts()
    assert (
        order.index("Anna Petrova · Maths")
        < order.index("Anna Petrova · Tutoring")
        < order.index("Tatiana Smirnova")
        < order.index("Pavel Petrov · Tutoring")
        < order.index("Anna Petrova · Physics")
    ), order
    # A new message moves its room to the top while the page is open.
    LiveApi(live_server.url, "tutor").send(tutor_room(demo.student2), "Pavel did well today")
    expect(names.first).to_have_text("Pavel Petrov · Tutoring")
    first = parent.locator("[data-test=room-item]").first
    expect(first.locator("[data-test=room-last]")).to_have_text(
        re.compile(r"Pavel did well today$")
    )
