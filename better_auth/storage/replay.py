"""Seen-once values: the one replay check of the suite.

A JWT client assertion's ``jti`` (RFC 7523 §3 item 7), a DPoP proof's
``jti`` (RFC 9449 §11.1) and any other value that must be accepted once
is recorded with :func:`first_use`, which answers True to exactly one
caller however many race for the same value. It is one atomic operation:

* with ``SECONDARY_STORAGE`` set, the cache's ``add`` (Redis ``SET NX``
  with a TTL), the same choice the core makes for cache-backed sessions;
* otherwise ``INSERT ... ON CONFLICT (key) DO UPDATE ... WHERE expired
  RETURNING`` on :class:`~better_auth.models.UsedToken`: a new key is
  inserted, a key whose row has expired (not yet pruned) is reclaimed, and
  a live key changes nothing and returns no row. PostgreSQL and SQLite
  3.35+ run it as one statement serialised per key.

Values are stored as SHA-256 digests of namespace and value, never in the
clear. Expired rows are deleted by :func:`prune`, which the database path
also runs every ``PRUNE_EVERY`` recorded values.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from datetime import datetime

from django.core.cache import caches
from django.db import connections, router

from .. import clock
from ..conf import auth_settings
from .statements import statement_cursor

__all__ = ["PRUNE_EVERY", "first_use", "prune", "replay_digest"]

PRUNE_EVERY = 200
CACHE_PREFIX = "better-auth:used:"

_inserts = itertools.count(1)


def replay_digest(namespace: str, key: str) -> str:
    """Hex SHA-256 of the length-prefixed namespace and the value.

    The length prefix keeps ``("a:b", "c")`` and ``("a", "b:c")`` apart.
    """
    material = f"{len(namespace)}:{namespace}:{key}".encode()
    return hashlib.sha256(material).hexdigest()


def first_use(namespace: str, key: str, expires_at: datetime) -> bool:
    """Record ``key`` in ``namespace`` until ``expires_at``; True only the
    first time it is seen while recorded.

    ``expires_at`` is when the value stops being acceptable anyway (a JWT's
    ``exp``); remembering it longer is useless, shorter is unsafe.
    """
    if not namespace or not isinstance(key, str) or not key:
        raise ValueError("namespace and key must be non-empty strings")
    digest = replay_digest(namespace, key)
    alias = auth_settings.SECONDARY_STORAGE
    if alias:
        return _cache_first_use(alias, digest, expires_at)
    return _database_first_use(digest, expires_at)


def _cache_first_use(alias: str, digest: str, expires_at: datetime) -> bool:
    # At least one second: a zero timeout means "never expires" on some
    # backends and "already expired" on others.
    ttl = max(1, math.ceil((expires_at - clock.now()).total_seconds()))
    return bool(caches[alias].add(CACHE_PREFIX + digest, 1, timeout=ttl))


def _database_first_use(digest: str, expires_at: datetime) -> bool:
    from ..models import UsedToken

    connection = connections[router.db_for_write(UsedToken)]
    qn = connection.ops.quote_name
    table = qn(UsedToken._meta.db_table)
    key, expires = qn("key"), qn("expires_at")
    sql = (
        f"INSERT INTO {table} ({key}, {expires}) VALUES (%s, %s) "  # noqa: S608
        f"ON CONFLICT ({key}) DO UPDATE SET {expires} = EXCLUDED.{expires} "
        f"WHERE {table}.{expires} <= %s RETURNING {key}"
    )
    field = UsedToken._meta.get_field("expires_at")
    params = [
        digest,
        field.get_db_prep_value(expires_at, connection),
        field.get_db_prep_value(clock.now(), connection),
    ]
    with statement_cursor(connection) as cursor:
        cursor.execute(sql, params)
        recorded = cursor.fetchone() is not None
    if recorded and next(_inserts) % PRUNE_EVERY == 0:
        prune()
    return recorded


def prune() -> int:
    """Delete expired rows of the database store; returns how many."""
    from ..models import UsedToken

    deleted, _ = UsedToken.objects.filter(expires_at__lte=clock.now()).delete()
    return deleted
