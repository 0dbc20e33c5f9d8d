"""Rate limiting as Better Auth 1.7 applies it (core-surface §6.3)."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory

from better_auth import clock
from better_auth.models import RateLimit
from better_auth.ratelimit import (
    get_storage,
    memory_storage,
    rate_limit_key,
    register_plugin_rules,
    rules,
)
from better_auth.ratelimit.rules import Rule, resolve_rule
from better_auth.ratelimit.storage import (
    CacheStorage,
    DatabaseStorage,
    MemoryStorage,
)
from tests.conftest import BASE, ORIGIN

REDIS = os.environ.get("REDIS_URL")
needs_redis = pytest.mark.skipif(not REDIS, reason="REDIS_URL is not set")
TOO_MANY = {"message": "Too many requests. Please try again later."}


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(rules, "_registered", {})
    memory_storage.clear()
    yield
    memory_storage.clear()


@pytest.fixture
def limit(better_auth_settings: Callable[..., None]) -> Callable[..., None]:
    """Turn the limiter on with the given RATE_LIMIT keys."""

    def apply(**rate_limit: Any) -> None:
        better_auth_settings(RATE_LIMIT={"ENABLED": True, **rate_limit})

    return apply


def _request(path: str = "/x") -> Any:
    return RequestFactory().post(BASE + path)


def _post(client: Client, path: str, body: str = "{}") -> Any:
    return client.post(
        BASE + path,
        data=body,
        content_type="application/json",
        headers={"origin": ORIGIN},
    )


# Rule resolution.


def test_default_rule_is_ten_seconds_one_hundred_requests(limit: Any) -> None:
    """Paths without a special rule get RATE_LIMIT WINDOW / MAX."""
    limit()
    assert resolve_rule(_request(), "/get-session") == Rule(10, 100)
    limit(WINDOW=30, MAX=7)
    assert resolve_rule(_request(), "/get-session") == Rule(30, 7)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/sign-in/email", Rule(10, 3)),
        ("/sign-in/social", Rule(10, 3)),
        ("/sign-up/email", Rule(10, 3)),
        ("/change-password", Rule(10, 3)),
        ("/change-email", Rule(10, 3)),
        ("/request-password-reset", Rule(60, 3)),
        ("/send-verification-email", Rule(60, 3)),
        ("/forget-password", Rule(60, 3)),
        ("/forget-password/email-otp", Rule(60, 3)),
        ("/email-otp/send-verification-otp", Rule(60, 3)),
        ("/email-otp/request-password-reset", Rule(60, 3)),
        ("/request-password-reset/extra", Rule(10, 100)),
        ("/get-session", Rule(10, 100)),
        ("/two-factor/verify-totp", Rule(10, 100)),
    ],
)
def test_built_in_special_rules(limit: Any, path: str, expected: Rule) -> None:
    """Credential paths get 10 s / 3 and email-sending paths 60 s / 3."""
    limit()
    assert resolve_rule(_request(path), path) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/sign-in/magic-link", Rule(60, 5)),
        ("/magic-link/verify", Rule(60, 5)),
        ("/email-otp/send-verification-otp", Rule(60, 3)),
        ("/email-otp/check-verification-otp", Rule(60, 3)),
        ("/email-otp/verify-email", Rule(60, 3)),
        ("/sign-in/email-otp", Rule(60, 3)),
        ("/email-otp/request-password-reset", Rule(60, 3)),
        ("/email-otp/reset-password", Rule(60, 3)),
        ("/forget-password/email-otp", Rule(60, 3)),
        ("/email-otp/request-email-change", Rule(60, 3)),
        ("/email-otp/change-email", Rule(60, 3)),
        ("/two-factor/verify-totp", Rule(10, 3)),
        ("/two-factor/enable", Rule(10, 3)),
        ("/two-factor", Rule(10, 100)),
        ("/sign-in/email", Rule(10, 3)),
    ],
)
def test_plugin_rules_override_special_rules(
    limit: Any, path: str, expected: Rule
) -> None:
    """A registered plugin's first matching rule replaces the built-in one."""
    limit()
    for plugin in ("magic-link", "email-otp", "two-factor"):
        register_plugin_rules(plugin)
    assert resolve_rule(_request(path), path) == expected


def test_plugin_rules_apply_only_once_registered(limit: Any) -> None:
    """Without the magic-link plugin its path falls under the /sign-in rule."""
    limit()
    assert resolve_rule(_request(), "/sign-in/magic-link") == Rule(10, 3)
    register_plugin_rules("magic-link")
    assert resolve_rule(_request(), "/sign-in/magic-link") == Rule(60, 5)


def test_unknown_plugin_without_rules_is_refused() -> None:
    with pytest.raises(ValueError):
        register_plugin_rules("no-such-plugin")


def test_custom_rule_exact_path_overrides(limit: Any) -> None:
    """An exact CUSTOM_RULES key replaces the built-in rule for that path only."""
    limit(CUSTOM_RULES={"/sign-in/email": {"window": 60, "max": 10}})
    assert resolve_rule(_request(), "/sign-in/email") == Rule(60, 10)
    assert resolve_rule(_request(), "/sign-in/social") == Rule(10, 3)


def test_custom_rule_glob_matches_one_segment(limit: Any) -> None:
    """A key with * is a glob: /sign-in/* covers one segment below /sign-in."""
    limit(CUSTOM_RULES={"/sign-in/*": {"window": 5, "max": 1}})
    assert resolve_rule(_request(), "/sign-in/email") == Rule(5, 1)
    assert resolve_rule(_request(), "/sign-in") == Rule(10, 3)
    assert resolve_rule(_request(), "/sign-in/a/b") == Rule(10, 3)


def test_custom_rule_double_star_glob(limit: Any) -> None:
    limit(CUSTOM_RULES={"/organization/**": {"window": 1, "max": 2}})
    assert resolve_rule(_request(), "/organization/a/b") == Rule(1, 2)


def test_custom_rule_false_lifts_the_limit(limit: Any) -> None:
    """False means no limit at all for the path."""
    limit(CUSTOM_RULES={"/get-session": False})
    assert resolve_rule(_request(), "/get-session") is None


def test_custom_rule_callable_gets_request_and_current_rule(limit: Any) -> None:
    """A callable is called with the request and the rule resolved so far."""
    seen: list[Any] = []

    def rule(request: Any, current: dict[str, int]) -> dict[str, int]:
        seen.append((request.path, current))
        return {"window": current["window"] * 2, "max": 1}

    limit(CUSTOM_RULES={"/sign-up/email": rule})
    assert resolve_rule(_request("/sign-up/email"), "/sign-up/email") == Rule(20, 1)
    assert seen == [("/api/auth/sign-up/email", {"window": 10, "max": 3})]


def test_custom_rule_callable_returning_none_keeps_the_rule(limit: Any) -> None:
    limit(CUSTOM_RULES={"/sign-up/email": lambda request, current: None})
    assert resolve_rule(_request(), "/sign-up/email") == Rule(10, 3)


def test_custom_rule_callable_returning_false_lifts_the_limit(limit: Any) -> None:
    limit(CUSTOM_RULES={"/sign-up/email": lambda request, current: False})
    assert resolve_rule(_request(), "/sign-up/email") is None


def dotted_rule(request: Any, current: dict[str, int]) -> dict[str, int]:
    return {"window": 1, "max": 1}


def test_custom_rule_dotted_path(limit: Any) -> None:
    """A string value is the dotted path of a rule callable."""
    limit(CUSTOM_RULES={"/x": "tests.better_auth.test_rate_limit.dotted_rule"})
    assert resolve_rule(_request(), "/x") == Rule(1, 1)


def test_malformed_custom_rule_is_a_configuration_error(limit: Any) -> None:
    limit(CUSTOM_RULES={"/x": {"window": "soon"}})
    with pytest.raises(ImproperlyConfigured):
        resolve_rule(_request(), "/x")


# Storage semantics.


@pytest.fixture(params=["memory", "database"])
def sliding_storage(request: pytest.FixtureRequest, db: None) -> Any:
    return MemoryStorage() if request.param == "memory" else DatabaseStorage()


def test_window_denies_after_max_and_reports_the_wait(sliding_storage: Any) -> None:
    """The (max+1)th request in the window is denied until the window passes."""
    rule = Rule(10, 3)
    with clock.freeze():
        decisions = [sliding_storage.consume("k|/p", rule) for _ in range(4)]
        assert [d.allowed for d in decisions] == [True, True, True, False]
        assert decisions[3].retry_after == 10
        clock.advance(4.2)
        denied = sliding_storage.consume("k|/p", rule)
        assert (denied.allowed, denied.retry_after) == (False, 6)
        clock.advance(5.8)
        assert sliding_storage.consume("k|/p", rule).allowed


def test_window_slides_on_the_last_allowed_request(sliding_storage: Any) -> None:
    """The window restarts from the last allowed request, not the first."""
    rule = Rule(10, 3)
    with clock.freeze():
        assert sliding_storage.consume("k|/p", rule).allowed
        clock.advance(4)
        assert sliding_storage.consume("k|/p", rule).allowed
        clock.advance(4)
        assert sliding_storage.consume("k|/p", rule).allowed
        clock.advance(3)  # 11 s after the first, 3 s after the last
        denied = sliding_storage.consume("k|/p", rule)
        assert (denied.allowed, denied.retry_after) == (False, 7)
        clock.advance(7)
        assert sliding_storage.consume("k|/p", rule).allowed
        # The reset starts a fresh count of one.
        assert sliding_storage.consume("k|/p", rule).allowed
        assert sliding_storage.consume("k|/p", rule).allowed
        assert not sliding_storage.consume("k|/p", rule).allowed


def test_keys_are_counted_separately(sliding_storage: Any) -> None:
    rule = Rule(10, 1)
    assert sliding_storage.consume("a|/p", rule).allowed
    assert not sliding_storage.consume("a|/p", rule).allowed
    assert sliding_storage.consume("b|/p", rule).allowed


def test_database_storage_denial_writes_nothing(db: None) -> None:
    """A denied request leaves the counter row exactly as it was."""
    storage = DatabaseStorage()
    with clock.freeze():
        for _ in range(3):
            storage.consume("k|/p", Rule(10, 3))
        before = RateLimit.objects.values("count", "last_request").get(key="k|/p")
        clock.advance(2)
        assert not storage.consume("k|/p", Rule(10, 3)).allowed
        after = RateLimit.objects.values("count", "last_request").get(key="k|/p")
    assert before == after and before["count"] == 3


def test_database_storage_prunes_idle_counters(db: None) -> None:
    """Counters idle longer than every window are deleted now and then."""
    storage = DatabaseStorage()
    storage.prune_every = 1
    RateLimit.objects.create(key="old|/p", count=3, last_request=0)
    storage.consume("new|/p", Rule(10, 3))
    assert list(RateLimit.objects.values_list("key", flat=True)) == ["new|/p"]


def test_memory_storage_is_atomic_across_threads() -> None:
    """Fifty threads racing on one key get exactly max allowed requests."""
    storage = MemoryStorage()
    barrier = threading.Barrier(50)
    results: list[bool] = []

    def hit() -> None:
        barrier.wait()
        results.append(storage.consume("k|/p", Rule(10, 3)).allowed)

    threads = [threading.Thread(target=hit) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 3


def test_memory_storage_bounds_its_size() -> None:
    storage = MemoryStorage(max_entries=10, sweep_every=1)
    for i in range(25):
        storage.consume(f"k{i}|/p", Rule(10, 3))
    assert len(storage.keys()) <= 10
    assert "k24|/p" in storage.keys()


def _cache_aliases() -> list[Any]:
    return ["default", pytest.param("redis", marks=needs_redis)]


@pytest.mark.parametrize("alias", _cache_aliases())
def test_cache_storage_fixed_window(alias: str) -> None:
    """Secondary storage: allowed iff the incremented count <= max; wait = window."""
    storage = CacheStorage(alias)
    key = f"test-{uuid.uuid4().hex}|/p"
    try:
        decisions = [storage.consume(key, Rule(10, 3)) for _ in range(5)]
        assert [d.allowed for d in decisions] == [True, True, True, False, False]
        assert decisions[3].retry_after == 10
        assert caches[alias].get(key) == 5
    finally:
        caches[alias].delete(key)


@needs_redis
def test_cache_storage_window_expires_on_redis() -> None:
    """The counter's lifetime is the window: after it, counting starts over."""
    storage = CacheStorage("redis")
    key = f"test-{uuid.uuid4().hex}|/p"
    try:
        assert storage.consume(key, Rule(1, 1)).allowed
        assert not storage.consume(key, Rule(1, 1)).allowed
        time.sleep(1.2)
        assert storage.consume(key, Rule(1, 1)).allowed
    finally:
        caches["redis"].delete(key)


def test_storage_selection(limit: Any) -> None:
    limit(STORAGE="memory")
    assert get_storage() is memory_storage
    limit(STORAGE="database")
    assert isinstance(get_storage(), DatabaseStorage)
    limit(STORAGE="cache", CACHE_ALIAS="other")
    assert get_storage().alias == "other"
    limit(STORAGE="cache")
    assert get_storage().alias == "default"
    limit(STORAGE="redis-please")
    with pytest.raises(ImproperlyConfigured):
        get_storage()


def test_long_paths_are_digested_in_the_key() -> None:
    """Keys stay short enough for the counter column and Memcached."""
    key = rate_limit_key("203.0.113.9", "/" + "a" * 600)
    assert key.startswith("203.0.113.9|sha256:") and len(key) < 100
    assert rate_limit_key(None, "/ok") == "no-trusted-ip|/ok"


# Through the router.


@pytest.mark.parametrize("storage", ["memory", "database", "cache"])
def test_fourth_sign_in_within_ten_seconds_is_429(
    api: Any, limit: Any, storage: str
) -> None:
    """The 429 body and X-Retry-After match Better Auth's limiter response."""
    limit(STORAGE=storage)
    caches["default"].delete("127.0.0.1|/sign-in/email")
    with clock.freeze():
        statuses = [
            api.sign_in("nobody@example.test", "wrong-password").status_code
            for _ in range(3)
        ]
        r = api.sign_in("nobody@example.test", "wrong-password")
    caches["default"].delete("127.0.0.1|/sign-in/email")
    assert statuses == [401, 401, 401]
    assert r.status_code == 429
    assert r.json() == TOO_MANY
    assert r["X-Retry-After"] == "10"
    assert r["Content-Type"] == "application/json"


def test_ipv6_clients_are_grouped_by_64_prefix(limit: Any, db: None) -> None:
    """Addresses in one /64 share a bucket; another /64 has its own."""
    limit(STORAGE="memory", CUSTOM_RULES={"/ok": {"window": 10, "max": 2}})
    one = Client(REMOTE_ADDR="2001:db8:1:2::1")
    same_net = Client(REMOTE_ADDR="2001:db8:1:2:ffff:eeee:dddd:9")
    other_net = Client(REMOTE_ADDR="2001:db8:1:3::1")
    assert _post(one, "/ok").status_code == 404
    assert _post(same_net, "/ok").status_code == 404
    assert _post(one, "/ok").status_code == 429
    assert _post(same_net, "/ok").status_code == 429
    assert _post(other_net, "/ok").status_code == 404
    assert "2001:db8:1:2::|/ok" in memory_storage.keys()


def test_unknown_paths_are_counted_too(limit: Any, db: None) -> None:
    """The limiter runs before routing, as Better Auth's onRequest does."""
    limit(STORAGE="database", CUSTOM_RULES={"/nope": {"window": 10, "max": 1}})
    client = Client()
    assert _post(client, "/nope").status_code == 404
    assert _post(client, "/nope").status_code == 429
    assert RateLimit.objects.get().key == "127.0.0.1|/nope"


def test_trailing_slash_shares_the_bucket(limit: Any, db: None) -> None:
    limit(STORAGE="memory", CUSTOM_RULES={"/ok": {"window": 10, "max": 1}})
    client = Client()
    assert _post(client, "/ok").status_code == 404
    assert _post(client, "/ok/").status_code == 429


def test_requests_without_a_trusted_ip_share_one_bucket(limit: Any, db: None) -> None:
    """No usable address: the shared no-trusted-ip bucket, never no limit."""
    limit(STORAGE="database", CUSTOM_RULES={"/ok": {"window": 10, "max": 1}})
    first, second = Client(REMOTE_ADDR="not-an-ip"), Client(REMOTE_ADDR="")
    assert _post(first, "/ok").status_code == 404
    assert _post(second, "/ok").status_code == 429
    assert RateLimit.objects.get().key == "no-trusted-ip|/ok"


def test_disabled_ip_tracking_skips_counting(
    better_auth_settings: Callable[..., None], db: None
) -> None:
    better_auth_settings(
        RATE_LIMIT={"ENABLED": True, "STORAGE": "database", "MAX": 1},
        DISABLE_IP_TRACKING=True,
    )
    client = Client()
    assert [_post(client, "/ok").status_code for _ in range(3)] == [404] * 3
    assert not RateLimit.objects.exists()


@pytest.mark.parametrize("storage", ["memory", "database"])
def test_disabled_limiter_counts_nothing(
    better_auth_settings: Callable[..., None], db: None, storage: str
) -> None:
    """With RATE_LIMIT ENABLED false no counter is written at all."""
    better_auth_settings(RATE_LIMIT={"ENABLED": False, "STORAGE": storage})
    client = Client()
    body = '{"email": "nobody@example.test", "password": "wrong-password"}'
    statuses = [_post(client, "/sign-in/email", body).status_code for _ in range(5)]
    assert statuses == [401] * 5
    assert not RateLimit.objects.exists()
    assert memory_storage.keys() == []


def test_enabled_defaults_to_not_debug(
    better_auth_settings: Callable[..., None], settings: Any
) -> None:
    """ENABLED None means on in production (DEBUG off), off under DEBUG."""
    from better_auth.conf import auth_settings

    better_auth_settings(RATE_LIMIT={"ENABLED": None})
    settings.DEBUG = False
    assert auth_settings.rate_limit_enabled
    settings.DEBUG = True
    assert not auth_settings.rate_limit_enabled


def test_cache_storage_uses_the_secondary_storage_alias(
    better_auth_settings: Callable[..., None], db: None
) -> None:
    """STORAGE cache counts in CACHE_ALIAS, else SECONDARY_STORAGE, else default."""
    better_auth_settings(
        RATE_LIMIT={
            "ENABLED": True,
            "STORAGE": "cache",
            "CUSTOM_RULES": {"/ok": {"window": 10, "max": 1}},
        },
        SECONDARY_STORAGE="default",
    )
    key = "198.51.100.20|/ok"
    caches["default"].delete(key)
    client = Client(REMOTE_ADDR="198.51.100.20")
    try:
        assert _post(client, "/ok").status_code == 404
        assert _post(client, "/ok").status_code == 429
        assert caches["default"].get(key) == 2
    finally:
        caches["default"].delete(key)
