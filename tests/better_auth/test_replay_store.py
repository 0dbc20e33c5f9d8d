"""The seen-once store (``better_auth.storage.replay``).

RFC 7523 §3 item 7 and RFC 9449 §11.1 ask the server to accept a ``jti``
once; the store answers True to exactly one caller per value, on the
database (one upsert statement) and on a cache (``add``, Redis SET NX).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.db import connection

from better_auth import clock
from better_auth.models import UsedToken
from better_auth.storage import replay
from better_auth.storage.replay import first_use, prune, replay_digest
from tests.concurrency import race

REDIS = os.environ.get("REDIS_URL")
RACERS = 10


def _later(seconds: int = 60):  # noqa: ANN202
    return clock.now() + timedelta(seconds=seconds)


@pytest.mark.django_db
def test_second_use_is_refused_on_the_database() -> None:
    """RFC 7523 §3 item 7: a jti is accepted once; the row holds a digest."""
    assert first_use("private_key_jwt:client-a", "jti-1", _later()) is True
    assert first_use("private_key_jwt:client-a", "jti-1", _later()) is False
    row = UsedToken.objects.get()
    assert row.key == replay_digest("private_key_jwt:client-a", "jti-1")
    assert "jti-1" not in row.key


@pytest.mark.django_db
def test_namespaces_are_separate() -> None:
    """The same jti from two clients (or two kinds of proof) are two values."""
    assert first_use("private_key_jwt:client-a", "jti-1", _later())
    assert first_use("private_key_jwt:client-b", "jti-1", _later())
    assert first_use("dpop", "jti-1", _later())
    assert replay_digest("a:b", "c") != replay_digest("a", "b:c")


@pytest.mark.django_db
def test_an_expired_row_can_be_reclaimed_and_is_pruned() -> None:
    """Correctness never depends on pruning: an expired row is taken over
    by the same statement; prune only frees space."""
    with clock.freeze():
        assert first_use("ns", "v", _later(10))
        clock.advance(11)
        assert first_use("ns", "v", _later(10)) is True
        assert first_use("ns", "v", _later(10)) is False
        assert first_use("ns", "other", _later(5))
        clock.advance(20)
        assert prune() == 2
    assert not UsedToken.objects.exists()


@pytest.mark.django_db
def test_database_path_prunes_now_and_then(monkeypatch: pytest.MonkeyPatch) -> None:
    """Expired rows do not accumulate without a scheduled job."""
    monkeypatch.setattr(replay, "PRUNE_EVERY", 1)
    with clock.freeze():
        assert first_use("ns", "old", _later(1))
        clock.advance(5)
        assert first_use("ns", "new", _later(60))
    assert list(UsedToken.objects.values_list("key", flat=True)) == [
        replay_digest("ns", "new")
    ]


@pytest.mark.django_db
def test_empty_values_are_refused() -> None:
    with pytest.raises(ValueError):
        first_use("ns", "", _later())
    with pytest.raises(ValueError):
        first_use("", "v", _later())


@pytest.fixture(
    params=[
        "default",
        pytest.param(
            "redis", marks=pytest.mark.skipif(not REDIS, reason="no REDIS_URL")
        ),
    ]
)
def cache_alias(
    request: pytest.FixtureRequest, better_auth_settings: Callable[..., None]
) -> str:
    better_auth_settings(SECONDARY_STORAGE=request.param)
    caches[request.param].clear()
    return request.param


@pytest.mark.django_db
def test_secondary_storage_is_used_when_configured(cache_alias: str) -> None:
    """With SECONDARY_STORAGE the value lives in the cache, with a TTL, and
    no database row is written."""
    assert first_use("ns", "v", _later(30)) is True
    assert first_use("ns", "v", _later(30)) is False
    assert not UsedToken.objects.exists()
    key = replay.CACHE_PREFIX + replay_digest("ns", "v")
    assert caches[cache_alias].get(key) == 1
    if cache_alias == "redis":
        cache = caches[cache_alias]
        full = cache.make_and_validate_key(key)
        ttl = cache._cache.get_client(full).ttl(full)
        assert 0 < ttl <= 30


@pytest.mark.skipif(not REDIS, reason="no REDIS_URL")
@pytest.mark.django_db
def test_ten_concurrent_first_uses_on_redis(
    better_auth_settings: Callable[..., None],
) -> None:
    """SET NX: exactly one of ten simultaneous callers wins."""
    better_auth_settings(SECONDARY_STORAGE="redis")
    caches["redis"].clear()
    expires = _later()
    results = race(RACERS, lambda: first_use("ns", "raced", expires))
    assert sorted(results) == [False] * (RACERS - 1) + [True]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_first_uses_on_postgresql() -> None:
    """One upsert statement per caller, serialised per key by PostgreSQL:
    exactly one of ten simultaneous callers wins, one row is left."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")
    expires = _later()
    results = race(RACERS, lambda: first_use("ns", "raced", expires))
    assert sorted(results) == [False] * (RACERS - 1) + [True]
    assert UsedToken.objects.count() == 1
