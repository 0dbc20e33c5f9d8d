"""Atomicity under real concurrency on PostgreSQL (core-surface §6.3, §7).

Each request runs in its own thread with its own database connection, all
released together by a barrier, so the statements genuinely overlap. The
suite skips these unless the database is PostgreSQL (SQLite in memory has
one connection).
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client

from better_auth.models import RateLimit
from better_auth.storage import verifications
from tests.concurrency import race
from tests.conftest import BASE, ORIGIN

pytestmark = pytest.mark.postgres

REDIS = os.environ.get("REDIS_URL")


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")


def _sign_inrace(remote_addr: str) -> list[int]:
    body = json.dumps({"email": "nobody@example.test", "password": "wrong-password"})

    def sign_in() -> int:
        client = Client(REMOTE_ADDR=remote_addr)
        response = client.post(
            BASE + "/sign-in/email",
            data=body,
            content_type="application/json",
            headers={"origin": ORIGIN},
        )
        return response.status_code

    return race(50, sign_in)


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_sign_ins_let_exactly_three_through_database(
    better_auth_settings: Callable[..., None],
) -> None:
    """Database storage: one upsert per request, so 3 of 50 pass the 10 s / 3 rule."""
    better_auth_settings(RATE_LIMIT={"ENABLED": True, "STORAGE": "database"})
    statuses = _sign_inrace("198.51.100.50")
    assert sum(status != 429 for status in statuses) == 3
    assert statuses.count(429) == 47
    row = RateLimit.objects.get(key="198.51.100.50|/sign-in/email")
    assert row.count == 3


@pytest.mark.skipif(not REDIS, reason="REDIS_URL is not set")
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_sign_ins_let_exactly_three_through_redis(
    better_auth_settings: Callable[..., None],
) -> None:
    """Cache storage on Redis: add + incr are atomic, so 3 of 50 pass."""
    better_auth_settings(
        RATE_LIMIT={"ENABLED": True, "STORAGE": "cache", "CACHE_ALIAS": "redis"}
    )
    address = f"198.51.100.{random.randint(100, 250)}"
    key = f"{address}|/sign-in/email"
    caches["redis"].delete(key)
    try:
        statuses = _sign_inrace(address)
        assert sum(status != 429 for status in statuses) == 3
        assert caches["redis"].get(key) == 50
    finally:
        caches["redis"].delete(key)


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_consumes_of_one_value_succeed_once() -> None:
    """consume() is one DELETE ... RETURNING: a value is redeemed exactly once."""
    identifier = "reset-password:" + "ab" * 32
    verifications.create(identifier, "user-id", 3600)
    results = race(20, lambda: verifications.consume(identifier))
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    assert winners[0].value == "user-id"
    assert verifications.find(identifier) is None
