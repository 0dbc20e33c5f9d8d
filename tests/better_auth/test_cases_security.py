"""Acceptance cases 62, 63 and 64 (shared/cases/public.md, section F).

Trusted-origin matching on cookie-bearing requests and callbackURL
validation, through the REST API. Error codes are Better Auth's as the
oracle sends them: ``INVALID_CALLBACK_URL`` with message "Invalid
callbackURL" (the case text spells it ``INVALID_CALLBACKURL``).
"""

from __future__ import annotations

from typing import Any

import pytest

from better_auth.models import User
from tests.conftest import AuthClient

INVALID_ORIGIN = {"message": "Invalid origin", "code": "INVALID_ORIGIN"}
INVALID_CALLBACK_URL = {
    "message": "Invalid callbackURL",
    "code": "INVALID_CALLBACK_URL",
}


# -- 62. Trusted-origin wildcards honour the scheme ------------------------------


@pytest.fixture
def signed_in(db: None, better_auth_settings: Any) -> AuthClient:
    better_auth_settings(TRUSTED_ORIGINS=["https://*.example.com", "myapp://callback"])
    client = AuthClient()
    assert client.sign_up().status_code == 200
    return client


@pytest.mark.parametrize(
    "origin",
    [
        pytest.param("http://api.example.com", id="a-wrong-scheme"),
        pytest.param("https://example.com.evil.test", id="c-suffix-lookalike"),
        pytest.param("myapp://callbackevil", id="d-custom-scheme-prefix"),
        pytest.param("myapp://callback.evil.test", id="e-custom-scheme-subdomain"),
    ],
)
def test_case_62_untrusted_origins_cannot_sign_out(
    signed_in: AuthClient, origin: str
) -> None:
    """Case 62a, c, d, e: 403 INVALID_ORIGIN, and the session survives.

    ``https://*.example.com`` covers https only, ``*`` never crosses a dot
    boundary into another registrable name, and ``myapp://callback`` is a
    whole authority, not a prefix.
    """
    r = signed_in.post("/sign-out", headers={"origin": origin})
    assert r.status_code == 403 and r.json() == INVALID_ORIGIN
    assert not r.cookies
    assert signed_in.get("/get-session").json() is not None


def test_case_62b_wildcard_origin_with_its_scheme_signs_out(
    signed_in: AuthClient,
) -> None:
    """Case 62b: ``https://api.example.com`` matches ``https://*.example.com``."""
    r = signed_in.post("/sign-out", headers={"origin": "https://api.example.com"})
    assert r.status_code == 200 and r.json() == {"success": True}
    assert signed_in.get("/get-session").content == b"null"


def test_case_62f_null_origin_is_refused(signed_in: AuthClient) -> None:
    """Case 62f: ``Origin: null`` is refused with Better Auth's MISSING_OR_NULL_ORIGIN.

    The case lists it under INVALID_ORIGIN; the Better Auth 1.7.25 oracle
    answers 403 ``MISSING_OR_NULL_ORIGIN`` ("Missing or null Origin") for a
    literal ``null``, and that is pinned here.
    """
    r = signed_in.post("/sign-out", headers={"origin": "null"})
    assert r.status_code == 403
    assert r.json() == {
        "message": "Missing or null Origin",
        "code": "MISSING_OR_NULL_ORIGIN",
    }
    assert signed_in.get("/get-session").json() is not None


def test_case_62g_electron_origin_header_does_not_override_origin(
    signed_in: AuthClient,
) -> None:
    """Case 62g: ``electron-origin: myapp://callback`` never overrides Origin."""
    r = signed_in.post(
        "/sign-out",
        headers={"origin": "https://evil.test", "electron-origin": "myapp://callback"},
    )
    assert r.status_code == 403 and r.json() == INVALID_ORIGIN
    assert signed_in.get("/get-session").json() is not None


def test_case_62g_electron_origin_alone_is_no_origin(signed_in: AuthClient) -> None:
    """Case 62g: without Origin, ``electron-origin`` does not stand in for one."""
    client = AuthClient(origin=None)
    client.client.cookies = signed_in.cookies
    r = client.post("/sign-out", headers={"electron-origin": "myapp://callback"})
    assert r.status_code == 403 and r.json()["code"] == "MISSING_OR_NULL_ORIGIN"


def test_case_62_custom_scheme_origin_itself_is_trusted(signed_in: AuthClient) -> None:
    """Case 62, counterpart: the exact ``myapp://callback`` origin is trusted."""
    r = signed_in.post("/sign-out", headers={"origin": "myapp://callback"})
    assert r.status_code == 200 and r.json() == {"success": True}


# -- 63. callbackURL against wildcard origins, path-suffix tricks ----------------

WILDCARD_PATTERNS = [
    pytest.param(["*.example.com"], id="no-scheme"),
    pytest.param(["https://*.example.com"], id="https"),
]
CALLBACK_TRICKS = [
    pytest.param("malicious.test?.example.com", id="a-no-scheme"),
    pytest.param("https://evil.test/.example.com", id="b-path-suffix"),
    pytest.param("https://evil.test#.example.com", id="c-fragment-suffix"),
    pytest.param("https://a.example.com.evil.test/", id="d-host-suffix"),
]


@pytest.fixture
def user(db: None) -> None:
    User.objects.create_user("alice@example.test", "alice-password-1", name="Alice")


@pytest.mark.parametrize("patterns", WILDCARD_PATTERNS)
@pytest.mark.parametrize("callback", CALLBACK_TRICKS)
def test_case_63_lookalike_callbacks_are_refused(
    user: None,
    api: AuthClient,
    better_auth_settings: Any,
    patterns: list[str],
    callback: str,
) -> None:
    """Case 63a-d: 403 INVALID_CALLBACK_URL before any session is created.

    The host is parsed, never substring-matched, and a value without a
    scheme can never satisfy a wildcard pattern.
    """
    better_auth_settings(TRUSTED_ORIGINS=patterns)
    r = api.sign_in(callbackURL=callback)
    assert r.status_code == 403 and r.json() == INVALID_CALLBACK_URL
    assert not r.cookies and "Location" not in r


@pytest.mark.parametrize("patterns", WILDCARD_PATTERNS)
def test_case_63e_subdomain_callback_is_allowed(
    user: None, api: AuthClient, better_auth_settings: Any, patterns: list[str]
) -> None:
    """Case 63e: ``https://a.example.com/dashboard`` is trusted by both patterns."""
    better_auth_settings(TRUSTED_ORIGINS=patterns)
    r = api.sign_in(callbackURL="https://a.example.com/dashboard")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["redirect"] is True and body["url"] == "https://a.example.com/dashboard"
    assert r["Location"] == "https://a.example.com/dashboard"


# -- 64. callbackURL open redirect, plain forms ----------------------------------

OPEN_REDIRECTS = [
    pytest.param("https://evil.test/", id="a-absolute"),
    pytest.param("//evil.test/", id="b-protocol-relative"),
    pytest.param("javascript:alert(1)", id="d-javascript"),
]


@pytest.mark.parametrize("callback", OPEN_REDIRECTS)
def test_case_64_sign_in_refuses_open_redirects(
    user: None, api: AuthClient, callback: str
) -> None:
    """Case 64a, b, d on sign-in: 403 INVALID_CALLBACK_URL, no session, no Location."""
    r = api.sign_in(callbackURL=callback)
    assert r.status_code == 403 and r.json() == INVALID_CALLBACK_URL
    assert not r.cookies and "Location" not in r


def test_case_64c_sign_in_accepts_a_relative_path(user: None, api: AuthClient) -> None:
    """Case 64c on sign-in: ``/dashboard?tab=1`` is a safe relative path."""
    r = api.sign_in(callbackURL="/dashboard?tab=1")
    assert r.status_code == 200, r.content
    assert r.json()["redirect"] is True and r.json()["url"] == "/dashboard?tab=1"
    assert r["Location"] == "/dashboard?tab=1"


@pytest.fixture
def sent_links(better_auth_settings: Any) -> list[str]:
    """Verification links sent on sign-up, captured instead of emailed."""
    links: list[str] = []

    def capture(user: Any, url: str, token: str, **_: Any) -> None:
        links.append(url)

    better_auth_settings(
        EMAIL_VERIFICATION={"SEND_ON_SIGN_UP": True, "SEND_VERIFICATION_EMAIL": capture}
    )
    return links


@pytest.mark.parametrize("callback", OPEN_REDIRECTS)
def test_case_64_sign_up_refuses_open_redirects(
    api: AuthClient, sent_links: list[str], callback: str
) -> None:
    """Case 64a, b, d on sign-up: refused before the user or any email link exists."""
    r = api.sign_up(callbackURL=callback)
    assert r.status_code == 403 and r.json() == INVALID_CALLBACK_URL
    assert not User.objects.exists()
    assert sent_links == []


def test_case_64c_sign_up_accepts_a_relative_path(
    api: AuthClient, sent_links: list[str]
) -> None:
    """Case 64c on sign-up: accepted, and the verification link carries it.

    Better Auth builds ``<baseURL>/verify-email?token=…&callbackURL=<enc>``
    from the sign-up ``callbackURL``.
    """
    r = api.sign_up(callbackURL="/dashboard?tab=1")
    assert r.status_code == 200, r.content
    assert len(sent_links) == 1
    assert sent_links[0].endswith("&callbackURL=%2Fdashboard%3Ftab%3D1")
