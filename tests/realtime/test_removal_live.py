"""Removing an account cuts its connections at once (issue 11 point 5): every socket of the
removed account, by token or browser sign-in, is disconnected by the server the moment the
admin's DELETE answers, and the others' sockets stay; the conversation keeps its messages, the
removed sender shown as "Deleted user"."""

from __future__ import annotations

from urllib.parse import urlsplit

import requests

from tests.support.http import api_token
from tests.support.realtime import WAIT, browser_session, subject_room


def test_removing_an_account_disconnects_its_sockets_at_once(live_server, demo, connect):
    url = live_server.url
    room_id = subject_room(demo.student, "Maths")
    teacher_page = browser_session(url, "teacher")
    on_phone, in_browser = connect("teacher"), connect(http=teacher_page)
    parent = connect("parent")
    parent.join(room_id)
    said = on_phone.call("send", {"room_id": room_id, "content": "Last words before leaving."})
    assert said["ok"], said
    parent.wait_for("message", lambda m: m["content"] == "Last words before leaving.")

    admin = api_token("admin", via=url)
    answer = requests.delete(
        f"{url}/api/v1/admin/users/{demo.teacher.id}",
        timeout=WAIT,
        headers={"Authorization": f"Bearer {admin}"},
    )
    assert answer.status_code == 204, answer.text
    on_phone.wait_disconnected()
    in_browser.wait_disconnected()
    assert parent.sio.connected and parent.call("rooms")["ok"] is True

    token = api_token("parent", via=url)
    page = requests.get(
        f"{url}/api/v1/chat/rooms/{room_id}/messages",
        timeout=WAIT,
        headers={"Authorization": f"Bearer {token}"},
    ).json()["messages"]
    last = next(m for m in page if m["content"] == "Last words before leaving.")
    assert last["sender"]["full_name"] == "Deleted user"
    # The removed account's browser sign-in is over.
    bounced = teacher_page.get(f"{url}/teacher/", timeout=WAIT, allow_redirects=False)
    assert bounced.status_code == 302
    assert urlsplit(bounced.headers["Location"]).path == "/auth/login"
