"""Chat fan-out: messages delivered per second and delivery latency (p50, p99) with 50 and 200
clients connected to one room, for our real server (`python wsgi.py`, eventlet, a SQLite
database with the demo data, CHAT_SEND_LIMIT=0) and for a bare Flask-SocketIO broadcast server
(bench/bare_server.py) under the same load. Loopback only; every wait is bounded.

A run: N receivers join the room; two sender connections (not joined) send M messages, each
waiting for its ack before the next (so each sender has one message in flight); every receiver
records when each message arrives. Deliveries per second = N × M / (last delivery − first
send). Latency = arrival − send, over every (message, receiver) pair.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import requests
import socketio

ROOT = Path(__file__).resolve().parent.parent
RUNS = [(50, 300), (200, 150)]  # (connected clients, measured messages)
WARMUP = 10
SENDERS = 2
PASSWORD = "demo-pass-1"
WAIT = 60  # the longest any single step may take, in seconds


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A server subprocess on a free loopback port, stopped by stop()."""

    def __init__(self, name: str, command: list[str], env: dict, log: Path):
        self.name, self.port = name, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = open(log, "ab")  # noqa: SIM115  (the server's output for its whole life)
        environment = {**os.environ, **env, "PORT": str(self.port), "HOST": "127.0.0.1"}
        self.proc = subprocess.Popen(
            [*command, str(self.port)] if name == "bare" else command,
            cwd=ROOT,
            env=environment,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{name} server exited; see {log}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{name} server did not start; see {log}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log.close()


def app_environment(workdir: Path) -> dict:
    return {
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
        "THEBOT_ENV": "development",
        "SECRET_KEY": "bench-secret",
        "UPLOAD_DIR": str(workdir / "uploads"),
        "ASYNC_MODE": "eventlet",
        "CHAT_SEND_LIMIT": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONWARNINGS": "ignore",
        "SOCKETIO_MESSAGE_QUEUE": "",
    }


def prepare_database(workdir: Path) -> None:
    """Migrate a fresh SQLite database and load the demo data, as `make run` does."""
    env = {**os.environ, **app_environment(workdir)}
    for args in (["db", "upgrade"], ["demo", "load"]):
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=WAIT * 3,
        )


@dataclass
class Target:
    """How to talk to one server: receivers' and senders' credentials and the room."""

    url: str
    room_id: int
    receiver_auth: list  # cycled over the receivers
    sender_auth: dict | None


def our_target(url: str) -> Target:
    tokens = {}
    for username in ("student", "parent", "teacher"):
        answer = requests.post(
            f"{url}/api/v1/auth/login", timeout=WAIT, json={"login": username, "password": PASSWORD}
        )
        answer.raise_for_status()
        tokens[username] = answer.json()["token"]
    rooms = requests.get(
        f"{url}/api/v1/chat/rooms",
        timeout=WAIT,
        headers={"Authorization": f"Bearer {tokens['teacher']}"},
    ).json()["rooms"]
    room_id = next(r["id"] for r in rooms if r["title"] == "Maths: Anna Petrova")
    return Target(
        url, room_id, [{"token": t} for t in tokens.values()], {"token": tokens["teacher"]}
    )


@dataclass
class Result:
    server: str
    clients: int
    messages: int
    per_second: float
    p50_ms: float
    p99_ms: float


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def _connect(target: Target, auth, join: bool, on_message=None) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=False)
    if on_message is not None:
        client.on("message", on_message, namespace="/chat")
    await client.connect(
        target.url, auth=auth, namespaces=["/chat"], transports=["websocket"], wait_timeout=WAIT
    )
    if join:
        ack = await client.call(
            "join", {"room_id": target.room_id}, namespace="/chat", timeout=WAIT
        )
        assert ack.get("ok"), ack
    return client


async def _until(condition, timeout: float) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the deliveries did not all arrive in time")
        await asyncio.sleep(0.005)


async def measure(name: str, target: Target, clients: int, messages: int) -> Result:
    arrivals: dict[str, list[float]] = defaultdict(list)

    def on_message(data):
        arrivals[data["client_id"]].append(time.perf_counter())

    receivers = []
    for start in range(0, clients, 25):  # connect in batches: the servers see a steady trickle
        batch = [
            _connect(target, target.receiver_auth[i % len(target.receiver_auth)], True, on_message)
            for i in range(start, min(clients, start + 25))
        ]
        receivers += await asyncio.gather(*batch)
    senders = [await _connect(target, target.sender_auth, False) for _ in range(SENDERS)]
    sent_at: dict[str, float] = {}
    tag = f"{name}-{clients}-{time.monotonic_ns()}"

    async def send_all(client, keys):
        for key in keys:
            sent_at[key] = time.perf_counter()
            ack = await client.call(
                "send",
                {
                    "room_id": target.room_id,
                    "client_id": key,
                    "content": f"benchmark message {key}",
                },
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
    last_arrival = max(t for k in keys for t in arrivals[k])
    latencies = [(t - sent_at[k]) * 1000 for k in keys for t in arrivals[k]]
    for client in receivers + senders:
        await client.disconnect()
    return Result(
        name,
        clients,
        messages,
        clients * messages / (last_arrival - first_send),
        percentile(latencies, 0.50),
        percentile(latencies, 0.99),
    )


def report(results: list[Result]) -> None:
    print()
    print("| server | clients | messages | deliveries/s | p50 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r.server} | {r.clients} | {r.messages} | {r.per_second:,.0f} | "
            f"{r.p50_ms:.1f} | {r.p99_ms:.1f} |"
        )
    print()
    for clients, _ in RUNS:
        ours = next(r for r in results if r.server == "thebot" and r.clients == clients)
        bare = next(r for r in results if r.server == "bare" and r.clients == clients)
        print(
            f"{clients} clients: thebot delivers {ours.per_second / bare.per_second:.2f}× the "
            f"bare server's rate; p50 latency {ours.p50_ms / bare.p50_ms:.2f}×, "
            f"p99 {ours.p99_ms / bare.p99_ms:.2f}×"
        )


def main() -> None:
    """Run the fan-out benchmark against both servers and print the figures."""
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="thebot-bench-") as tmp:
        workdir = Path(tmp)
        print("chat fan-out: preparing a database with the demo data …", flush=True)
        prepare_database(workdir)
        for name in ("thebot", "bare"):
            if name == "thebot":
                server = Server(
                    name,
                    [sys.executable, "wsgi.py"],
                    app_environment(workdir),
                    workdir / "thebot.log",
                )
            else:
                server = Server(
                    name,
                    [sys.executable, "-m", "bench.bare_server"],
                    {"PYTHONWARNINGS": "ignore"},
                    workdir / "bare.log",
                )
            try:
                target = (
                    our_target(server.url)
                    if name == "thebot"
                    else Target(server.url, 1, [None], None)
                )
                for clients, messages in RUNS:
                    print(f"  {name}: {clients} clients, {messages} messages …", flush=True)
                    results.append(asyncio.run(measure(name, target, clients, messages)))
            finally:
                server.stop()
    report(results)
