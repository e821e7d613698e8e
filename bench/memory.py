"""Memory per idle connected socket: the resident set size (RSS, /proc) of the server process
before and after 1,000 clients connect to /chat over WebSocket and stay idle, divided by 1,000;
for our server (eventlet, SQLite with the demo data, token sign-in) and the bare Flask-SocketIO
server, in the same run. Each server first serves 50 connections that then leave, so the
"before" figure already holds what a first connection loads (code, caches, pools).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

import socketio

from bench.common import QUICK, WAIT, Server, database, login, our_server

CLIENTS = 300 if QUICK else 1000
BATCH = 50


async def _connect_many(url: str, auth, count: int) -> list[socketio.AsyncClient]:
    clients: list[socketio.AsyncClient] = []
    for start in range(0, count, BATCH):
        batch = [socketio.AsyncClient(reconnection=False) for _ in range(min(BATCH, count - start))]
        await asyncio.gather(
            *[
                c.connect(
                    url,
                    auth=auth,
                    namespaces=["/chat"],
                    transports=["websocket"],
                    wait_timeout=WAIT,
                )
                for c in batch
            ]
        )
        clients += batch
    return clients


async def _measure(server: Server, auth) -> tuple[int, int, float]:
    warm = await _connect_many(server.url, auth, BATCH)
    await asyncio.gather(*[c.disconnect() for c in warm])
    await asyncio.sleep(2)
    before = server.rss_kib()
    began = time.perf_counter()
    clients = await _connect_many(server.url, auth, CLIENTS)
    connect_seconds = time.perf_counter() - began
    await asyncio.sleep(3)  # idle: let the server settle
    assert all(c.connected for c in clients), "a client was disconnected while idle"
    after = server.rss_kib()
    await asyncio.gather(*[c.disconnect() for c in clients])
    return before, after, connect_seconds


def main() -> None:
    print(f"== memory per idle socket ({CLIENTS} clients) ==", flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="thebot-bench-memory-") as tmp:
        workdir = Path(tmp)
        with database("sqlite", workdir) as url:
            ours = our_server("memory-thebot", url, workdir)
            try:
                auth = {"token": login(ours.url, "student")}
                rows.append(("thebot", *asyncio.run(_measure(ours, auth))))
            finally:
                ours.stop()
        bare = Server(
            "memory-bare",
            [sys.executable, "-m", "bench.bare_server"],
            {"PYTHONWARNINGS": "ignore"},
            workdir / "bare-memory.log",
            port_arg=True,
        )
        try:
            rows.append(("bare", *asyncio.run(_measure(bare, None))))
        finally:
            bare.stop()
    print()
    print("| server | RSS before MiB | RSS with the clients MiB | KiB per socket | connect s |")
    print("|---|---:|---:|---:|---:|")
    for name, before, after, seconds in rows:
        print(
            f"| {name} | {before / 1024:.1f} | {after / 1024:.1f} "
            f"| {(after - before) / CLIENTS:.1f} | {seconds:.1f} |"
        )
    print()


if __name__ == "__main__":
    main()
