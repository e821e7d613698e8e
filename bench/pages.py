"""Pages under load: each role's dashboard and chat page served to 20 concurrent clients (our
server, eventlet, the demo data), against a bare Flask route (bench/bare_server.py `GET /bare`)
in the same run; then the queries per page and per socket event as a family's data grows
tenfold (tests/test_query_counts.py, run with -s: it asserts they stay the same).

A measurement: 20 client threads, each with its own keep-alive connection and the role's
session cookie, request the page back to back for DURATION seconds. Requests per second =
completed requests ÷ the time; latency p50 and p99 over every request. Any answer but 200 is
counted as an error. The bare route is measured before and after ours; the better is kept.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from bench.common import PASSWORD, QUICK, ROOT, WAIT, Server, database, our_server, percentile

CLIENTS = 20
DURATION = 1.5 if QUICK else 2.0
ROLES = {
    "admin": "/admin/",
    "tutor": "/tutor/",
    "teacher": "/teacher/",
    "parent": "/parent/",
    "student": "/student/",
}
CSRF_META = re.compile(r'name="csrf-token" content="([^"]+)"')


@dataclass
class PageResult:
    name: str
    per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def signed_in_cookies(url: str, username: str) -> dict:
    """Sign in through the login form, as a browser does; the session cookies."""
    http = requests.Session()
    found = CSRF_META.search(http.get(f"{url}/auth/login", timeout=WAIT).text)
    if found is None:
        raise RuntimeError("the login page has no CSRF token")
    token = found.group(1)
    answer = http.post(
        f"{url}/auth/login",
        timeout=WAIT,
        allow_redirects=False,
        data={"login": username, "password": PASSWORD, "csrf_token": token},
    )
    if answer.status_code != 302:
        raise RuntimeError(f"sign-in of {username} failed: {answer.status_code}")
    return http.cookies.get_dict()


def hammer(name: str, url: str, cookies: dict | None = None) -> PageResult:
    """CLIENTS threads GET `url` back to back for DURATION seconds."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS + 1)
    stop_at = [0.0]

    def client():
        http = requests.Session()
        if cookies:
            http.cookies.update(cookies)
        http.get(url, timeout=WAIT)  # the connection is open before the clock starts
        mine, failed = [], 0
        start.wait()
        while time.perf_counter() < stop_at[0]:
            began = time.perf_counter()
            answer = http.get(url, timeout=WAIT, allow_redirects=False)
            mine.append((time.perf_counter() - began) * 1000)
            failed += answer.status_code != 200
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    stop_at[0] = time.perf_counter() + DURATION + 60  # until the barrier lets everyone go
    start.wait()
    began = time.perf_counter()
    stop_at[0] = began + DURATION
    for thread in threads:
        thread.join(WAIT)
    elapsed = time.perf_counter() - began
    return PageResult(
        name,
        len(latencies) / elapsed,
        percentile(latencies, 0.5),
        percentile(latencies, 0.99),
        errors[0],
    )


def throughput(db: str, workdir: Path) -> list[PageResult]:
    results: list[PageResult] = []
    with database(db, workdir) as url:
        ours = our_server(f"pages-{db}", url, workdir)
        bare = Server(
            "bare-pages",
            [sys.executable, "-m", "bench.bare_server"],
            {"PYTHONWARNINGS": "ignore"},
            workdir / "bare-pages.log",
            port_arg=True,
        )
        try:
            bare_runs = [hammer("bare Flask route", f"{bare.url}/bare")]
            for role, dashboard in ROLES.items():
                cookies = signed_in_cookies(ours.url, role)
                for page in (dashboard, "/chat/"):
                    results.append(hammer(f"{role} {page}", f"{ours.url}{page}", cookies))
            bare_runs.append(hammer("bare Flask route", f"{bare.url}/bare"))
        finally:
            ours.stop()
            bare.stop()
    best = max(bare_runs, key=lambda r: r.per_second)
    print(f"\n### Pages, {db}: {CLIENTS} concurrent clients, {DURATION:g} s each\n")
    print("| page | requests/s | ratio to bare | p50 ms | p99 ms | errors |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in [best, *results]:
        print(
            f"| {r.name} | {r.per_second:,.0f} | {r.per_second / best.per_second:.3f}× "
            f"| {r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.errors} |"
        )
    return results


def query_counts() -> bool:
    """tests/test_query_counts.py with -s: its printed counts, and whether it passed."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-s",
            "-p",
            "no:cacheprovider",
            "tests/test_query_counts.py",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=WAIT * 5,
    )
    marker = "queries: "  # after pytest's progress dots, on the same line at times
    lines = [
        line[line.index(marker) + len(marker) :]
        for line in done.stdout.splitlines()
        if marker in line
    ]
    print("\n### Queries per page and per /chat event: one week of a family's data → tenfold\n")
    print("| page or event | statements before → after |")
    print("|---|---|")
    for line in lines:
        what, counts = line.rsplit(": ", 1)
        print(f"| {what} | {counts} |")
    passed = done.returncode == 0
    print(f"\n(tests/test_query_counts.py: {'passed' if passed else 'FAILED'})")
    if not passed:
        print(done.stdout[-3000:])
    return passed


def main() -> bool:
    print("== pages ==", flush=True)
    with tempfile.TemporaryDirectory(prefix="thebot-bench-pages-") as tmp:
        for db in ("sqlite",) if QUICK else ("sqlite", "postgres"):
            from bench.common import postgres_unavailable

            reason = postgres_unavailable() if db == "postgres" else None
            if reason:
                print(f"  pages on {db}: not run: {reason}")
                continue
            throughput(db, Path(tmp))
    return query_counts()


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
