"""A device ended from another device loses its sockets at once (issue 11 point 4): DELETE
/api/v1/me/sessions/<id> from a token ends a browser sign-in, the profile page's End ends a
token, and "Sign out everywhere else" ends the rest; the caller's own socket stays."""

from __future__ import annotations

import requests

from tests.support.http import api_token
from tests.support.realtime import WAIT, browser_session


def listed(url: str, token: str) -> list[dict]:
    answer = requests.get(
        f"{url}/api/v1/me/sessions", timeout=WAIT, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["sessions"]


def still_live(client) -> bool:
    return client.sio.connected and client.call("rooms")["ok"] is True


def test_api_delete_of_a_browser_sign_in_disconnects_its_sockets(live_server, demo, connect):
    url = live_server.url
    page = browser_session(url, "parent")
    token = api_token("parent", via=url, device="Phone")
    in_browser, on_phone = connect(http=page), connect(token=token)
    browser_id = next(row["id"] for row in listed(url, token) if row["kind"] == "browser")

    answer = requests.delete(
        f"{url}/api/v1/me/sessions/{browser_id}",
        timeout=WAIT,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 204
    in_browser.wait_disconnected()
    assert still_live(on_phone)
    assert browser_id not in {row["id"] for row in listed(url, token)}
    assert page.get(f"{url}/profile", timeout=WAIT, allow_redirects=False).status_code == 302


def test_profile_end_and_end_others_disconnect_those_sockets(live_server, demo, connect):
    url = live_server.url
    page = browser_session(url, "parent")
    other_page = browser_session(url, "parent")
    tablet, phone = api_token("parent", via=url, device="Tablet"), api_token("parent", via=url)
    mine = connect(http=page)
    on_tablet, on_phone, elsewhere = (
        connect(token=tablet),
        connect(token=phone),
        connect(http=other_page),
    )
    tablet_id = next(row["id"] for row in listed(url, phone) if row["device"] == "Tablet")

    answer = page.post(
        f"{url}/profile/devices/{tablet_id}/end",
        timeout=WAIT,
        data={"csrf_token": page.csrf_token},
    )
    assert "The device is signed out." in answer.text
    on_tablet.wait_disconnected()
    assert still_live(on_phone) and still_live(elsewhere) and still_live(mine)

    answer = page.post(
        f"{url}/profile/devices/end-others", timeout=WAIT, data={"csrf_token": page.csrf_token}
    )
    assert "Signed out everywhere else (2)." in answer.text
    on_phone.wait_disconnected()
    elsewhere.wait_disconnected()
    assert still_live(mine)
    left = requests.get(
        f"{url}/api/v1/me/sessions", timeout=WAIT, headers={"Authorization": f"Bearer {phone}"}
    )
    assert left.status_code == 401
