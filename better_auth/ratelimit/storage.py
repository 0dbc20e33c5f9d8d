"""Rate-limit counters: one atomic ``consume`` per request (core-surface §6.3, §7).

Better Auth 1.7 replaced its ``get`` / ``set`` storage interface with a single
``consume(key, rule) -> {allowed, retryAfter}`` so that concurrent requests
cannot all read a stale count and pass. Every backend here keeps that shape:

* :class:`MemoryStorage` and :class:`DatabaseStorage` slide on the *last
  allowed request*: a counter resets to 1 once ``window`` seconds have passed
  since it, a request is denied while ``count >= max``, and the wait is
  ``ceil((last_request + window - now) / 1000)`` seconds. Denials write
  nothing.
* :class:`CacheStorage` (Better Auth's secondary-storage mode) counts in a
  fixed window: the counter's lifetime is set when it is created, a request is
  allowed while the incremented count is ``<= max``, and the wait is the whole
  window.
"""

from __future__ import annotations

import itertools
import logging
import math
import threading
from dataclasses import dataclass
from typing import Protocol

from django.core.cache import caches
from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper

from .. import clock
from .rules import Rule, configured_windows

logger = logging.getLogger(__name__)

__all__ = [
    "CacheStorage",
    "DatabaseStorage",
    "Decision",
    "MemoryStorage",
    "RateLimitStorage",
]


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int | None = None


class RateLimitStorage(Protocol):
    def consume(self, key: str, rule: Rule) -> Decision: ...


def _retry_after(last_request: int, window: int, now: int) -> int:
    return math.ceil((last_request + window * 1000 - now) / 1000)


class MemoryStorage:
    """Per-process counters; right for one process, wrong behind several.

    A lock makes each consume atomic across threads. Expired entries are
    swept every ``sweep_every`` calls, and beyond ``max_entries`` the least
    recently allowed keys are dropped so a flood of distinct keys cannot grow
    memory without bound.
    """

    def __init__(self, *, max_entries: int = 100_000, sweep_every: int = 1000) -> None:
        self._lock = threading.Lock()
        # key -> (count, last_request ms, expires_at ms)
        self._entries: dict[str, tuple[int, int, int]] = {}
        self._max_entries = max_entries
        self._sweep_every = sweep_every
        self._calls = 0

    def consume(self, key: str, rule: Rule) -> Decision:
        now = clock.now_ms()
        window_ms = rule.window * 1000
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and now >= entry[2]:
                entry = None
            if entry is None or now - entry[1] >= window_ms:
                count = 1
            elif entry[0] >= rule.max:
                return Decision(False, _retry_after(entry[1], rule.window, now))
            else:
                count = entry[0] + 1
            # Re-inserting keeps dict order = least recently allowed first.
            self._entries.pop(key, None)
            self._entries[key] = (count, now, now + window_ms)
            self._maybe_sweep(now)
        return Decision(True)

    def _maybe_sweep(self, now: int) -> None:
        self._calls += 1
        if self._calls % self._sweep_every and len(self._entries) <= self._max_entries:
            return
        for key in [k for k, e in self._entries.items() if now >= e[2]]:
            del self._entries[key]
        overflow = len(self._entries) - self._max_entries
        for key in list(itertools.islice(self._entries, max(overflow, 0))):
            del self._entries[key]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def keys(self) -> list[str]:
        with self._lock:
            return list(self._entries)


def _statements(connection: BaseDatabaseWrapper, db_table: str) -> tuple[str, str]:
    """The consume upsert and the read of a denied key's last request.

    Parameters of the upsert: key, now, now, window ms, now, now, window ms,
    max. Identifiers come from the model, never from the request.
    """
    qn = connection.ops.quote_name
    table = qn(db_table)
    key, count, last = qn("key"), qn("count"), qn("last_request")
    expired = f"%s - {table}.{last} >= %s"
    upsert = (
        f"INSERT INTO {table} ({key}, {count}, {last}) VALUES (%s, 1, %s) "  # noqa: S608
        f"ON CONFLICT ({key}) DO UPDATE SET "
        f"{count} = CASE WHEN {expired} THEN 1 ELSE {table}.{count} + 1 END, "
        f"{last} = %s "
        f"WHERE {expired} OR {table}.{count} < %s "
        f"RETURNING {count}"
    )
    read_last = f"SELECT {last} FROM {table} WHERE {key} = %s"  # noqa: S608
    return upsert, read_last


class DatabaseStorage:
    """Counters in the ``rateLimit`` table, decided by one upsert statement.

    ``INSERT ... ON CONFLICT (key) DO UPDATE ... WHERE allowed RETURNING``
    creates, resets or increments the row and tells whether the request was
    allowed, in one statement the database serialises per key (PostgreSQL
    and SQLite 3.35+). This is the guarded compare-and-set Better Auth's
    ``incrementOne`` performs, without its retry loop. A denied request
    updates nothing; its wait is read afterwards.

    The statement runs on ``router.db_for_write(RateLimit)``; projects with
    ``ATOMIC_REQUESTS`` should route the model to a separate alias so a
    counter row is not held locked, or rolled back, with the request.
    """

    prune_every = 100

    def __init__(self) -> None:
        self._resets = itertools.count(1)
        self._longest_window = 0

    def consume(self, key: str, rule: Rule) -> Decision:
        from ..models import RateLimit

        self._longest_window = max(self._longest_window, rule.window)
        connection = connections[router.db_for_write(RateLimit)]
        upsert, read_last = _statements(connection, RateLimit._meta.db_table)
        window_ms = rule.window * 1000
        for _ in range(3):
            now = clock.now_ms()
            params = [key, now, now, window_ms, now, now, window_ms, rule.max]
            with connection.cursor() as cursor:
                cursor.execute(upsert, params)
                row = cursor.fetchone()
                if row is None:
                    cursor.execute(read_last, [key])
                    found = cursor.fetchone()
            if row is not None:
                if row[0] == 1:
                    self._maybe_prune(connection, now)
                return Decision(True)
            if found is not None and now - int(found[0]) < window_ms:
                return Decision(False, _retry_after(int(found[0]), rule.window, now))
            # The row was pruned, or its window ended, since the upsert ran.
        return Decision(False, rule.window)

    def _maybe_prune(self, connection: BaseDatabaseWrapper, now: int) -> None:
        """Delete counters idle longer than any window (Better Auth prunes too)."""
        if next(self._resets) % self.prune_every:
            return
        from ..models import RateLimit

        longest = max([self._longest_window, *configured_windows()])
        RateLimit.objects.using(connection.alias).filter(
            last_request__lt=now - longest * 1000
        ).delete()


class CacheStorage:
    """Fixed-window counters on a Django cache alias (Redis, Memcached).

    ``add(key, 0, window)`` creates the counter with its lifetime only when
    absent and ``incr`` is atomic on those backends, so concurrent requests
    each see a distinct count. Backends whose ``incr`` is a read and a write
    (the database and file caches) cannot give that guarantee.
    """

    def __init__(self, alias: str) -> None:
        self.alias = alias

    def consume(self, key: str, rule: Rule) -> Decision:
        cache = caches[self.alias]
        for _ in range(3):
            cache.add(key, 0, timeout=rule.window)
            try:
                count = cache.incr(key)
            except ValueError:
                # Expired between add and incr: start a new window.
                continue
            if count == 1:
                # Some backends' incr recreates a just-expired key without a
                # lifetime; a counter must never outlive its window.
                cache.touch(key, timeout=rule.window)
            if count <= rule.max:
                return Decision(True)
            return Decision(False, rule.window)
        logger.warning("rate-limit counter kept expiring; request denied")
        return Decision(False, rule.window)
