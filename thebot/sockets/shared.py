"""What the serving processes share through Redis — the Socket.IO message queue and the socket
event limits — and how a process goes on alone while Redis is away: an event still reaches this
process's own sockets (the other processes' miss it), limits are counted in this process's
memory, and the outage is logged once when it starts and once when it ends, never per event.
See docs/deploy.md ("When Redis goes away").
"""

from __future__ import annotations

import logging
import time

import socketio
from limits import RateLimitItem
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter
from redis.backoff import NoBackoff
from redis.retry import Retry

from thebot.extensions import limiter

log = logging.getLogger(__name__)

RETRY_SECONDS = 1.0  # while Redis is away, it is tried again at most this often
MAX_LISTEN_RETRY_SECONDS = 5.0  # the queue's subscriber retries every 1, 2, 4, 5, 5… seconds


def redis_options() -> dict:
    """Options of every Redis client of the app: a Redis that does not answer costs a call at
    most a couple of seconds (connect timeout, one immediate retry), not redis-py's default
    three retries with backoff of up to ten seconds each."""
    return {"socket_connect_timeout": 2, "retry": Retry(NoBackoff(), 1)}


class RedisQueue(socketio.RedisManager):
    """python-socketio's Redis manager (it delivers every event to this process's sockets first,
    then publishes it to the others), quiet and quick while Redis is away: a publish that fails
    twice (a fresh connection the second time) is dropped and publishing pauses for
    RETRY_SECONDS, the subscriber reconnects by itself (its failures never pause publishing),
    and the outage is logged once each way instead of an error per event."""

    connected: bool  # set by RedisManager

    def __init__(self, url: str, channel: str) -> None:
        super().__init__(url, channel=channel, redis_options=redis_options())
        self._away = False
        self._retry_at = 0.0  # publishes are dropped until then (set by a failed publish only)

    def _gone(self, exc: Exception) -> None:
        if not self._away:
            self._away = True
            log.error(
                "Socket.IO message queue (Redis) unreachable: events reach this process's own "
                "sockets only until it answers (%s: %s)",
                type(exc).__name__,
                exc,
            )

    def _back(self) -> None:
        if self._away:
            self._away = False
            log.info("Socket.IO message queue (Redis) answers again")

    def _publish(self, data):
        if time.monotonic() < self._retry_at:
            return None
        message = self.json.dumps(data)
        for attempt in (1, 2):  # a connection that went stale is replaced once at once
            try:
                if not self.connected:
                    self._redis_connect()
                result = self.redis.publish(self.channel, message)
            except Exception as exc:  # a boundary: Redis away drops the publish, not the event
                self.connected = False
                if attempt == 2:
                    self._retry_at = time.monotonic() + RETRY_SECONDS
                    self._gone(exc)
                    return None
            else:
                self._retry_at = 0.0
                self._back()
                return result
        return None

    def _redis_listen_with_retries(self):
        wait = 1.0
        while True:
            try:
                self._redis_connect()
                self.pubsub.subscribe(self.channel)
                self._back()
                wait = 1.0
                yield from self.pubsub.listen()
            except Exception as exc:  # a boundary: the subscriber outlives any Redis outage
                self._gone(exc)
                time.sleep(wait)  # green under eventlet and gevent
                wait = min(wait * 2, MAX_LISTEN_RETRY_SECONDS)


def client_manager(url: str | None, channel: str) -> RedisQueue | None:
    """The message queue of a serving process: a RedisQueue for a Redis URL, else None (then
    Flask-SocketIO picks its own manager for the URL, or none)."""
    if url and url.startswith(("redis://", "rediss://")):
        return RedisQueue(url, channel)
    return None


class _SocketLimits:
    """Hits of socket event limits in the limiter's storage (shared by the processes); while
    that does not answer, in this process's memory, Redis tried again every RETRY_SECONDS.
    (HTTP limits do the same through Flask-Limiter's in-memory fallback.)"""

    def __init__(self) -> None:
        self._memory = FixedWindowRateLimiter(MemoryStorage())
        self._retry_at: float | None = None  # set while the storage is away

    def hit(self, item: RateLimitItem, *identifiers: str) -> bool:
        if self._retry_at is not None and time.monotonic() < self._retry_at:
            return self._memory.hit(item, *identifiers)
        try:
            allowed = limiter.limiter.hit(item, *identifiers)
        except Exception as exc:  # a boundary: limits go on in memory, the event is served
            if self._retry_at is None:
                log.error(
                    "rate-limit storage unreachable: socket event limits are counted in this "
                    "process until it answers (%s: %s)",
                    type(exc).__name__,
                    exc,
                )
            self._retry_at = time.monotonic() + RETRY_SECONDS
            return self._memory.hit(item, *identifiers)
        if self._retry_at is not None:
            self._retry_at = None
            log.info("rate-limit storage answers again: socket event limits are shared again")
        return allowed


socket_limits = _SocketLimits()
