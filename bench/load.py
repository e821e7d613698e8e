"""Load: a scripted mix of simulated users on loopback for a bounded time, against our server
(`python wsgi.py`, eventlet, the demo data, the production rate limits for chat), reporting
requests per second per kind of action, p50 and p99, and the server errors: answers 5xx and
tracebacks or ERROR lines in the server's log. Exits non-zero when there is any.

The users (threads, each with its own connection and sign-in), every one repeating a weighted
random pick of its role's actions with a short think time:
- page views: the role's dashboard, the chat page, the notifications page (browser sign-in);
- API calls: students, lessons, homework, notifications, chat rooms, unread (bearer tokens);
- chat: Socket.IO clients that joined the family's room send (at most one a second, within
  CHAT_SEND_LIMIT) while the others receive; each send waits for its ack;
- reports: the tutor writes a draft weekly report and deletes it; the parent lists reports;
- invoices: the tutor drafts an invoice, sends it, the parent opens it, the tutor cancels it.

Run: python -m bench.load [--seconds 30] [--users 12] [--postgres]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import requests
import socketio

from bench.common import QUICK, WAIT, database, login, our_server, percentile
from bench.pages import signed_in_cookies

DEFAULT_SECONDS = 10 if QUICK else 30
THINK = (0.05, 0.25)  # seconds between one user's actions
SERVER_ERROR = re.compile(r"Traceback|\bERROR\b|\bCRITICAL\b")


class Recorder:
    """Latencies, statuses and failures by kind of action, shared by the user threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.server_errors: dict[str, int] = defaultdict(int)
        self.refused: dict[str, int] = defaultdict(int)  # 4xx / error acks: counted, not errors
        self.failures: list[str] = []

    def timed(self, kind: str, action, *args, **kwargs):
        """Run action(*args, **kwargs), which answers a status code or an ack's `ok`."""
        began = time.perf_counter()
        try:
            status = action(*args, **kwargs)
        except Exception as exc:  # a dropped connection or timeout is a failure to report
            with self.lock:
                self.failures.append(f"{kind}: {type(exc).__name__}: {exc}"[:300])
            return None
        elapsed = (time.perf_counter() - began) * 1000
        with self.lock:
            self.latencies[kind].append(elapsed)
            if isinstance(status, bool):  # a socket ack: refused when not ok
                self.refused[kind] += not status
            elif status >= 500:
                self.server_errors[kind] += 1
            elif status >= 400:
                self.refused[kind] += 1
        return status


class Family:
    """The demo ids the actions need, looked up through the API."""

    def __init__(self, url: str):
        self.url = url
        self.tokens = {name: login(url, name) for name in ("tutor", "parent", "student", "teacher")}
        self.cookies = {
            name: signed_in_cookies(url, name) for name in ("tutor", "parent", "student", "teacher")
        }
        students = self.api("tutor", "GET", "/students").json()["students"]
        self.student_id = next(s["id"] for s in students if s["full_name"] == "Anna Petrova")
        rooms = self.api("teacher", "GET", "/chat/rooms").json()["rooms"]
        self.room_id = next(
            r["id"]
            for r in rooms
            if r["kind"] == "subject" and "Anna Petrova" in r["title"] and "Maths" in r["title"]
        )

    def api(self, who: str, method: str, path: str, http=None, **kwargs) -> requests.Response:
        http = http or requests
        return http.request(
            method,
            f"{self.url}/api/v1{path}",
            headers={"Authorization": f"Bearer {self.tokens[who]}"},
            timeout=WAIT,
            **kwargs,
        )


DASHBOARDS = {
    "tutor": "/tutor/",
    "parent": "/parent/",
    "student": "/student/",
    "teacher": "/teacher/",
}
API_READS = {
    "tutor": ["/students", "/lessons", "/notifications", "/chat/rooms", "/chat/unread"],
    "parent": ["/lessons", "/homework", "/notifications", "/chat/rooms", "/invoices"],
    "student": ["/lessons", "/homework", "/chat/rooms", "/chat/unread"],
    "teacher": ["/students", "/lessons", "/homework", "/chat/rooms"],
}


def page_status(http: requests.Session, url: str) -> int:
    return http.get(url, timeout=WAIT, allow_redirects=False).status_code


def api_status(family: Family, who: str, method: str, path: str, http, answers=None, **kw) -> int:
    """Call the API; the response goes into `answers` (a list) when given."""
    response = family.api(who, method, path, http, **kw)
    if answers is not None:
        answers.append(response)
    return response.status_code


def ack_ok(client: socketio.Client, event: str, payload: dict) -> bool:
    return client.call(event, payload, namespace="/chat", timeout=WAIT)["ok"]


def web_user(family: Family, role: str, rec: Recorder, stop: float) -> None:
    http = requests.Session()
    http.cookies.update(family.cookies[role])
    pages = [DASHBOARDS[role], "/chat/", "/notifications/"]
    while time.perf_counter() < stop:
        rec.timed("page view", page_status, http, f"{family.url}{random.choice(pages)}")
        time.sleep(random.uniform(*THINK))


def api_user(family: Family, role: str, rec: Recorder, stop: float) -> None:
    http = requests.Session()
    while time.perf_counter() < stop:
        rec.timed("API call", api_status, family, role, "GET", random.choice(API_READS[role]), http)
        time.sleep(random.uniform(*THINK))


def report_user(family: Family, rec: Recorder, stop: float, weeks: list[int]) -> None:
    http = requests.Session()
    while time.perf_counter() < stop:
        with rec.lock:
            weeks[0] += 1
            back = weeks[0]
        monday = date.today() - timedelta(days=date.today().weekday() + 7 * (back % 40 + 60))
        body = {
            "kind": "tutor",
            "week_start": monday.isoformat(),
            "student_id": family.student_id,
            "summary": f"Load test week {back}",
            "days_present": 2,
            "days_planned": 3,
        }
        made: list[requests.Response] = []
        if (
            rec.timed(
                "report", api_status, family, "tutor", "POST", "/reports", http, made, json=body
            )
            == 201
        ):
            path = f"/reports/{made[0].json()['report']['id']}"
            rec.timed("report", api_status, family, "tutor", "DELETE", path, http)
        rec.timed("report", api_status, family, "parent", "GET", "/reports", http)
        time.sleep(random.uniform(*THINK))


def invoice_user(family: Family, rec: Recorder, stop: float) -> None:
    http = requests.Session()
    while time.perf_counter() < stop:
        body = {
            "student_id": family.student_id,
            "amount": "1500.00",
            "description": "Load test lessons",
            "due_date": (date.today() + timedelta(days=7)).isoformat(),
        }
        made: list[requests.Response] = []
        if (
            rec.timed(
                "invoice", api_status, family, "tutor", "POST", "/invoices", http, made, json=body
            )
            == 201
        ):
            invoice_id = made[0].json()["id"]
            for who, method, path in (
                ("tutor", "POST", f"/invoices/{invoice_id}/send"),
                ("parent", "GET", f"/invoices/{invoice_id}"),
                ("tutor", "POST", f"/invoices/{invoice_id}/cancel"),
            ):
                rec.timed("invoice", api_status, family, who, method, path, http)
        time.sleep(random.uniform(*THINK))


def chat_user(family: Family, role: str, rec: Recorder, stop: float, sends: bool) -> None:
    client = socketio.Client(reconnection=False)
    client.connect(
        family.url,
        auth={"token": family.tokens[role]},
        namespaces=["/chat"],
        transports=["websocket"],
        wait_timeout=WAIT,
    )
    try:
        rec.timed("chat join", ack_ok, client, "join", {"room_id": family.room_id})
        n = 0
        while time.perf_counter() < stop:
            if sends:
                n += 1
                payload = {"room_id": family.room_id, "content": f"load {role} {n}"}
                rec.timed("chat send", ack_ok, client, "send", payload)
                time.sleep(1.1)  # within CHAT_SEND_LIMIT (10 per 10 s)
            else:
                payload = {"room_id": family.room_id, "limit": 20}
                rec.timed("chat history", ack_ok, client, "history", payload)
                time.sleep(random.uniform(0.5, 1.5))
    finally:
        client.disconnect()


def run(seconds: float, users: int, db: str) -> int:
    print(f"== load: {users} simulated users for {seconds:g} s ({db}) ==", flush=True)
    rec = Recorder()
    with (
        tempfile.TemporaryDirectory(prefix="thebot-bench-load-") as tmp,
        database(db, Path(tmp)) as url,
    ):
        server = our_server("load", url, Path(tmp), CHAT_SEND_LIMIT="10", LOG_LEVEL="INFO")
        try:
            family = Family(server.url)
            stop = time.perf_counter() + seconds
            roles = ["tutor", "parent", "student", "teacher"]
            plan: list[tuple[Callable[..., None], tuple]] = []
            for i in range(users):
                role = roles[i % len(roles)]
                plan.append(
                    (web_user, (family, role, rec, stop))
                    if i % 2 == 0
                    else (api_user, (family, role, rec, stop))
                )
            weeks = [0]
            plan += [
                (report_user, (family, rec, stop, weeks)),
                (invoice_user, (family, rec, stop)),
                (chat_user, (family, "teacher", rec, stop, True)),
                (chat_user, (family, "parent", rec, stop, True)),
                (chat_user, (family, "student", rec, stop, False)),
            ]
            threads = [threading.Thread(target=f, args=a, daemon=True) for f, a in plan]
            began = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(seconds + WAIT)
            elapsed = time.perf_counter() - began
        finally:
            server.stop()
        log = server.log_path.read_text(errors="replace")
    log_errors = [line for line in log.splitlines() if SERVER_ERROR.search(line)]
    print()
    print("| kind | requests | requests/s | p50 ms | p99 ms | refused (4xx, error ack) | 5xx |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for kind in sorted(rec.latencies):
        values = rec.latencies[kind]
        print(
            f"| {kind} | {len(values)} | {len(values) / elapsed:.1f} | "
            f"{percentile(values, 0.5):.1f} | {percentile(values, 0.99):.1f} | "
            f"{rec.refused[kind]} | {rec.server_errors[kind]} |"
        )
    total = sum(len(v) for v in rec.latencies.values())
    print(f"\nall: {total} requests, {total / elapsed:.1f}/s over {elapsed:.1f} s")
    errors = sum(rec.server_errors.values()) + len(rec.failures) + len(log_errors)
    print(
        f"server errors: {sum(rec.server_errors.values())} answers 5xx, "
        f"{len(log_errors)} error lines in the server log, {len(rec.failures)} client failures"
    )
    for line in (rec.failures + log_errors)[:10]:
        print(f"  {line[:300]}")
    return 1 if errors else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=DEFAULT_SECONDS)
    parser.add_argument("--users", type=int, default=12)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    args = parser.parse_args(argv)
    return run(args.seconds, args.users, "postgres" if args.postgres else "sqlite")


if __name__ == "__main__":
    sys.exit(main())
