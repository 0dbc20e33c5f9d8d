"""Redirect URI matching at the authorization endpoint, end to end.

RFC 6749 §3.1.2.3 and RFC 9700 §4.1.3 require exact string comparison;
RFC 8252 §7.3 lets a native app use any port on a loopback IP literal
(``127.0.0.1`` / ``[::1]``), while ``localhost`` gets no exemption
(RFC 8252 §8.3). A URI that does not match is never redirected to
(RFC 6749 §4.1.2.1, §10.6): the server's error page is shown instead, and
no code is stored. Cases A.1, A.2 and A.3 of the public acceptance cases.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.oauth_provider.conftest import ISSUER, NATIVE_REDIRECT, WEB_REDIRECT
from tests.oauth_provider.test_authorize import (
    assert_error_page,
    authorize,
    location,
    single,
    split,
)


@pytest.fixture
def native_app(oauth_client_factory: Any) -> Any:
    """Case A.2: a public native client registered with loopback literals."""
    app, _ = oauth_client_factory(
        client_name="native-app",
        application_type="native",
        token_endpoint_auth_method="none",
        redirect_uris=[NATIVE_REDIRECT, "http://[::1]/callback"],
        skip_consent=True,
    )
    return app


def _no_code_stored() -> bool:
    from oauth2_provider.models import Grant

    return not Grant.objects.exists()


@pytest.mark.parametrize(
    "redirect_uri",
    ["http://127.0.0.1:51004/callback", "http://[::1]:61023/callback"],
)
def test_rfc8252_loopback_ip_literals_accept_any_port(
    signed_in_api: Any, native_app: Any, redirect_uri: str
) -> None:
    """Case A.2(a)(b), RFC 8252 §7.3: the AS MUST allow any port for loopback
    IP redirect URIs; the code goes to the port the app listens on, and the
    code row binds the URI exactly as sent (RFC 6749 §4.1.3)."""
    from oauth2_provider.models import Grant

    url = location(
        authorize(signed_in_api, native_app.client_id, redirect_uri=redirect_uri)
    )
    base, params = split(url)
    assert base == redirect_uri
    assert params["iss"] == [ISSUER] and params["state"] == ["s1"]
    assert Grant.objects.get().redirect_uri == redirect_uri


def test_rfc8252_registered_port_is_not_required(
    signed_in_api: Any, oauth_client_factory: Any
) -> None:
    """RFC 8252 §7.3 (surface §13.19): registered ``:3000``, request ``:4567``."""
    app, _ = oauth_client_factory(
        application_type="native",
        token_endpoint_auth_method="none",
        redirect_uris=["http://127.0.0.1:3000/cb"],
        skip_consent=True,
    )
    url = location(
        authorize(signed_in_api, app.client_id, redirect_uri="http://127.0.0.1:4567/cb")
    )
    assert url.startswith("http://127.0.0.1:4567/cb?code=")


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "http://127.0.0.1:51004/callback/extra",
        "https://127.0.0.1:51004/callback",
        "http://127.0.0.1.evil.test:51004/callback",
        "http://127.0.0.2:51004/callback",
        "http://127.0.0.1:51004/callback?x=1",
        "http://user@127.0.0.1:51004/callback",
    ],
)
def test_rfc8252_only_the_port_may_differ(
    signed_in_api: Any, native_app: Any, redirect_uri: str
) -> None:
    """Case A.2(c)(d)(e), RFC 8252 §7.3: scheme, host literal, path and query
    still compare exactly; no code and no redirect to the supplied URI."""
    url = location(
        authorize(signed_in_api, native_app.client_id, redirect_uri=redirect_uri)
    )
    assert_error_page(url, single(url)["error"])
    assert _no_code_stored()


def test_rfc8252_localhost_gets_no_port_exemption(
    signed_in_api: Any, oauth_client_factory: Any
) -> None:
    """Case A.2(f), RFC 8252 §8.3: ``localhost`` is NOT RECOMMENDED, so only
    the exact registered ``localhost`` URI matches."""
    app, _ = oauth_client_factory(
        application_type="native",
        token_endpoint_auth_method="none",
        redirect_uris=["http://localhost:1234/cb"],
        skip_consent=True,
    )
    url = location(
        authorize(signed_in_api, app.client_id, redirect_uri="http://localhost:5555/cb")
    )
    assert_error_page(url, "invalid_redirect", "invalid redirect uri")
    url = location(
        authorize(signed_in_api, app.client_id, redirect_uri="http://localhost:1234/cb")
    )
    assert url.startswith("http://localhost:1234/cb?code=")


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://app.example.test/cb/",
        "https://APP.example.test/cb",
        "https://app.example.test:443/cb",
        "https://app.example.test/cb?x=1",
    ],
)
def test_rfc6749_redirect_uri_is_compared_exactly(
    signed_in_api: Any, trusted_client: Any, redirect_uri: str
) -> None:
    """Case A.1(a)(b), RFC 6749 §3.1.2.3 / RFC 9700 §4.1.3: a trailing slash,
    another host spelling or port is another URI; as Better Auth compares
    strings, host-case normalisation is not applied either."""
    app, _ = trusted_client
    url = location(authorize(signed_in_api, app.client_id, redirect_uri=redirect_uri))
    assert_error_page(url, "invalid_redirect", "invalid redirect uri")
    assert _no_code_stored()


def test_rfc6749_loopback_without_path_is_not_the_slash_path(
    signed_in_api: Any, oauth_client_factory: Any
) -> None:
    """Case A.1(c): registered ``http://127.0.0.1:8082/``, request
    ``http://127.0.0.1:8082`` (no path) is a different URI."""
    app, _ = oauth_client_factory(
        application_type="native",
        token_endpoint_auth_method="none",
        redirect_uris=["http://127.0.0.1:8082/"],
        skip_consent=True,
    )
    url = location(
        authorize(signed_in_api, app.client_id, redirect_uri="http://127.0.0.1:8082")
    )
    assert_error_page(url, "invalid_redirect")
    assert _no_code_stored()


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://app.example.test@evil.test/cb",
        "https://app.example.test%40x@evil.test/cb",
        "https://app.example.test.evil.test/cb",
        "https://app.example.test/cb/..;/..;/evil",
        "https://app.example.test/cb#frag",
        "https://evil.test/cb",
    ],
)
def test_rfc6749_lookalike_redirect_uris_are_never_redirected(
    signed_in_api: Any, trusted_client: Any, redirect_uri: str
) -> None:
    """Case A.3, RFC 6749 §4.1.2.1 / §10.6, RFC 9700 §4.1.3: userinfo, host
    boundary, path and fragment tricks are refused on the error page; the
    response is never a redirect to anything derived from the bad value."""
    app, _ = trusted_client
    for extra in ({}, {"response_type": None}, {"scope": "admin"}):
        url = location(
            authorize(signed_in_api, app.client_id, redirect_uri=redirect_uri, **extra)
        )
        base, _ = split(url)
        assert base == f"{ISSUER}/error", url
        assert "evil" not in url.split("?", 1)[0]
        assert WEB_REDIRECT not in url
    assert _no_code_stored()


def test_rfc6749_prompt_none_errors_never_reach_a_lookalike(
    api: Any, trusted_client: Any
) -> None:
    """RFC 6749 §4.1.2.1: even ``login_required`` for ``prompt=none`` is only
    delivered to a verified URI."""
    app, _ = trusted_client
    url = location(
        authorize(
            api, app.client_id, prompt="none", redirect_uri="https://evil.test/cb"
        )
    )
    assert_error_page(url, "invalid_redirect")


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "http://127.0.0.1:0/callback",
        "http://127.0.0.1:99999/callback",
        "http://[::1]:65536/callback",
    ],
)
def test_rfc8252_any_port_means_a_port_an_app_can_listen_on(
    signed_in_api: Any, native_app: Any, redirect_uri: str
) -> None:
    """RFC 8252 §7.3 allows any port of the loopback interface; 0 and values
    past 65535 are no TCP port an app can listen on, so nothing is sent
    there."""
    url = location(
        authorize(signed_in_api, native_app.client_id, redirect_uri=redirect_uri)
    )
    assert_error_page(url, single(url)["error"])
    assert _no_code_stored()
