"""Sessions in the secondary storage, in Better Auth's layout (core-surface §5.1)."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import caches

from better_auth import clock
from better_auth.models import Session, User
from better_auth.storage.cache_sessions import CacheSessionStore
from better_auth.storage.sessions import session_store
from tests.conftest import AuthClient

REDIS = os.environ.get("REDIS_URL")
ALIASES = [
    "default",
    pytest.param("redis", marks=pytest.mark.skipif(not REDIS, reason="no REDIS_URL")),
]
DAY = 24 * 60 * 60


@pytest.fixture(params=ALIASES)
def alias(
    request: pytest.FixtureRequest, better_auth_settings: Callable[..., None]
) -> str:
    better_auth_settings(SESSION={"STORAGE": "cache"}, SECONDARY_STORAGE=request.param)
    return request.param


@pytest.fixture
def store(alias: str) -> CacheSessionStore:
    chosen = session_store()
    assert isinstance(chosen, CacheSessionStore) and chosen.alias == alias
    return chosen


def _stored(alias: str, key: str) -> Any:
    raw = caches[alias].get(key)
    return json.loads(raw) if raw else None


def _ttl(alias: str, key: str) -> float:
    cache = caches[alias]
    full_key = cache.make_and_validate_key(key)
    if alias == "redis":
        return cache._cache.get_client(full_key).ttl(full_key)
    import time

    return cache._expire_info[full_key] - time.time()


def test_sign_up_writes_better_auth_layout(api: AuthClient, alias: str) -> None:
    """<token> holds {session, user}; active-sessions-<id> lists {token, expiresAt}."""
    body = api.sign_up().json()
    token, user_id = body["token"], body["user"]["id"]
    assert not Session.objects.exists()

    data = _stored(alias, token)
    assert set(data) == {"session", "user"}
    session = data["session"]
    assert session["token"] == token and session["userId"] == user_id
    for key in ("id", "expiresAt", "createdAt", "updatedAt", "ipAddress", "userAgent"):
        assert key in session
    assert session["expiresAt"].endswith("Z")
    user = data["user"]
    assert user["id"] == user_id and user["email"] == "alice@example.test"
    assert user["emailVerified"] is False and user["name"] == "Alice"

    refs = _stored(alias, f"active-sessions-{user_id}")
    assert [r["token"] for r in refs] == [token]
    assert isinstance(refs[0]["expiresAt"], int)
    assert refs[0]["expiresAt"] > clock.now_ms() + 7 * DAY * 1000 - 5000
    assert abs(_ttl(alias, token) - 7 * DAY) < 5


def test_get_session_reads_the_cache(api: AuthClient, alias: str) -> None:
    """get-session answers from the secondary storage, not the session table."""
    token = api.sign_up().json()["token"]
    r = api.get("/get-session")
    assert r.status_code == 200
    data = r.json()
    assert data["session"]["token"] == token
    assert data["user"]["email"] == "alice@example.test"
    assert not Session.objects.exists()


def test_find_rebuilds_session_and_user(
    api: AuthClient, store: CacheSessionStore
) -> None:
    """find() returns a Session whose user is a User rebuilt from the JSON."""
    body = api.sign_up().json()
    session = store.find(body["token"])
    assert isinstance(session, Session) and isinstance(session.user, User)
    assert session.user._state.adding is False
    assert session._state.adding is True
    assert session.user.pk == body["user"]["id"] == session.user_id
    assert session.user.is_active
    assert store.find("no-such-token") is None


def test_list_sessions_shows_each_device(
    api_factory: Callable[..., AuthClient], alias: str
) -> None:
    laptop, phone = api_factory(), api_factory()
    laptop.sign_up()
    phone.sign_in()
    rows = laptop.get("/list-sessions").json()
    assert len(rows) == 2
    assert rows[0]["createdAt"] <= rows[1]["createdAt"]


def test_revoke_session_removes_key_and_reference(
    api_factory: Callable[..., AuthClient], alias: str
) -> None:
    laptop, phone = api_factory(), api_factory()
    user_id = laptop.sign_up().json()["user"]["id"]
    phone_token = phone.sign_in().json()["token"]
    r = laptop.post("/revoke-session", {"token": phone_token})
    assert r.json() == {"status": True}
    assert caches[alias].get(phone_token) is None
    refs = _stored(alias, f"active-sessions-{user_id}")
    assert phone_token not in [r["token"] for r in refs]
    assert phone.get("/get-session").content == b"null"
    assert laptop.get("/get-session").json() is not None


def test_revoke_other_sessions_keeps_the_current_one(
    api_factory: Callable[..., AuthClient], alias: str
) -> None:
    laptop, phone, tablet = api_factory(), api_factory(), api_factory()
    laptop.sign_up()
    phone.sign_in()
    tablet.sign_in()
    assert laptop.post("/revoke-other-sessions").json() == {"status": True}
    assert laptop.get("/get-session").json() is not None
    assert phone.get("/get-session").content == b"null"
    assert tablet.get("/get-session").content == b"null"
    assert len(laptop.get("/list-sessions").json()) == 1


def test_revoke_all_refuses_sessions_the_list_missed(
    api: AuthClient, store: CacheSessionStore, alias: str
) -> None:
    """After revoke-all, a session created earlier is refused even if unlisted."""
    body = api.sign_up().json()
    user = User.objects.get(pk=body["user"]["id"])
    with clock.freeze():
        stray = store.find(body["token"])
        assert stray is not None
        stray.token, stray.id = "stray-token-" + stray.id, "stray" + stray.id[5:]
        caches[alias].set(
            stray.token,
            caches[alias].get(body["token"]).replace(body["token"], stray.token),
        )
        clock.advance(1)
        ids = store.delete_for_user(user.pk)
        assert len(ids) == 1
        assert store.find(stray.token) is None
        assert caches[alias].get(f"revoked-sessions-before-{user.pk}") is not None
        # A session created after the revocation is valid.
        clock.advance(1)
        fresh = Session(
            token="fresh-token-" + user.pk,
            user=user,
            expires_at=clock.now() + timedelta(days=1),
            created_at=clock.now(),
            updated_at=clock.now(),
        )
        store.create(fresh)
        assert store.find(fresh.token) is not None
    caches[alias].delete(stray.token)


def test_refresh_extends_expiry_in_cache_and_list(
    api: AuthClient, store: CacheSessionStore, alias: str
) -> None:
    """Past UPDATE_AGE, get-session moves expiresAt in the payload and the list."""
    body = api.sign_up().json()
    token, user_id = body["token"], body["user"]["id"]
    before = _stored(alias, token)["session"]["expiresAt"]
    with clock.freeze(clock.now() + timedelta(days=2)):
        assert api.get("/get-session").status_code == 200
        session = _stored(alias, token)["session"]
        assert session["expiresAt"] > before
        refs = _stored(alias, f"active-sessions-{user_id}")
        assert refs[0]["expiresAt"] == int(
            store.find(token).expires_at.timestamp() * 1000
        )


def test_expired_session_is_gone(api: AuthClient, alias: str) -> None:
    token = api.sign_up().json()["token"]
    with clock.freeze(clock.now() + timedelta(days=8)):
        assert api.get("/get-session").content == b"null"
    assert caches[alias].get(token) is None


def test_sign_out_deletes_the_session(api: AuthClient, alias: str) -> None:
    body = api.sign_up().json()
    assert api.post("/sign-out").json() == {"success": True}
    assert caches[alias].get(body["token"]) is None
    assert _stored(alias, f"active-sessions-{body['user']['id']}") is None


def test_reads_a_payload_written_by_better_auth(
    store: CacheSessionStore, alias: str
) -> None:
    """A Better Auth server's payload (extra plugin fields included) is readable."""
    payload = {
        "session": {
            "id": "s" * 32,
            "expiresAt": "2999-01-01T00:00:00.000Z",
            "token": "t" * 32,
            "createdAt": "2024-05-01T10:00:00.000Z",
            "updatedAt": "2024-05-01T10:00:00.000Z",
            "ipAddress": "203.0.113.9",
            "userAgent": "node",
            "userId": "u" * 32,
            "activeOrganizationId": None,
        },
        "user": {
            "id": "u" * 32,
            "name": "Bob",
            "email": "bob@example.test",
            "emailVerified": True,
            "image": None,
            "createdAt": "2024-05-01T10:00:00.000Z",
            "updatedAt": "2024-05-01T10:00:00.000Z",
            "role": "admin",
        },
    }
    caches[alias].set("t" * 32, json.dumps(payload), timeout=60)
    try:
        session = store.find("t" * 32)
        assert session is not None
        assert session.user.email == "bob@example.test" and session.user.email_verified
        assert session.ip_address == "203.0.113.9"
        assert session.created_at.isoformat() == "2024-05-01T10:00:00+00:00"
    finally:
        caches[alias].delete("t" * 32)


@pytest.mark.parametrize(
    "payload",
    [
        "not json",
        json.dumps([]),
        json.dumps({"session": {"userId": "u1", "token": "t"}}),
        json.dumps({"session": {"userId": "u1"}, "user": {"id": "u2"}}),
        json.dumps({"session": {"userId": "u1"}, "user": {"id": "u1"}}),
    ],
)
def test_malformed_payloads_are_no_session(
    store: CacheSessionStore, alias: str, payload: str
) -> None:
    """Anything but a complete, self-consistent {session, user} reads as absent."""
    caches[alias].set("malformed-token", payload, timeout=60)
    try:
        assert store.find("malformed-token") is None
    finally:
        caches[alias].delete("malformed-token")


def test_refresh_user_rewrites_the_cached_copy(
    api: AuthClient, store: CacheSessionStore
) -> None:
    body = api.sign_up().json()
    user = User.objects.get(pk=body["user"]["id"])
    user.name = "Alice Renamed"
    user.save()
    store.refresh_user(user)
    assert api.get("/get-session").json()["user"]["name"] == "Alice Renamed"


def test_concurrent_sign_ins_keep_every_reference(
    user_factory: Callable[..., Any], store: CacheSessionStore, alias: str
) -> None:
    """Twenty sessions created at once all land in active-sessions-<userId>."""
    user = user_factory()
    barrier = threading.Barrier(20)
    tokens: list[str] = []
    errors: list[BaseException] = []

    def sign_in(i: int) -> None:
        session = Session(
            token=f"race-{i}-{user.pk}",
            user=user,
            expires_at=clock.now() + timedelta(days=1),
            created_at=clock.now(),
            updated_at=clock.now(),
        )
        try:
            barrier.wait(timeout=30)
            store.create(session)
            tokens.append(session.token)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=sign_in, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    refs = _stored(alias, f"active-sessions-{user.pk}")
    assert sorted(r["token"] for r in refs) == sorted(tokens)
    assert len(store.list_for_user(user.pk, clock.now())) == 20
    store.delete_for_user(user.pk)
