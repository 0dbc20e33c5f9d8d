"""Acceptance cases 55, 58, 60 and 61 (shared/cases/public.md, section E).

Email and password sign-up / sign-in and session cookies, through the REST
API as Better Auth's JavaScript client calls it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import checks

from better_auth import clock
from better_auth.models import Account, User
from better_auth.models.account import CREDENTIAL_PROVIDER
from tests.better_auth.wire.transcript import parse_set_cookie
from tests.conftest import AuthClient

PASSWORD = "Valid-pass-123"
SESSION_COOKIE = "better-auth.session_token"


def _set_cookies(response: Any) -> dict[str, dict[str, Any]]:
    """Set-Cookie headers as the oracle's recorder parses them, by name.

    The multi-session plugin's ``_multi-`` cookies are left out: the cases
    are about the session cookies themselves.
    """
    parsed = [
        parse_set_cookie(m.OutputString())
        for m in response.cookies.values()
        if "_multi-" not in m.key
    ]
    return {c["name"]: c for c in parsed}


# -- 55. Email case and client-supplied flags at sign-up -------------------------


def test_case_55a_sign_up_stores_the_email_lower_cased(api: AuthClient) -> None:
    """Case 55a: ``Bob@Example.test`` is created and stored as ``bob@example.test``."""
    r = api.sign_up("Bob@Example.test", PASSWORD, "Bob")
    assert r.status_code == 200, r.content
    assert r.json()["user"]["email"] == "bob@example.test"
    assert User.objects.get().email == "bob@example.test"


def test_case_55b_same_address_in_another_case_already_exists(
    api: AuthClient, api_factory: Any
) -> None:
    """Case 55b: the lower-cased address again is 422 USER_ALREADY_EXISTS_….

    The full code is ``USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL``.
    """
    api.sign_up("Bob@Example.test", PASSWORD, "Bob")
    r = api_factory().sign_up("bob@example.test", PASSWORD, "Bob")
    assert r.status_code == 422
    assert r.json() == {
        "message": "User already exists. Use another email.",
        "code": "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL",
    }
    assert "better-auth.session_token" not in r.cookies
    assert User.objects.count() == 1


def test_case_55b_enumeration_safe_sign_up_answers_like_a_new_user(
    api: AuthClient, api_factory: Any, better_auth_settings: Any
) -> None:
    """Case 55b, generic mode: without auto sign-in a duplicate looks like a success.

    Better Auth 1.7 answers ``{token: null, user}`` with a synthetic user
    (fresh id, ``emailVerified: false``) when ``autoSignIn`` is off or
    verification is required.
    """
    better_auth_settings(EMAIL_AND_PASSWORD={"AUTO_SIGN_IN": False})
    first = api.sign_up("Bob@Example.test", PASSWORD, "Bob")
    again = api_factory().sign_up("bob@example.test", PASSWORD, "Bob")
    assert first.status_code == again.status_code == 200
    created, duplicate = first.json(), again.json()
    assert created["token"] is None and duplicate["token"] is None
    assert list(duplicate["user"]) == list(created["user"])
    assert duplicate["user"]["id"] != created["user"]["id"]
    assert duplicate["user"]["email"] == "bob@example.test"
    assert duplicate["user"]["emailVerified"] is False
    assert User.objects.count() == 1


def test_case_55c_sign_in_matches_any_case(api: AuthClient, api_factory: Any) -> None:
    """Case 55c: ``BOB@EXAMPLE.TEST`` signs in to the ``Bob@Example.test`` account."""
    api.sign_up("Bob@Example.test", PASSWORD, "Bob")
    r = api_factory().sign_in("BOB@EXAMPLE.TEST", PASSWORD)
    assert r.status_code == 200, r.content
    assert r.json()["user"]["email"] == "bob@example.test"


def test_case_55d_email_verified_from_the_client_is_ignored(api: AuthClient) -> None:
    """Case 55d: ``emailVerified: true`` in the body creates an unverified user."""
    r = api.sign_up("new@example.test", PASSWORD, "N", emailVerified=True)
    assert r.status_code == 200, r.content
    assert r.json()["user"]["emailVerified"] is False
    assert User.objects.get(email="new@example.test").email_verified is False


# -- 58. Sign-in does not reveal which accounts exist ----------------------------


@pytest.fixture
def hash_operations(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Count password-hash operations (outermost hasher calls), not time.

    Every configured hasher's ``encode``, ``verify`` and ``harden_runtime``
    is wrapped; a call made inside another (``verify`` encoding the
    candidate) is part of the same operation.
    """
    from django.contrib.auth.hashers import get_hashers

    counter = {"count": 0, "depth": 0}

    def counted(method: Any) -> Any:
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            counter["depth"] += 1
            if counter["depth"] == 1:
                counter["count"] += 1
            try:
                return method(self, *args, **kwargs)
            finally:
                counter["depth"] -= 1

        return wrapper

    for cls in {type(hasher) for hasher in get_hashers()}:
        for name in ("encode", "verify", "harden_runtime"):
            monkeypatch.setattr(cls, name, counted(getattr(cls, name)))
    return counter


def _social_only(email: str) -> None:
    user = User.objects.create_user(email, None, name="Social")
    now = clock.now()
    Account.objects.create(
        user=user,
        provider_id="google",
        issuer="https://accounts.google.com",
        account_id="google-sub-1",
        created_at=now,
        updated_at=now,
    )


def _credential_without_password(email: str) -> None:
    user = User.objects.create_user(email, None, name="Empty")
    now = clock.now()
    Account.objects.create(
        user=user,
        provider_id=CREDENTIAL_PROVIDER,
        issuer="local:credential",
        account_id=user.pk,
        password=None,
        created_at=now,
        updated_at=now,
    )


SIGN_IN_FAILURES = {
    "a-unknown-email": ("nobody@example.test", PASSWORD),
    "b-wrong-password": ("user@example.test", "Wrong-pass-123"),
    "c-social-account-only": ("social@example.test", PASSWORD),
    "c-credential-without-password": ("empty@example.test", PASSWORD),
}


@pytest.fixture
def accounts(api: AuthClient) -> None:
    assert api.sign_up("user@example.test", PASSWORD, "User").status_code == 200
    _social_only("social@example.test")
    _credential_without_password("empty@example.test")


def test_case_58_failures_are_indistinguishable(
    accounts: None, api_factory: Any, hash_operations: dict[str, int]
) -> None:
    """Case 58a-c: unknown email, wrong password and no password answer alike.

    Each is 401 INVALID_EMAIL_OR_PASSWORD with the same body and headers,
    no cookie, and exactly one password-hash operation (OWASP ASVS V2.2,
    WSTG-IDNT-04), so timing does not tell them apart either.
    """
    answers = {}
    for label, (email, password) in SIGN_IN_FAILURES.items():
        hash_operations["count"] = 0
        r = api_factory().sign_in(email, password)
        answers[label] = (
            r.status_code,
            r.content,
            r["Content-Type"],
            sorted(r.cookies),
            hash_operations["count"],
        )
    expected = (
        401,
        json.dumps(
            {
                "message": "Invalid email or password",
                "code": "INVALID_EMAIL_OR_PASSWORD",
            },
            separators=(",", ":"),
        ).encode(),
        "application/json",
        [],
        1,
    )
    assert answers == {label: expected for label in SIGN_IN_FAILURES}


def test_case_58_success_also_costs_one_hash(
    accounts: None, api_factory: Any, hash_operations: dict[str, int]
) -> None:
    """Case 58: a correct password is one verification, the same work as a failure."""
    hash_operations["count"] = 0
    assert api_factory().sign_in("user@example.test", PASSWORD).status_code == 200
    assert hash_operations["count"] == 1


# -- 60. Cookie attributes on https vs http://localhost --------------------------


def _signed_in(better_auth_settings: Any, base_url: str, **settings: Any) -> Any:
    better_auth_settings(BASE_URL=base_url, **settings)
    client = AuthClient(origin=base_url)
    assert client.sign_up().status_code == 200
    return client.sign_in()


def test_case_60a_https_cookies_are_secure_and_prefixed(
    db: None, better_auth_settings: Any
) -> None:
    """Case 60a: on https the cookie is prefixed, ``Secure``, ``HttpOnly``, ``Lax``.

    ``__Secure-better-auth.session_token=…; Path=/; HttpOnly; Secure; SameSite=Lax``.
    """
    r = _signed_in(better_auth_settings, "https://app.example.test")
    cookies = _set_cookies(r)
    assert list(cookies) == ["__Secure-better-auth.session_token"]
    assert cookies["__Secure-better-auth.session_token"]["attrs"] == {
        "max-age": "604800",
        "path": "/",
        "httponly": True,
        "secure": True,
        "samesite": "Lax",
    }


def test_case_60a_https_sign_out_expires_the_prefixed_cookies(
    db: None, better_auth_settings: Any
) -> None:
    """Case 60a: expiring keeps the prefix and ``Secure``, or browsers ignore it."""
    better_auth_settings(BASE_URL="https://app.example.test")
    client = AuthClient(origin="https://app.example.test")
    client.sign_up()
    cookies = _set_cookies(client.post("/sign-out"))
    assert list(cookies) == [
        "__Secure-better-auth.session_token",
        "__Secure-better-auth.session_data",
        "__Secure-better-auth.dont_remember",
    ]
    for cookie in cookies.values():
        assert cookie["value"] == ""
        assert cookie["attrs"] == {
            "max-age": "0",
            "path": "/",
            "httponly": True,
            "secure": True,
            "samesite": "Lax",
        }


def test_case_60b_http_localhost_cookies_have_no_prefix_and_no_secure(
    db: None, better_auth_settings: Any
) -> None:
    """Case 60b: on ``http://localhost:3000`` there is no prefix and no ``Secure``."""
    r = _signed_in(better_auth_settings, "http://localhost:3000")
    cookies = _set_cookies(r)
    assert list(cookies) == [SESSION_COOKIE]
    assert cookies[SESSION_COOKIE]["attrs"] == {
        "max-age": "604800",
        "path": "/",
        "httponly": True,
        "samesite": "Lax",
    }


def test_case_60c_same_site_none_on_https_is_secure(
    db: None, better_auth_settings: Any
) -> None:
    """Case 60c: ``sameSite: "none"`` on https gives ``SameSite=None; Secure``."""
    r = _signed_in(
        better_auth_settings,
        "https://app.example.test",
        DEFAULT_COOKIE_ATTRIBUTES={"sameSite": "none"},
    )
    attrs = _set_cookies(r)["__Secure-better-auth.session_token"]["attrs"]
    assert attrs["samesite"] == "None" and attrs["secure"] is True


def test_case_60d_same_site_none_over_plain_http_is_a_configuration_error(
    better_auth_settings: Any,
) -> None:
    """Case 60d: ``SameSite=None`` on ``http://app.example.test`` fails check E004.

    Browsers drop a SameSite=None cookie that is not Secure (RFC 6265bis
    §4.1.2.7), so this is refused at start-up instead of shipping one.
    """
    better_auth_settings(
        BASE_URL="http://app.example.test",
        DEFAULT_COOKIE_ATTRIBUTES={"sameSite": "none"},
    )
    errors = [m for m in checks.run_checks(tags=[checks.Tags.security]) if m.id]
    e004 = [m for m in errors if m.id == "better_auth.E004"]
    assert len(e004) == 1 and e004[0].level == checks.ERROR


def test_case_60d_https_same_site_none_passes_the_check(
    better_auth_settings: Any,
) -> None:
    """Case 60d, counterpart: the same attribute on https raises no E004."""
    better_auth_settings(
        BASE_URL="https://app.example.test",
        DEFAULT_COOKIE_ATTRIBUTES={"sameSite": "none"},
    )
    ids = {m.id for m in checks.run_checks(tags=[checks.Tags.security])}
    assert "better_auth.E004" not in ids


# -- 61. Cookie-cached sessions after revocation ---------------------------------


@pytest.fixture(params=["compact", "jwt"])
def cookie_cache(request: Any, better_auth_settings: Any) -> Iterator[str]:
    better_auth_settings(
        SESSION={
            "COOKIE_CACHE": {"ENABLED": True, "MAX_AGE": 300, "STRATEGY": request.param}
        },
        USER={"DELETE_USER": {"ENABLED": True}},
    )
    with clock.freeze():
        yield request.param


@pytest.fixture
def revoked_device(db: None, cookie_cache: str, api_factory: Any) -> AuthClient:
    """Device A, whose session device B has just revoked."""
    device_a, device_b = api_factory(), api_factory()
    assert device_a.sign_up().status_code == 200
    assert "better-auth.session_data" in device_a.cookies
    assert device_b.sign_in().status_code == 200
    assert device_b.post("/revoke-other-sessions").json() == {"status": True}
    return device_a


def test_case_61a_cached_session_lives_at_most_max_age(
    revoked_device: AuthClient,
) -> None:
    """Case 61a: the cache may still answer after revocation, never past ``maxAge``."""
    clock.advance(10)
    cached = revoked_device.get("/get-session").json()
    assert cached is not None and cached["user"]["email"] == "alice@example.test"
    clock.advance(291)
    assert revoked_device.get("/get-session").content == b"null"


def test_case_61b_disable_cookie_cache_reads_the_store(
    revoked_device: AuthClient,
) -> None:
    """Case 61b: ``disableCookieCache=true`` answers ``null`` and expires cookies."""
    clock.advance(10)
    r = revoked_device.get("/get-session", {"disableCookieCache": "true"})
    assert r.content == b"null"
    assert r.cookies["better-auth.session_token"]["max-age"] == 0


def test_case_61c_expired_cache_with_a_good_signature_is_absent(
    revoked_device: AuthClient, api_factory: Any
) -> None:
    """Case 61c: a replayed ``session_data`` past its embedded expiry is ignored.

    The signature still verifies, but signature alone is not liveness: the
    store is consulted, the session is gone, so the answer is ``null`` and the
    stale cache cookie is expired.
    """
    jar = {m.key: m.value for m in revoked_device.cookies.values()}
    clock.advance(301)
    replay = api_factory()
    for name, value in jar.items():
        replay.cookies[name] = value
    r = replay.get("/get-session")
    assert r.content == b"null"
    assert r.cookies["better-auth.session_data"]["max-age"] == 0


@pytest.mark.parametrize(
    "path", ["/delete-user", "/revoke-sessions", "/verify-password"]
)
def test_case_61d_sensitive_endpoints_ignore_the_cache(
    revoked_device: AuthClient, path: str
) -> None:
    """Case 61d: sensitive endpoints read the store, so a cached session is 401."""
    clock.advance(10)
    assert revoked_device.get("/get-session").json() is not None  # cache still valid
    r = revoked_device.post(path, {"password": "alice-password-1"})
    assert r.status_code == 401
    assert r.json() == {"message": "Unauthorized", "code": "UNAUTHORIZED"}
    assert User.objects.filter(email="alice@example.test").exists()
