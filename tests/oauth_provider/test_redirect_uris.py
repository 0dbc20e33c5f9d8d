"""Redirect URI matching (RFC 6749 §3.1.2.3, RFC 8252 §7.3) and registration."""

from __future__ import annotations

import pytest

from better_auth_oauth_provider.errors import InvalidRedirectUri
from better_auth_oauth_provider.oauth.redirect_uris import (
    find_registered,
    is_safe_redirect_target,
    redirect_uri_matches,
    validate_redirect_uri,
)

REGISTERED = "https://app.example.test/cb"


@pytest.mark.parametrize(
    "requested",
    [
        "https://app.example.test/cb/",
        "https://APP.example.test/cb",
        "https://app.example.test/cb?x=1",
        "https://app.example.test:443/cb",
    ],
)
def test_case_a1_redirect_uri_is_compared_exactly(requested: str) -> None:
    """Case A.1(a)(b): a trailing slash or host case is a different URI; Better
    Auth compares strings, so host-case normalisation is not applied either."""
    assert not redirect_uri_matches(requested, REGISTERED)
    assert redirect_uri_matches(REGISTERED, REGISTERED)


def test_case_a1c_loopback_without_path_is_not_the_slash_path() -> None:
    """Case A.1(c): registered ``http://127.0.0.1:8082/`` vs ``…:8082``."""
    assert not redirect_uri_matches("http://127.0.0.1:8082", "http://127.0.0.1:8082/")


@pytest.mark.parametrize(
    ("requested", "accepted"),
    [
        ("http://127.0.0.1:51004/callback", True),
        ("http://[::1]:61023/callback", True),
        ("http://127.0.0.1/callback", True),
        ("http://127.0.0.1:51004/callback/extra", False),
        ("https://127.0.0.1:51004/callback", False),
        ("http://127.0.0.1.evil.test:51004/callback", False),
        ("http://localhost:51004/callback", False),
        ("http://127.0.0.1:51004/callback?x=1", False),
        ("http://127.0.0.1:51004/callback#x", False),
        ("http://user@127.0.0.1:51004/callback", False),
        ("http://127.0.0.2:51004/callback", False),
    ],
)
def test_case_a2_loopback_ports_are_ephemeral(requested: str, accepted: bool) -> None:
    """Case A.2: any port for loopback IP literals (RFC 8252 §7.3); scheme,
    host literal and path still exact; ``localhost`` gets no exemption
    (RFC 8252 §8.3)."""
    registered = ["http://127.0.0.1/callback", "http://[::1]/callback"]
    assert (find_registered(requested, registered) is not None) is accepted


@pytest.mark.parametrize(
    "requested",
    [
        "https://app.example.test@evil.test/cb",
        "https://app.example.test%40x@evil.test/cb",
        "https://app.example.test.evil.test/cb",
        "https://app.example.test/cb/..;/..;/evil",
        "https://app.example.test/cb#frag",
        "https://evil.test/cb",
    ],
)
def test_case_a3_lookalikes_never_match(requested: str) -> None:
    """Case A.3: userinfo, suffix and fragment tricks never match."""
    assert find_registered(requested, [REGISTERED]) is None


@pytest.mark.parametrize(
    ("uri", "safe"),
    [
        ("https://app.example.test/cb", True),
        ("http://127.0.0.1:3000/cb", True),
        ("http://localhost:3000/cb", True),
        ("com.example.app:/cb", True),
        ("http://app.example.test/cb", False),
        ("javascript:alert(1)", False),
        ("data:text/html,hi", False),
        ("vbscript:x", False),
        ("https://app.example.test/cb#x", False),
        ("https://u:p@app.example.test/cb", False),
        ("not a url", False),
        ("/relative", False),
    ],
)
def test_authorize_time_syntax(uri: str, safe: bool) -> None:
    """Better Auth's authorize ``redirect_uri`` schema (surface §1.4)."""
    assert is_safe_redirect_target(uri) is safe


@pytest.mark.parametrize(
    ("uri", "application_type", "message"),
    [
        (
            "http://127.0.0.1:3200/cb",
            "web",
            "web clients require https redirect URIs on non-loopback hosts: "
            "http://127.0.0.1:3200/cb",
        ),
        ("https://localhost/cb", "web", "web clients require https"),
        ("http://app.example.test/cb", "web", "web clients require https"),
        ("http://127.1/cb", "native", "native clients may use http only"),
        ("http://localhost./cb", "native", "native clients may use http only"),
        ("ftp://a.example.com/cb", "native", "native private-use redirect URI"),
        ("com.example.app://cb", "native", "native private-use redirect URI"),
        ("myapp:/cb", "native", "native private-use redirect URI"),
        ("javascript:alert(1)//", "web", "URL cannot use javascript:"),
        ("https://app.example.test/cb#x", "native", "must not contain a fragment"),
        ("https://u:p@app.example.test/cb", "web", "must not include credentials"),
        ("not a url", "web", "Invalid URL"),
    ],
)
def test_registration_policy_refuses(
    uri: str, application_type: str, message: str
) -> None:
    """RFC 7591 §2 / RFC 8252 §7 as Better Auth's checkOAuthClient (§9.3)."""
    with pytest.raises(InvalidRedirectUri) as caught:
        validate_redirect_uri(uri, application_type=application_type)
    assert message in caught.value.description


@pytest.mark.parametrize(
    ("uri", "application_type"),
    [
        ("https://app.example.test/cb", "web"),
        ("https://app.example.test/cb", "native"),
        ("http://localhost:1234/cb", "native"),
        ("http://127.0.0.1/cb", "native"),
        ("http://[::1]:8080/cb", "native"),
        ("com.example.app:/cb", "native"),
    ],
)
def test_registration_policy_accepts(uri: str, application_type: str) -> None:
    validate_redirect_uri(uri, application_type=application_type)
