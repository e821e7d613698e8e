"""The chat's JSON API: messages (send, reply, edit, delete, history pages, catch-up), read
cursors and unread counts, moderation, rate limit, bad input that changes nothing, CSRF for
browser-session callers, and attachments (content sniffing, 10 MB, members-only downloads).
"""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.support.chat import chat_api as api
from tests.support.chat import message_count
from tests.support.http import api_token
from tests.support.realtime import subject_room, tutor_room
from thebot.extensions import db
from thebot.models import ChatMember, ChatMessage

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff"
    b"\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def office_file(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX = office_file({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
XLSX = office_file({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
PPTX = office_file({"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p/>"})
ODT = office_file(
    {
        "mimetype": b"application/vnd.oasis.opendocument.text",
        "content.xml": b"<office:document-content/>",
    }
)
ZIP = office_file({"notes/readme.md": b"# notes"})


@pytest.fixture
def token(demo):
    """token(username) -> a bearer token."""
    return lambda name: api_token(demo[name])


@pytest.fixture
def maths(demo):
    return subject_room(demo.student, "Maths")


def error_of(response, status: int) -> str:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    return response.get_json()["error"]["code"]


# --- sending, replying, history ---------------------------------------------------------------


def test_send_trims_and_answers_the_stored_message(web, demo, token, maths):
    answer = api(
        web,
        token("student"),
        "POST",
        f"/rooms/{maths}/messages",
        json={"content": "  Is 3.19 about similar triangles?\n ", "client_id": "c-1"},
    )
    assert answer.status_code == 201
    message = answer.get_json()["message"]
    assert message["content"] == "Is 3.19 about similar triangles?"
    assert message["sender"] == {
        "id": demo.student.id,
        "full_name": "Anna Petrova",
        "role": "student",
    }
    assert message["kind"] == "text" and message["attachment"] is None
    assert message["client_id"] == "c-1" and message["edited_at"] is None
    assert message["created_at"].endswith("+00:00")
    stored = db.session.get(ChatMessage, message["id"])
    assert stored.content == message["content"] and stored.room_id == maths


def test_a_repeated_client_id_returns_the_stored_message(web, demo, token, maths):
    tok = token("student")
    first = api(
        web,
        tok,
        "POST",
        f"/rooms/{maths}/messages",
        json={"content": "once", "client_id": "retry-7"},
    ).get_json()["message"]
    count = message_count()
    again = api(
        web,
        tok,
        "POST",
        f"/rooms/{maths}/messages",
        json={"content": "once", "client_id": "retry-7"},
    )
    assert again.status_code == 201 and again.get_json()["message"] == first
    assert message_count() == count
    # The same client_id in another room is a conflict, not a silent mix-up.
    other = api(
        web,
        tok,
        "POST",
        f"/rooms/{tutor_room(demo.student)}/messages",
        json={"content": "twice", "client_id": "retry-7"},
    )
    assert error_of(other, 409) == "conflict" and message_count() == count
    # Another sender may use the same client_id: ids are per sender.
    theirs = api(
        web,
        token("teacher"),
        "POST",
        f"/rooms/{maths}/messages",
        json={"content": "mine", "client_id": "retry-7"},
    )
    assert theirs.status_code == 201 and theirs.get_json()["message"]["id"] != first["id"]


def test_bad_messages_are_refused_and_change_nothing(web, demo, token, maths):
    tok = token("student")
    count = message_count()
    cases = [
        ({"content": "   "}, 400, "validation_error"),
        ({"content": 42}, 400, "validation_error"),
        ({"content": "x" * 4001}, 413, "too_large"),
        ({"content": "ok", "client_id": ""}, 400, "validation_error"),
        ({"content": "ok", "client_id": "x" * 65}, 400, "validation_error"),
        ({"content": "ok", "reply_to_id": "5"}, 400, "validation_error"),
        ({"content": "ok", "reply_to_id": 999_999}, 404, "not_found"),
    ]
    for body, status, code in cases:
        assert (
            error_of(api(web, tok, "POST", f"/rooms/{maths}/messages", json=body), status) == code
        ), body
    assert (
        error_of(
            api(
                web,
                tok,
                "POST",
                f"/rooms/{maths}/messages",
                data="not json",
                content_type="application/json",
            ),
            400,
        )
        == "bad_request"
    )
    assert (
        error_of(api(web, tok, "POST", f"/rooms/{maths}/messages", json=["content"]), 400)
        == "bad_request"
    )
    assert (
        error_of(api(web, tok, "POST", "/rooms/999999/messages", json={"content": "x"}), 404)
        == "not_found"
    )
    assert message_count() == count
    exactly = api(web, tok, "POST", f"/rooms/{maths}/messages", json={"content": "y" * 4000})
    assert exactly.status_code == 201


def test_replies_stay_within_one_room(web, demo, token, maths):
    tok = token("student")
    physics = subject_room(demo.student, "Physics")
    there = api(
        web, tok, "POST", f"/rooms/{physics}/messages", json={"content": "physics question"}
    ).get_json()["message"]
    here = api(
        web, tok, "POST", f"/rooms/{maths}/messages", json={"content": "maths question"}
    ).get_json()["message"]
    reply = api(
        web,
        token("teacher"),
        "POST",
        f"/rooms/{maths}/messages",
        json={"content": "answer", "reply_to_id": here["id"]},
    )
    assert reply.status_code == 201 and reply.get_json()["message"]["reply_to_id"] == here["id"]
    across = api(
        web,
        token("teacher"),
        "POST",
        f"/rooms/{maths}/messages",
        json={"content": "answer", "reply_to_id": there["id"]},
    )
    assert error_of(across, 404) == "not_found"


def test_history_pages_oldest_first_and_catch_up_after_an_id(web, demo, token, maths):
    tok, other = token("teacher"), token("student")  # two senders: 12 is over one's limit
    sent = [
        api(
            web,
            (tok, other)[i % 2],
            "POST",
            f"/rooms/{maths}/messages",
            json={"content": f"note {i}"},
        ).get_json()["message"]["id"]
        for i in range(12)
    ]
    page = api(web, tok, "GET", f"/rooms/{maths}/messages?limit=5").get_json()
    assert [m["id"] for m in page["messages"]] == sent[-5:] and page["has_more"] is True
    older = api(web, tok, "GET", f"/rooms/{maths}/messages?limit=5&before_id={sent[-5]}").get_json()
    assert [m["id"] for m in older["messages"]] == sent[-10:-5]
    everything = api(web, tok, "GET", f"/rooms/{maths}/messages?limit=100").get_json()
    assert everything["has_more"] is False and len(everything["messages"]) == 12 + 8
    after = api(web, tok, "GET", f"/rooms/{maths}/messages?after_id={sent[6]}").get_json()
    assert [m["id"] for m in after["messages"]] == sent[7:] and after["has_more"] is False
    for query in ("limit=0", "limit=101", "limit=abc", "before_id=-1", "after_id=1&before_id=2"):
        assert api(web, tok, "GET", f"/rooms/{maths}/messages?{query}").status_code == 400


# --- edit, delete, moderation -----------------------------------------------------------------


def test_authors_edit_their_own_text(web, demo, token, maths):
    mine = api(
        web, token("student"), "POST", f"/rooms/{maths}/messages", json={"content": "teh answer"}
    ).get_json()["message"]
    edited = api(
        web, token("student"), "PATCH", f"/messages/{mine['id']}", json={"content": "the answer"}
    )
    assert edited.status_code == 200
    assert edited.get_json()["message"]["content"] == "the answer"
    assert edited.get_json()["message"]["edited_at"] is not None
    assert (
        error_of(
            api(
                web,
                token("teacher"),
                "PATCH",
                f"/messages/{mine['id']}",
                json={"content": "hijack"},
            ),
            403,
        )
        == "forbidden"
    )
    assert (
        error_of(
            api(
                web,
                token("parent2"),
                "PATCH",
                f"/messages/{mine['id']}",
                json={"content": "hijack"},
            ),
            404,
        )
        == "not_found"
    )
    assert (
        error_of(
            api(web, token("student"), "PATCH", f"/messages/{mine['id']}", json={"content": ""}),
            400,
        )
        == "validation_error"
    )
    db.session.expire_all()
    assert db.session.get(ChatMessage, mine["id"]).content == "the answer"


def test_delete_own_hides_from_everyone_and_is_kept(web, demo, token, maths):
    mine = api(
        web,
        token("student"),
        "POST",
        f"/rooms/{maths}/messages",
        json={"content": "oops, wrong room"},
    ).get_json()["message"]
    assert (
        error_of(api(web, token("parent"), "DELETE", f"/messages/{mine['id']}"), 403) == "forbidden"
    )
    assert api(web, token("student"), "DELETE", f"/messages/{mine['id']}").get_json() == {
        "ok": True
    }
    for name in ("student", "teacher", "parent", "admin"):
        ids = [
            m["id"]
            for m in api(web, token(name), "GET", f"/rooms/{maths}/messages").get_json()["messages"]
        ]
        assert mine["id"] not in ids
    kept = db.session.get(ChatMessage, mine["id"])
    db.session.refresh(kept)
    assert kept.content == "oops, wrong room" and kept.deleted_by_id == demo.student.id
    assert (
        error_of(api(web, token("student"), "DELETE", f"/messages/{mine['id']}"), 404)
        == "not_found"
    )
    assert (
        error_of(
            api(web, token("student"), "PATCH", f"/messages/{mine['id']}", json={"content": "x"}),
            404,
        )
        == "not_found"
    )


def test_moderators_delete_others_messages_and_lock_their_rooms(web, demo, token, maths):
    student_message = api(
        web, token("student"), "POST", f"/rooms/{maths}/messages", json={"content": "spam spam"}
    ).get_json()["message"]
    assert (
        error_of(api(web, token("admin"), "DELETE", f"/messages/{student_message['id']}"), 403)
        == "forbidden"
    )
    assert (
        api(web, token("teacher"), "DELETE", f"/messages/{student_message['id']}").status_code
        == 200
    )
    # Locking: the teacher of a subject room, the tutor of a tutor room; nobody else.
    assert (
        error_of(
            api(web, token("student"), "POST", f"/rooms/{maths}/lock", json={"locked": True}), 403
        )
        == "forbidden"
    )
    assert (
        error_of(
            api(web, token("tutor"), "POST", f"/rooms/{maths}/lock", json={"locked": True}), 404
        )
        == "not_found"
    )
    assert (
        error_of(
            api(web, token("teacher"), "POST", f"/rooms/{maths}/lock", json={"locked": "yes"}), 400
        )
        == "validation_error"  # the route's declared field type (api/schema.py)
    )
    locked = api(web, token("teacher"), "POST", f"/rooms/{maths}/lock", json={"locked": True})
    assert locked.get_json()["room"]["locked"] is True
    assert locked.get_json()["room"]["can_post"] is False
    for name in ("student", "teacher", "parent"):
        refused = api(web, token(name), "POST", f"/rooms/{maths}/messages", json={"content": "x"})
        assert error_of(refused, 409) == "locked"
    unlocked = api(web, token("teacher"), "POST", f"/rooms/{maths}/lock", json={"locked": False})
    assert unlocked.get_json()["room"]["can_post"] is True
    assert (
        api(
            web, token("parent"), "POST", f"/rooms/{maths}/messages", json={"content": "thanks"}
        ).status_code
        == 201
    )

    tutor_chat = tutor_room(demo.student)
    parent_message = api(
        web, token("parent"), "POST", f"/rooms/{tutor_chat}/messages", json={"content": "hello"}
    ).get_json()["message"]
    assert (
        error_of(api(web, token("student"), "DELETE", f"/messages/{parent_message['id']}"), 403)
        == "forbidden"
    )
    assert (
        api(web, token("tutor"), "DELETE", f"/messages/{parent_message['id']}").status_code == 200
    )
    assert (
        api(
            web, token("tutor"), "POST", f"/rooms/{tutor_chat}/lock", json={"locked": True}
        ).get_json()["room"]["locked"]
        is True
    )


# --- read cursors and unread ------------------------------------------------------------------


def test_read_cursor_moves_only_forward_and_unread_counts_follow(web, demo, token, maths):
    teacher, parent = token("teacher"), token("parent")
    base = api(web, parent, "GET", "/unread").get_json()
    ids = [
        api(
            web, teacher, "POST", f"/rooms/{maths}/messages", json={"content": f"task {i}"}
        ).get_json()["message"]["id"]
        for i in range(3)
    ]
    room_unread = base["rooms"].get(str(maths), 0)
    after = api(web, parent, "GET", "/unread").get_json()
    assert after["rooms"][str(maths)] == room_unread + 3 and after["total"] == base["total"] + 3
    # The sender's own messages never count for them.
    assert api(web, teacher, "GET", f"/rooms/{maths}").get_json()["room"]["unread"] == api(
        web, teacher, "GET", "/unread"
    ).get_json()["rooms"].get(str(maths), 0)

    assert api(
        web, parent, "POST", f"/rooms/{maths}/read", json={"message_id": ids[1]}
    ).get_json() == {"unread": 1}
    # Backwards is a no-op.
    assert api(
        web, parent, "POST", f"/rooms/{maths}/read", json={"message_id": ids[0]}
    ).get_json() == {"unread": 1}
    member = db.session.get(ChatMember, (maths, demo.parent.id))
    db.session.refresh(member)
    assert member.last_read_id == ids[1]
    # Deleting an unread message takes it out of the count.
    api(web, teacher, "DELETE", f"/messages/{ids[2]}")
    assert api(web, parent, "GET", f"/rooms/{maths}").get_json()["room"]["unread"] == 0
    assert str(maths) not in api(web, parent, "GET", "/unread").get_json()["rooms"]

    other_room_message = api(
        web,
        token("student"),
        "POST",
        f"/rooms/{tutor_room(demo.student)}/messages",
        json={"content": "elsewhere"},
    ).get_json()["message"]
    assert (
        error_of(
            api(
                web,
                parent,
                "POST",
                f"/rooms/{maths}/read",
                json={"message_id": other_room_message["id"]},
            ),
            404,
        )
        == "not_found"
    )
    assert (
        error_of(api(web, parent, "POST", f"/rooms/{maths}/read", json={"message_id": "7"}), 400)
        == "validation_error"
    )
    # The admin reads without a cursor and without becoming a member.
    assert api(
        web, token("admin"), "POST", f"/rooms/{maths}/read", json={"message_id": ids[1]}
    ).get_json() == {"unread": 0}
    assert db.session.get(ChatMember, (maths, demo.admin.id)) is None


def test_reading_a_room_to_the_end_clears_its_new_message_notification(web, demo, token, maths):
    from thebot.services import notify

    def unread_chat_notifications():
        db.session.expire_all()
        return [
            n
            for n in notify.list_for(demo.parent)
            if n.kind == "message" and n.url == f"/chat/?room={maths}" and not n.is_read
        ]

    first = api(
        web,
        token("teacher"),
        "POST",
        f"/rooms/{maths}/messages",
        json={"content": "Quiz on Monday"},
    ).get_json()["message"]
    second = api(
        web, token("teacher"), "POST", f"/rooms/{maths}/messages", json={"content": "Bring a ruler"}
    ).get_json()["message"]
    assert len(unread_chat_notifications()) == 1
    api(web, token("parent"), "POST", f"/rooms/{maths}/read", json={"message_id": first["id"]})
    assert len(unread_chat_notifications()) == 1  # one message is still unread
    api(web, token("parent"), "POST", f"/rooms/{maths}/read", json={"message_id": second["id"]})
    assert unread_chat_notifications() == []


def test_the_send_limit_refuses_the_eleventh_message_in_the_window(web, demo, token, maths):
    tok = token("student")
    for i in range(10):
        assert (
            api(web, tok, "POST", f"/rooms/{maths}/messages", json={"content": f"{i}"}).status_code
            == 201
        )
    count = message_count()
    refused = api(web, tok, "POST", f"/rooms/{maths}/messages", json={"content": "eleventh"})
    assert error_of(refused, 429) == "rate_limited" and message_count() == count
    # The limit is per sender.
    assert (
        api(
            web,
            token("teacher"),
            "POST",
            f"/rooms/{maths}/messages",
            json={"content": "still fine"},
        ).status_code
        == 201
    )


def test_session_callers_need_the_csrf_header(web, demo, maths):
    web.login("student")
    without = web.api("POST", f"/api/v1/chat/rooms/{maths}/messages", json={"content": "hi"})
    assert error_of(without, 400) == "bad_request"
    with_header = web.api(
        "POST", f"/api/v1/chat/rooms/{maths}/messages", json={"content": "hi"}, csrf=True
    )
    assert with_header.status_code == 201
    assert web.api("GET", "/api/v1/chat/rooms").status_code == 200
    assert error_of(web_factory_anonymous(web), 401) == "unauthorized"


def web_factory_anonymous(web):
    return web.http.application.test_client().get("/api/v1/chat/rooms")


# --- attachments ------------------------------------------------------------------------------


def upload(web, tok, room_id, data: bytes, name: str, **fields):
    return web.api(
        "POST",
        f"/api/v1/chat/rooms/{room_id}/attachments",
        token=tok,
        data={"file": (io.BytesIO(data), name), **fields},
        content_type="multipart/form-data",
    )


ALLOWED_FILES = [
    (PNG, "diagram.png", "diagram.png", "image/png"),
    (PNG, "diagram", "diagram.png", "image/png"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64, "photo.JPG", "photo.JPG", "image/jpeg"),
    (b"GIF89a" + b"\x00" * 32, "a.gif", "a.gif", "image/gif"),
    (b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32, "a.webp", "a.webp", "image/webp"),
    (PDF, "homework.pdf", "homework.pdf", "application/pdf"),
    ("Задача 1: x = 2\n".encode(), "notes.txt", "notes.txt", "text/plain; charset=utf-8"),
    (b"plain words", "notes.html", "notes.html.txt", "text/plain; charset=utf-8"),
    (
        DOCX,
        "essay.docx",
        "essay.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (
        XLSX,
        "marks.xlsx",
        "marks.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    (
        PPTX,
        "talk.pptx",
        "talk.pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    (ODT, "essay.odt", "essay.odt", "application/vnd.oasis.opendocument.text"),
    (ZIP, "../../etc/project.zip", "project.zip", "application/zip"),
    (
        DOCX,
        "essay.zip",
        "essay.zip.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
]
REFUSED_FILES = [
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo.svg"),
    (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "logo.png"),
    (b"<!DOCTYPE html><html><body>hi</body></html>", "page.html"),
    (b"Hello <script>alert(1)</script>", "notes.txt"),
    (b"<html><body>renamed</body></html>", "notes.txt"),
    (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64, "setup.exe"),
    (b"\x00\x01\x02binary", "data.bin"),
    (b"PK\x03\x04broken", "broken.zip"),
    (b"ID3\x03\x00\x00\x00" + b"\x00" * 64, "song.mp3"),
]


def test_allowed_files_are_recognised_by_content(web, demo, token, maths):
    senders = [token("student"), token("parent")]  # 14 files: more than one sender's limit
    reader = token("teacher")
    for index, (data, name, stored_name, content_type) in enumerate(ALLOWED_FILES):
        answer = upload(web, senders[index % 2], maths, data, name)
        assert answer.status_code == 201, (name, answer.get_json())
        message = answer.get_json()["message"]
        assert message["kind"] == "file" and message["content"] == ""
        assert message["attachment"] == {
            "url": f"/api/v1/chat/attachments/{message['id']}",
            "name": stored_name,
            "size": len(data),
            "content_type": content_type,
        }
        download = web.api("GET", message["attachment"]["url"], token=reader)
        assert download.status_code == 200 and download.data == data
        assert download.headers["X-Content-Type-Options"] == "nosniff"
        assert download.headers["Content-Type"].startswith(content_type.split(";")[0])
        disposition = download.headers["Content-Disposition"]
        image = content_type.startswith("image/")
        assert disposition.startswith("inline" if image else "attachment"), name


def test_other_files_are_refused_whatever_their_name(web, demo, token, maths, uploads_dir):
    files_before = sorted(p.name for p in uploads_dir.rglob("*") if p.is_file())
    count = message_count()
    for data, name in REFUSED_FILES:
        answer = upload(web, token("student"), maths, data, name)
        assert error_of(answer, 400) == "validation_error", name
        assert "not accepted" in answer.get_json()["error"]["message"]
    assert message_count() == count
    assert sorted(p.name for p in uploads_dir.rglob("*") if p.is_file()) == files_before


def test_ten_megabytes_is_the_limit(web, demo, token, maths):
    limit = 10 * 1024 * 1024
    at_limit = upload(web, token("student"), maths, b"a" * limit, "big.txt")
    assert at_limit.status_code == 201
    count = message_count()
    over = upload(web, token("student"), maths, b"a" * (limit + 1), "bigger.txt")
    assert error_of(over, 413) == "too_large" and message_count() == count
    assert (
        error_of(upload(web, token("student"), maths, b"", "empty.txt"), 400) == "validation_error"
    )
    missing = web.api(
        "POST",
        f"/api/v1/chat/rooms/{maths}/attachments",
        token=token("student"),
        data={"other": "x"},
        content_type="multipart/form-data",
    )
    assert error_of(missing, 400) == "bad_request"


def test_attachments_are_served_to_members_only(web, demo, token, maths):
    message = upload(
        web, token("teacher"), maths, PDF, "worksheet.pdf", client_id="file-1"
    ).get_json()["message"]
    url = message["attachment"]["url"]
    for name in ("student", "teacher", "parent", "admin"):  # admins read every room
        assert web.api("GET", url, token=token(name)).data == PDF
    for name in ("student2", "parent2", "tutor", "teacher2"):
        assert error_of(web.api("GET", url, token=token(name)), 404) == "not_found"
    assert error_of(web.http.application.test_client().get(url), 401) == "unauthorized"
    # A repeated upload with the same client_id stores nothing new.
    again = upload(web, token("teacher"), maths, PDF, "worksheet.pdf", client_id="file-1")
    assert again.get_json()["message"]["id"] == message["id"]
    # A deleted file message is not served any more.
    api(web, token("teacher"), "DELETE", f"/messages/{message['id']}")
    assert error_of(web.api("GET", url, token=token("student")), 404) == "not_found"
    # The browser session works too (it is how pages download).
    web.login("parent")
    other = upload(web, token("teacher"), maths, PNG, "dot.png").get_json()["message"]
    inline = web.get(other["attachment"]["url"])
    assert inline.status_code == 200 and inline.headers["Content-Type"] == "image/png"
    assert inline.headers["Content-Disposition"].startswith("inline")


def test_attachments_follow_the_posting_rules(web, demo, token, maths):
    assert error_of(upload(web, token("admin"), maths, PDF, "x.pdf"), 403) == "forbidden"
    assert error_of(upload(web, token("student2"), maths, PDF, "x.pdf"), 404) == "not_found"
    api(web, token("teacher"), "POST", f"/rooms/{maths}/lock", json={"locked": True})
    assert error_of(upload(web, token("student"), maths, PDF, "x.pdf"), 409) == "locked"
