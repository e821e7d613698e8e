"""Chat hardening (issue 7): bounded attachment sniffing (zip bombs, markup hidden in text, bare
SVG, one charset), deleted messages that stay deleted on a resend, one posting rule for direct
rooms with a deactivated person, racing uploads that leave one file, own messages never unread,
admins downloading what they read, titles that lead with what differs, rooms by recency and a
chronological demo history.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import struct
import threading
import time
import tracemalloc
import zipfile

import pytest
from sqlalchemy import func, select

from tests.support.chat import chat_api as api
from tests.support.chat import message_count
from tests.support.http import api_token
from tests.support.realtime import subject_room, tutor_room
from thebot.extensions import db
from thebot.models import ChatMessage, ChatRoom, RoomKind
from thebot.services import accounts, attachments
from thebot.services.chat import rooms as chat_rooms
from thebot.services.errors import Invalid

MB = 1024 * 1024
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff"
    b"\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def token(demo):
    return lambda name: api_token(demo[name])


@pytest.fixture
def maths(demo):
    return subject_room(demo.student, "Maths")


def upload(web, tok, room_id, data: bytes, name: str, **fields):
    return web.api(
        "POST",
        f"/api/v1/chat/rooms/{room_id}/attachments",
        token=tok,
        data={"file": (io.BytesIO(data), name), **fields},
        content_type="multipart/form-data",
    )


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    return response.get_json()["error"]


def stored_files(uploads_dir) -> list[str]:
    return sorted(str(p.relative_to(uploads_dir)) for p in uploads_dir.rglob("*") if p.is_file())


# --- zip bombs ----------------------------------------------------------------------------------


def zip_of(name: str, size: int, method: int) -> bytes:
    """An archive with one entry of `size` zero bytes, written in 1 MB pieces (the bomb itself
    is never held in memory)."""
    buffer = io.BytesIO()
    chunk = b"\0" * MB
    with zipfile.ZipFile(buffer, "w", method) as archive, archive.open(name, "w") as entry:
        for _ in range(size // MB):
            entry.write(chunk)
    return buffer.getvalue()


def declare_size(data: bytes, size: int) -> bytes:
    """The same archive whose local and central headers lie: they declare `size` unpacked bytes."""
    patched = bytearray(data)
    struct.pack_into("<I", patched, 22, size)  # local file header: uncompressed size
    central = data.rindex(b"PK\x01\x02")
    struct.pack_into("<I", patched, central + 24, size)
    return bytes(patched)


@pytest.fixture(scope="module")
def bzip2_bomb() -> bytes:
    """The archive of the report: ~376 bytes whose `mimetype` entry inflates to 300 MB."""
    return zip_of("mimetype", 300 * MB, zipfile.ZIP_BZIP2)


def measured(action):
    """(result, seconds, peak bytes allocated) of running action()."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = action()
    finally:
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return result, elapsed, peak


def test_a_zip_bomb_is_refused_quickly_with_flat_memory(
    web, demo, token, maths, uploads_dir, bzip2_bomb
):
    assert len(bzip2_bomb) < 1024
    files, count = stored_files(uploads_dir), message_count()
    answer, elapsed, peak = measured(
        lambda: upload(web, token("student"), maths, bzip2_bomb, "essay.odt")
    )
    error = error_of(answer, 400)
    assert error["code"] == "validation_error"
    assert error["message"] == (
        "This archive is not accepted: it would unpack to far more than its size."
    )
    assert error["fields"]["file"] == error["message"]
    assert elapsed < 2 and peak < 16 * MB, (elapsed, peak)
    assert message_count() == count and stored_files(uploads_dir) == files


def test_the_zip_bomb_refusal_is_translated(web, demo, token, maths, bzip2_bomb):
    answer = web.api(
        "POST",
        f"/api/v1/chat/rooms/{maths}/attachments",
        token=token("student"),
        headers={"Accept-Language": "ru"},
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(bzip2_bomb), "essay.odt")},
    )
    message = error_of(answer, 400)["message"]
    assert message.startswith("Этот архив не принят")


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_DEFLATED])
def test_lying_sizes_never_make_the_server_inflate(web, demo, token, maths, method):
    # The headers say 39 bytes (an ODT's `mimetype`); the data inflates to 64 MB. Only a bounded
    # prefix of a stored or deflated entry is ever read, so this is just an archive.
    liar = declare_size(zip_of("mimetype", 64 * MB, method), 39)
    answer, elapsed, peak = measured(lambda: upload(web, token("student"), maths, liar, "a.zip"))
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["message"]["attachment"]["content_type"] == "application/zip"
    assert elapsed < 2 and peak < 16 * MB, (elapsed, peak)


def test_archives_declaring_absurd_sizes_are_refused(web, demo, token, maths):
    # Honest headers, deflate this time: 200 MB of zeros in ~200 KB is a bomb, whatever its name.
    bomb = zip_of("data.bin", 200 * MB, zipfile.ZIP_DEFLATED)
    assert len(bomb) < 1 * MB
    error = error_of(upload(web, token("student"), maths, bomb, "data.zip"), 400)
    assert error["code"] == "validation_error" and "would unpack" in error["message"]
    # An ordinary archive of documents is still an archive.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("notes/ch1.txt", "Similar triangles. " * 2000)
    assert upload(web, token("student"), maths, buffer.getvalue(), "notes.zip").get_json()[
        "message"
    ]["attachment"]["content_type"] == ("application/zip")


def test_an_odt_is_recognised_by_a_bounded_read_of_its_mimetype(web, demo, token, maths):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), b"application/vnd.oasis.opendocument.text")
        archive.writestr(
            "content.xml", b"<office:document-content/>" * 100, compress_type=zipfile.ZIP_DEFLATED
        )
    message = upload(web, token("student"), maths, buffer.getvalue(), "essay").get_json()["message"]
    assert message["attachment"]["content_type"] == "application/vnd.oasis.opendocument.text"
    assert message["attachment"]["name"] == "essay.odt"


# --- markup is never text -----------------------------------------------------------------------

BARE_SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect/></svg>'
HIDDEN_MARKUP = [
    (BARE_SVG, "logo.txt"),
    (b"\xef\xbb\xbf  \n" + BARE_SVG, "logo.txt"),
    (b"<!-- drawn by hand -->\n" + BARE_SVG.upper(), "logo.txt"),
    (b'<?xml version="1.0" encoding="UTF-8"?>\n' + BARE_SVG, "logo.txt"),
    (b"notes " * 12_000 + b'<img src="x" onerror="alert(1)">', "notes.txt"),  # after 64 KiB
    (b"a" * 70_000 + b"<IFRAME src=//evil.example>", "notes.txt"),
    (b"x" * 100_000 + b"<ScRiPt>alert(1)</sCrIpT>", "notes.txt"),
    (b"hello <div onmouseover=alert(1)>hover</div>", "notes.txt"),
    (b"hello <custom-tag onclick='alert(1)'>click</custom-tag>", "notes.txt"),
    ("Привет! ".encode("cp1251") * 10_000 + b"<html><body>hi</body></html>", "notes.txt"),
]


@pytest.mark.parametrize("data, name", HIDDEN_MARKUP)
def test_markup_anywhere_in_a_text_file_is_refused(
    web, demo, token, maths, uploads_dir, data, name
):
    files, count = stored_files(uploads_dir), message_count()
    error = error_of(upload(web, token("student"), maths, data, name), 400)
    assert error["code"] == "validation_error" and "not accepted" in error["message"]
    assert message_count() == count and stored_files(uploads_dir) == files


def test_a_bare_svg_is_never_stored_as_text(web, demo, token, maths):
    # No <html>, no <script>, no XML prolog: only the svg tag tells what it is.
    assert b"<?xml" not in BARE_SVG and b"script" not in BARE_SVG
    with pytest.raises(Invalid):
        attachments.sniff(BARE_SVG)
    error = error_of(upload(web, token("student"), maths, BARE_SVG, "drawing.txt"), 400)
    assert error["code"] == "validation_error"
    assert (
        db.session.scalar(select(ChatMessage).where(ChatMessage.attachment_name.like("drawing%")))
        is None
    )


def test_text_with_angle_brackets_that_is_not_markup_is_text(web, demo, token, maths):
    text = b"If a<b then one = 2, so c > d.\nx < y and 3 > 2; <- arrow\n" * 2000
    message = upload(web, token("student"), maths, text, "maths.txt").get_json()["message"]
    assert message["attachment"]["content_type"] == "text/plain; charset=utf-8"


# --- one charset --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, encoding, content_type",
    [
        ("Задача 1: x = 2\n", "utf-8", "text/plain; charset=utf-8"),
        ("Задача 1: x = 2\n", "cp1251", "text/plain; charset=windows-1251"),
    ],
)
def test_text_downloads_send_one_charset_the_right_one(
    web, demo, token, maths, text, encoding, content_type
):
    data = text.encode(encoding)
    message = upload(web, token("student"), maths, data, "task.txt").get_json()["message"]
    assert message["attachment"]["content_type"] == content_type
    download = web.api("GET", message["attachment"]["url"], token=token("teacher"))
    assert download.status_code == 200 and download.data == data
    assert download.headers["Content-Type"] == content_type
    assert download.headers["Content-Type"].count("charset") == 1
    assert download.data.decode(content_type.split("charset=")[1]) == text


def test_a_ten_megabyte_text_file_is_checked_quickly(web, demo, token, maths):
    unit = "Ответ: 42. ".encode()
    data = unit * (10 * MB // len(unit))
    started = time.perf_counter()
    answer = upload(web, token("student"), maths, data, "long.txt")
    assert answer.status_code == 201 and answer.get_json()["message"]["attachment"]["size"] == len(
        data
    )
    assert time.perf_counter() - started < 3


# --- a deleted message stays deleted ------------------------------------------------------------


def test_resending_a_deleted_messages_client_id_does_not_bring_it_back(web, demo, token, maths):
    tok = token("student")
    sent = api(
        web,
        tok,
        "POST",
        f"/rooms/{maths}/messages",
        json={"content": "oops", "client_id": "gone-1"},
    ).get_json()["message"]
    assert api(web, tok, "DELETE", f"/messages/{sent['id']}").get_json() == {"ok": True}
    count = message_count()
    again = api(
        web,
        tok,
        "POST",
        f"/rooms/{maths}/messages",
        json={"content": "oops", "client_id": "gone-1"},
    )
    error = error_of(again, 409)
    assert error == {"code": "conflict", "message": "This message was deleted."}
    # The same for a file message's upload retry; nothing is stored, nothing reappears.
    upload_sent = upload(web, tok, maths, PNG, "dot.png", client_id="gone-2").get_json()["message"]
    api(web, token("teacher"), "DELETE", f"/messages/{upload_sent['id']}")  # the moderator
    assert (
        error_of(upload(web, tok, maths, PNG, "dot.png", client_id="gone-2"), 409)["message"]
        == "This message was deleted."
    )
    assert message_count() == count + 1
    history = api(web, tok, "GET", f"/rooms/{maths}/messages").get_json()["messages"]
    assert {"gone-1", "gone-2"}.isdisjoint({m["client_id"] for m in history})
    assert db.session.get(ChatMessage, sent["id"]).deleted_at is not None


def test_a_socket_resend_of_a_deleted_message_is_a_conflict(live_server, demo, connect, maths):
    client = connect("student")
    client.join(maths)
    sent = client.call("send", {"room_id": maths, "content": "typo", "client_id": "gone-s"})
    assert sent["ok"] is True
    assert client.call("delete", {"message_id": sent["message"]["id"]})["ok"] is True
    client.drain()
    again = client.call("send", {"room_id": maths, "content": "typo", "client_id": "gone-s"})
    assert again == {
        "ok": False,
        "error": {"code": "conflict", "message": "This message was deleted."},
    }
    # Nothing was announced as posted: the next event is the next real message.
    fresh = client.call("send", {"room_id": maths, "content": "fixed", "client_id": "gone-s2"})
    received = client.received_until("message", lambda m: m["id"] == fresh["message"]["id"])
    assert [data["client_id"] for name, data in received if name == "message"] == ["gone-s2"]


# --- one posting rule -----------------------------------------------------------------------------


def test_a_direct_room_with_a_deactivated_person_takes_no_messages_from_either_side(
    web, demo, token
):
    tutor_tok = token("tutor")
    room = api(web, tutor_tok, "POST", "/direct", json={"user_id": demo.teacher.id}).get_json()[
        "room"
    ]
    stored = db.session.get(ChatRoom, room["id"])
    low, high = stored.user_low_id, stored.user_high_id
    by_id = {demo.tutor.id: "tutor", demo.teacher.id: "teacher"}
    for gone, stays in ((low, high), (high, low)):  # the lower id deactivated was the hole
        tokens = {name: token(name) for name in by_id.values()}  # deactivation revokes tokens
        accounts.set_active(demo.admin, gone, False)
        view = api(web, tokens[by_id[stays]], "GET", f"/rooms/{room['id']}").get_json()["room"]
        assert view["can_post"] is False and view["read_only"] is True
        count = message_count()
        refused = api(
            web,
            tokens[by_id[stays]],
            "POST",
            f"/rooms/{room['id']}/messages",
            json={"content": "are you there?"},
        )
        assert error_of(refused, 409)["code"] == "locked" and message_count() == count
        listed = {
            r["id"]: r for r in api(web, tokens[by_id[stays]], "GET", "/rooms").get_json()["rooms"]
        }
        assert listed[room["id"]]["can_post"] is False
        accounts.set_active(demo.admin, gone, True)
        view = api(web, tokens[by_id[stays]], "GET", f"/rooms/{room['id']}").get_json()["room"]
        assert view["can_post"] is True
    assert (
        api(
            web,
            token("tutor"),
            "POST",
            f"/rooms/{room['id']}/messages",
            json={"content": "back again"},
        ).status_code
        == 201
    )


def test_the_socket_refuses_the_same_sends_the_room_says_it_refuses(
    live_server, demo, connect, token, web
):
    room = api(
        web, token("parent2"), "POST", "/direct", json={"user_id": demo.teacher.id}
    ).get_json()["room"]
    stored = db.session.get(ChatRoom, room["id"])
    writer = "teacher" if stored.user_low_id == demo.parent2.id else "parent2"
    accounts.set_active(demo.admin, stored.user_low_id, False)  # the lower id is deactivated
    client = connect(writer)
    ack = client.join(room["id"])
    assert ack["room"]["can_post"] is False
    before = message_count()
    refused = client.call("send", {"room_id": room["id"], "content": "hello?"})
    assert refused["ok"] is False and refused["error"]["code"] == "locked"
    typing = client.call("typing", {"room_id": room["id"], "typing": True})
    assert typing["ok"] is False and typing["error"]["code"] == "locked"
    assert message_count() == before


# --- racing uploads -------------------------------------------------------------------------------


def test_racing_uploads_with_one_client_id_leave_one_message_and_one_file(
    web_factory, demo, token, maths, uploads_dir, monkeypatch
):
    real_store = attachments.store
    # Where the database lets both requests in (SQLite), both write a file before either inserts
    # its row. On PostgreSQL one sender's sends take turns on a row lock, so the second request
    # never reaches `store` while the first waits here: the wait then ends by its timeout and
    # the second finds the first's message instead (one message, one file either way).
    both_stored = threading.Barrier(2, timeout=3)

    def store_then_wait(*args, **kwargs):
        stored = real_store(*args, **kwargs)
        with contextlib.suppress(threading.BrokenBarrierError):
            both_stored.wait()
        return stored

    monkeypatch.setattr(attachments, "store", store_then_wait)
    files = stored_files(uploads_dir)
    tok = token("student")
    answers = []

    def send():
        answers.append(upload(web_factory(), tok, maths, PNG, "dot.png", client_id="race-1"))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert [a.status_code for a in answers] == [201, 201]
    ids = {a.get_json()["message"]["id"] for a in answers}
    assert len(ids) == 1
    db.session.expire_all()
    message = db.session.get(ChatMessage, ids.pop())
    new_files = sorted(set(stored_files(uploads_dir)) - set(files))
    assert new_files == [message.attachment_key]
    assert (uploads_dir / message.attachment_key).read_bytes() == PNG


# --- own messages are never unread ----------------------------------------------------------------


def test_a_members_own_messages_never_count_as_unread(web, demo, token, maths):
    teacher, student = token("teacher"), token("student")
    before = {
        name: api(web, tok, "GET", "/unread").get_json()
        for name, tok in (("teacher", teacher), ("student", student))
    }
    for text in ("one", "two", "three"):
        assert (
            api(
                web, teacher, "POST", f"/rooms/{maths}/messages", json={"content": text}
            ).status_code
            == 201
        )
    teacher_now = api(web, teacher, "GET", "/unread").get_json()
    student_now = api(web, student, "GET", "/unread").get_json()
    assert teacher_now == before["teacher"]
    assert student_now["rooms"][str(maths)] == before["student"]["rooms"].get(str(maths), 0) + 3
    room = api(web, teacher, "GET", f"/rooms/{maths}").get_json()["room"]
    assert room["unread"] == before["teacher"]["rooms"].get(str(maths), 0)


def test_the_live_unread_count_leaves_out_own_messages(live_server, demo, connect, maths):
    teacher = connect("teacher")
    teacher.join(maths)
    baseline = teacher.call(
        "read", {"room_id": maths, "message_id": teacher.join(maths)["messages"][-1]["id"]}
    )
    assert baseline["ok"] is True and baseline["unread"] == 0
    own = [
        teacher.call("send", {"room_id": maths, "content": f"note {n}"})["message"]["id"]
        for n in range(3)
    ]
    teacher.drain()
    # A deletion tells every member their count: the teacher's own messages are not in it.
    assert teacher.call("delete", {"message_id": own[0]})["ok"] is True
    unread = teacher.wait_for("unread", lambda data: data["room_id"] == maths)
    assert unread == {"room_id": maths, "unread": 0}


# --- admins read attachments ----------------------------------------------------------------------


def test_admins_download_and_see_inline_images_of_the_rooms_they_read(web, demo, token, maths):
    message = upload(web, token("teacher"), maths, PNG, "diagram.png").get_json()["message"]
    web.login("admin")
    inline = web.get(message["attachment"]["url"])
    assert inline.status_code == 200 and inline.data == PNG
    assert inline.headers["Content-Type"] == "image/png"
    assert inline.headers["Content-Disposition"].startswith("inline")
    by_token = web.api("GET", message["attachment"]["url"], token=token("admin"))
    assert by_token.data == PNG
    # Someone who does not read the room still gets the same 404 as for a missing file.
    assert (
        error_of(web.api("GET", message["attachment"]["url"], token=token("student2")), 404)["code"]
        == "not_found"
    )


# --- titles and order -----------------------------------------------------------------------------


def titles(web, tok) -> list[str]:
    return [room["title"] for room in api(web, tok, "GET", "/rooms").get_json()["rooms"]]


def test_titles_lead_with_what_tells_rooms_apart(web, demo, token):
    assert set(titles(web, token("student"))) == {"Maths", "Physics", "Tutoring"}
    assert set(titles(web, token("teacher"))) >= {
        "Anna Petrova · Maths",
        "Pavel Petrov · Maths",
        "Maria Ivanova · Maths",
    }
    assert set(titles(web, token("parent"))) >= {
        "Anna Petrova · Maths",
        "Anna Petrova · Tutoring",
        "Pavel Petrov · Tutoring",
    }
    assert set(titles(web, token("tutor"))) >= {
        "Anna Petrova · Tutoring",
        "Pavel Petrov · Tutoring",
    }
    ru = web.api(
        "GET", "/api/v1/chat/rooms", token=token("student"), headers={"Accept-Language": "ru"}
    ).get_json()["rooms"]
    assert "Репетитор" in {room["title"] for room in ru}


def test_rooms_are_ordered_by_their_last_messages_time(web, demo, token):
    rooms = api(web, token("parent"), "GET", "/rooms").get_json()["rooms"]
    times = [room["last_message"]["created_at"] for room in rooms if room["last_message"]]
    assert times == sorted(times, reverse=True) and len(times) >= 4
    # A new message moves its room to the top, whatever the ids of the older messages.
    last = rooms[-1]
    assert (
        api(
            web, token("parent"), "POST", f"/rooms/{last['id']}/messages", json={"content": "news"}
        ).status_code
        == 201
    )
    assert api(web, token("parent"), "GET", "/rooms").get_json()["rooms"][0]["id"] == last["id"]


def test_the_demo_history_is_chronological_in_every_room(ctx, demo):
    rows = db.session.execute(
        select(ChatMessage.room_id, ChatMessage.id, ChatMessage.created_at).order_by(
            ChatMessage.room_id, ChatMessage.id
        )
    ).all()
    by_room: dict[int, list] = {}
    for room_id, _id, created_at in rows:
        by_room.setdefault(room_id, []).append(created_at)
    assert len(by_room) >= 6
    for room_id, times in by_room.items():
        assert all(a < b for a, b in itertools.pairwise(times)), (room_id, times)
    # And across rooms the list order follows time, not ids (the demo writes rooms one by one).
    maths = subject_room(demo.student, "Maths")
    tutor = tutor_room(demo.student)
    rooms = [r["id"] for r in chat_rooms.rooms_of(demo.parent) if r["id"] in (maths, tutor)]
    assert rooms == [maths, tutor]  # Maths: a day ago; tutoring: two days ago
    assert (
        db.session.scalar(select(func.count(ChatRoom.id)).where(ChatRoom.kind == RoomKind.DIRECT))
        >= 3
    )
