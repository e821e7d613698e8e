"""Chat fan-out: messages delivered per second and delivery latency (p50, p99) with 50 and 200
clients in one room, for our real server (`python wsgi.py`, the demo data, CHAT_SEND_LIMIT=0)
and for a bare Flask-SocketIO broadcast server (bench/bare_server.py) under the same load, in
the same async mode and topology. Loopback only; every wait is bounded.

Setups: SQLite and PostgreSQL (a scratch database) × eventlet / gevent / threading × one
process, or two processes with Redis as the message queue (receivers split between them, the
senders on the first). A mode this machine cannot run is reported with the reason.

A measurement: N receivers join the room; two sender connections (not joined) send M messages,
each waiting for its ack before the next (so each sender has one message in flight); every
receiver records when each message arrives. Deliveries per second = N × M / (last delivery −
first send). Latency = arrival − send, over every (message, receiver) pair. Ours and bare are
measured alternately, ROUNDS times each; each keeps its best round (the machine is shared).
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import requests
import socketio

from bench.common import (
    QUICK,
    REDIS_URL,
    WAIT,
    Server,
    database,
    login,
    mode_unavailable,
    our_server,
    postgres_unavailable,
    redis_unavailable,
)

RUNS = [(50, 100), (200, 50)] if QUICK else [(50, 200), (200, 100)]
WARMUP = 10
SENDERS = 2
GOAL = {50: 0.5, 200: 0.75}  # ours ÷ bare deliveries per second (issue 12), p99 within 2×


@dataclass(frozen=True)
class Setup:
    db: str  # "sqlite" | "postgres"
    mode: str  # ASYNC_MODE
    processes: int  # 1, or 2 with Redis
    rounds: int

    @property
    def label(self) -> str:
        topology = "1 process" if self.processes == 1 else "2 processes + Redis"
        return f"{self.db}, {self.mode}, {topology}"


def setups() -> list[Setup]:
    if QUICK:
        return [Setup("sqlite", "eventlet", 1, 1), Setup("postgres", "eventlet", 1, 1)]
    return [
        Setup("sqlite", "eventlet", 1, 2),  # the goal's setups: two rounds each
        Setup("postgres", "eventlet", 1, 2),
        Setup("sqlite", "eventlet", 2, 1),
        Setup("postgres", "eventlet", 2, 1),
        Setup("sqlite", "gevent", 1, 1),
        Setup("postgres", "gevent", 1, 1),
        Setup("sqlite", "threading", 1, 1),
        Setup("postgres", "threading", 1, 1),
    ]


@dataclass
class Target:
    """How to talk to one deployment: receivers' servers and credentials, the senders'."""

    receiver_urls: list[str]  # cycled over the receivers
    sender_url: str
    room_id: int
    receiver_auth: list  # cycled over the receivers
    sender_auth: dict | None


def our_target(urls: list[str]) -> Target:
    tokens = {name: login(urls[0], name) for name in ("student", "parent", "teacher")}
    rooms = requests.get(
        f"{urls[0]}/api/v1/chat/rooms",
        timeout=WAIT,
        headers={"Authorization": f"Bearer {tokens['teacher']}"},
    ).json()["rooms"]
    room_id = next(
        r["id"]
        for r in rooms
        if r["kind"] == "subject" and "Anna Petrova" in r["title"] and "Maths" in r["title"]
    )
    return Target(
        urls,
        urls[0],
        room_id,
        [{"token": t} for t in tokens.values()],
        {"token": tokens["teacher"]},
    )


@dataclass
class Result:
    server: str
    setup: Setup
    clients: int
    messages: int
    per_second: float
    p50_ms: float
    p99_ms: float


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def _connect(url: str, auth, room_id: int | None, on_message=None) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=False)
    if on_message is not None:
        client.on("message", on_message, namespace="/chat")
    await client.connect(
        url, auth=auth, namespaces=["/chat"], transports=["websocket"], wait_timeout=WAIT
    )
    if room_id is not None:
        ack = await client.call("join", {"room_id": room_id}, namespace="/chat", timeout=WAIT)
        assert ack.get("ok"), ack
    return client


async def _until(condition, timeout: float) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the deliveries did not all arrive in time")
        await asyncio.sleep(0.005)


async def measure(name: str, setup: Setup, target: Target, clients: int, messages: int) -> Result:
    arrivals: dict[str, list[float]] = defaultdict(list)

    def on_message(data):
        arrivals[data["client_id"]].append(time.perf_counter())

    receivers: list[socketio.AsyncClient] = []
    senders: list[socketio.AsyncClient] = []
    try:
        for start in range(0, clients, 25):  # in batches: the servers see a steady trickle
            receivers += await asyncio.gather(
                *[
                    _connect(
                        target.receiver_urls[i % len(target.receiver_urls)],
                        target.receiver_auth[i % len(target.receiver_auth)],
                        target.room_id,
                        on_message,
                    )
                    for i in range(start, min(clients, start + 25))
                ]
            )
        senders = [
            await _connect(target.sender_url, target.sender_auth, None) for _ in range(SENDERS)
        ]
        sent_at: dict[str, float] = {}
        tag = f"{name}-{clients}-{time.monotonic_ns()}"

        async def send_all(client, keys):
            for key in keys:
                sent_at[key] = time.perf_counter()
                ack = await client.call(
                    "send",
                    {"room_id": target.room_id, "client_id": key, "content": f"benchmark {key}"},
                    namespace="/chat",
                    timeout=WAIT,
                )
                assert ack.get("ok"), ack

        warmup = [f"{tag}-w{i}" for i in range(WARMUP)]
        await send_all(senders[0], warmup)
        await _until(lambda: all(len(arrivals[k]) == clients for k in warmup), WAIT)
        keys = [f"{tag}-{i}" for i in range(messages)]
        first_send = time.perf_counter()
        await asyncio.gather(*[send_all(s, keys[i::SENDERS]) for i, s in enumerate(senders)])
        await _until(lambda: sum(len(arrivals[k]) for k in keys) >= clients * messages, WAIT * 2)
    finally:
        await asyncio.gather(*[c.disconnect() for c in receivers + senders])
    last_arrival = max(t for k in keys for t in arrivals[k])
    latencies = [(t - sent_at[k]) * 1000 for k in keys for t in arrivals[k]]
    return Result(
        name,
        setup,
        clients,
        messages,
        clients * messages / (last_arrival - first_send),
        percentile(latencies, 0.50),
        percentile(latencies, 0.99),
    )


def _unavailable(setup: Setup) -> str | None:
    return (
        mode_unavailable(setup.mode)
        or (postgres_unavailable() if setup.db == "postgres" else None)
        or (redis_unavailable() if setup.processes > 1 else None)
    )


def _queue_env(setup: Setup, index: int) -> dict:
    if setup.processes == 1:
        return {"ASYNC_MODE": setup.mode}
    return {
        "ASYNC_MODE": setup.mode,
        "SOCKETIO_MESSAGE_QUEUE": REDIS_URL,
        "SOCKETIO_CHANNEL": f"thebot-bench-{id(setup)}-{time.monotonic_ns()}",
    }


def run_setup(setup: Setup, workdir: Path) -> list[Result]:
    """Every (clients, messages) run of one setup, ours and bare alternately."""
    best: dict[tuple[str, int], Result] = {}
    with contextlib.ExitStack() as stack, database(setup.db, workdir) as url:
        env = _queue_env(setup, 0)
        ours = [
            our_server(f"thebot-{setup.db}-{setup.mode}-{i}", url, workdir, **env)
            for i in range(setup.processes)
        ]
        for server in ours:
            stack.callback(server.stop)
        bare_env = {"PYTHONWARNINGS": "ignore", **env}
        bare = [
            Server(
                f"bare-{setup.mode}-{i}",
                [sys.executable, "-m", "bench.bare_server"],
                bare_env,
                workdir / f"bare-{setup.mode}-{i}.log",
                port_arg=True,
            )
            for i in range(setup.processes)
        ]
        for server in bare:
            stack.callback(server.stop)
        targets = {
            "thebot": our_target([s.url for s in ours]),
            "bare": Target([s.url for s in bare], bare[0].url, 1, [None], None),
        }
        for clients, messages in RUNS:
            for _round in range(setup.rounds):
                for name in ("bare", "thebot"):
                    result = asyncio.run(measure(name, setup, targets[name], clients, messages))
                    known = best.get((name, clients))
                    if known is None or result.per_second > known.per_second:
                        best[(name, clients)] = result
            ratio = best[("thebot", clients)].per_second / best[("bare", clients)].per_second
            print(f"    {clients} receivers: {ratio:.2f}× bare", flush=True)
    return list(best.values())


def report(results: list[Result], skipped: list[tuple[Setup, str]]) -> None:
    print()
    print(
        "| setup | clients | thebot deliveries/s | bare deliveries/s | ratio "
        "| p50 ms (thebot / bare) | p99 ms (thebot / bare) | p99 ratio | goal |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    by_key = {(r.server, r.setup, r.clients): r for r in results}
    for setup in dict.fromkeys(r.setup for r in results):
        for clients, _ in RUNS:
            ours, bare = by_key[("thebot", setup, clients)], by_key[("bare", setup, clients)]
            ratio, p99 = ours.per_second / bare.per_second, ours.p99_ms / bare.p99_ms
            met = "met" if ratio >= GOAL[clients] and p99 <= 2 else "not met"
            print(
                f"| {setup.label} | {clients} | {ours.per_second:,.0f} | {bare.per_second:,.0f} "
                f"| {ratio:.2f}× | {ours.p50_ms:.1f} / {bare.p50_ms:.1f} "
                f"| {ours.p99_ms:.1f} / {bare.p99_ms:.1f} | {p99:.2f}× "
                f"| {met} (≥ {GOAL[clients]}×) |"
            )
    for setup, reason in skipped:
        print(f"| {setup.label} | – | not run: {reason} | | | | | | |")
    print()


def main() -> list[Result]:
    """Run every setup and print the figures."""
    results: list[Result] = []
    skipped: list[tuple[Setup, str]] = []
    print(f"== chat fan-out ({'quick' if QUICK else 'full'}) ==", flush=True)
    with tempfile.TemporaryDirectory(prefix="thebot-bench-") as tmp:
        for setup in setups():
            reason = _unavailable(setup)
            if reason is not None:
                print(f"  {setup.label}: not run: {reason}", flush=True)
                skipped.append((setup, reason))
                continue
            print(f"  {setup.label} …", flush=True)
            try:
                results += run_setup(setup, Path(tmp))
            except Exception as exc:  # one setup failing must not hide the others' figures
                print(f"  {setup.label}: failed: {type(exc).__name__}: {exc}", flush=True)
                skipped.append((setup, f"failed: {type(exc).__name__}: {exc}"[:300]))
    report(results, skipped)
    return results


if __name__ == "__main__":
    main()
