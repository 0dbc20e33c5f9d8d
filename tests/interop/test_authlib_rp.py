"""Authlib's OAuth 2.0 client as a second, independent relying party.

``tests/oauth_provider/test_example_rp.py`` runs the demo's public client
(``none`` authentication, an already signed-in browser) through
``demo/example_rp.py``. These tests cover what that one does not: the
browser-less login page continuation (``oauth_query`` on sign-in and on
sign-up), the consent page's endpoints and a denied consent, confidential
clients with ``client_secret_basic`` and ``client_secret_post`` (RFC 6749
§2.3.1), ID tokens signed with ES256 as well as EdDSA and checked with
joserfc against ``/jwks`` (signature, ``iss``, ``aud``, ``exp``, ``nonce``,
``at_hash``), introspection (RFC 7662) before and after revocation (RFC
7009), Authlib's own refresh of an expired token, refresh-token replay
(RFC 9700 §4.14.2) and the client credentials grant (RFC 6749 §4.4).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

authlib_client = pytest.importorskip("authlib.integrations.requests_client")
pytest.importorskip("joserfc")

from authlib.integrations.base_client import OAuthError  # noqa: E402
from joserfc import jwt  # noqa: E402
from joserfc.jwk import KeySet  # noqa: E402

OAuth2Session = authlib_client.OAuth2Session

pytestmark = [
    pytest.mark.interop,
    # joserfc flags the polymorphic "EdDSA" name (RFC 9864 prefers
    # "Ed25519"); Better Auth, and therefore this server, advertise "EdDSA".
    pytest.mark.filterwarnings("ignore:EdDSA is deprecated"),
]

REDIRECT_URI = "https://rp.example.test/callback"
SCOPE = "openid profile email offline_access"
TIMEOUT = 10


@pytest.fixture
def fresh_keys() -> Iterator[None]:
    """No signing key cached from a rolled-back test may sign or be published."""
    from better_auth.keys import reset_cache

    reset_cache()
    yield
    reset_cache()


@pytest.fixture
def issuer(
    auth_server: str, better_auth_settings: Callable[..., None], fresh_keys: None
) -> Iterator[str]:
    """The live server as OAuth provider (login and consent pages on it)."""
    better_auth_settings(
        BASE_URL=auth_server,
        OAUTH_PROVIDER={
            "LOGIN_PAGE": f"{auth_server}/login",
            "CONSENT_PAGE": f"{auth_server}/consent",
        },
    )
    yield f"{auth_server}/api/auth"
    # The server thread of the last request closes its (shared, in-memory
    # SQLite) connection just after answering.
    time.sleep(0.3)


def _client(**flags: Any) -> tuple[str, str | None]:
    from better_auth_oauth_provider.services.clients import create_client

    metadata = {
        "client_name": "Authlib RP",
        "redirect_uris": [REDIRECT_URI],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "client_secret_basic",
        "scope": SCOPE,
    }
    for key in ("client_name", "token_endpoint_auth_method", "grant_types"):
        if key in flags:
            metadata[key] = flags.pop(key)
    if metadata["grant_types"] == ["client_credentials"]:
        metadata.pop("redirect_uris")
        metadata.pop("response_types")
        metadata.pop("scope")
    app, secret = create_client(metadata, **flags)
    return app.client_id, secret


def _discover(issuer: str) -> dict[str, Any]:
    response = requests.get(
        f"{issuer}/.well-known/openid-configuration", timeout=TIMEOUT
    )
    assert response.status_code == 200
    metadata = response.json()
    assert metadata["issuer"] == issuer
    return metadata


class Browser:
    """A user agent without a UI: navigations, the login and consent pages'
    scripts (which post the signed ``oauth_query`` back), a cookie jar."""

    def __init__(self, issuer: str) -> None:
        self.issuer = issuer
        self.origin = issuer.removesuffix("/api/auth")
        self.http = requests.Session()

    def navigate(self, url: str) -> str:
        response = self.http.get(
            url, headers={"Accept": "text/html"}, allow_redirects=False, timeout=TIMEOUT
        )
        assert response.status_code == 302, response.text
        return response.headers["Location"]

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.http.post(
            f"{self.issuer}{path}",
            json=body,
            headers={"Origin": self.origin},
            timeout=TIMEOUT,
        )
        assert response.status_code == 200, response.text
        return response.json()

    @staticmethod
    def query_of(url: str) -> str:
        return urlsplit(url).query

    def close(self) -> None:
        self.http.close()


def _params(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _at_hash(access_token: str, alg: str) -> str:
    """OIDC Core §3.1.3.6; EdDSA (Ed25519) pairs with SHA-512."""
    hasher = hashlib.sha512 if alg in ("EdDSA", "ES512", "RS512") else hashlib.sha256
    digest = hasher(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode()


def _verify_id_token(
    token: dict[str, Any],
    metadata: dict[str, Any],
    client_id: str,
    *,
    alg: str,
    nonce: str | None,
) -> dict[str, Any]:
    """OIDC Core §3.1.3.7 with joserfc, keys from ``jwks_uri`` only."""
    jwks = requests.get(metadata["jwks_uri"], timeout=TIMEOUT).json()
    decoded = jwt.decode(
        token["id_token"], KeySet.import_key_set(jwks), algorithms=[alg]
    )
    assert decoded.header["alg"] == alg
    claims = dict(decoded.claims)
    rules: dict[str, Any] = {
        "iss": {"essential": True, "value": metadata["issuer"]},
        "aud": {"essential": True, "value": client_id},
        "sub": {"essential": True},
        "exp": {"essential": True},
        "iat": {"essential": True},
    }
    if nonce is not None:
        rules["nonce"] = {"essential": True, "value": nonce}
    jwt.JWTClaimsRegistry(**rules).validate(claims)
    if nonce is None:
        assert "nonce" not in claims
    assert claims["at_hash"] == _at_hash(token["access_token"], alg)
    assert claims["acr"] == "0"
    return claims


def _authorize(
    rp: Any, metadata: dict[str, Any], browser: Browser, login: Callable[[str], Any]
) -> tuple[str, str, str]:
    """Authorization request through Authlib; returns (callback, verifier, nonce).

    The session keeps the ``state`` it generated, so ``fetch_token`` checks
    the callback's ``state`` against it (RFC 6749 §10.12).
    """
    verifier = secrets.token_urlsafe(48)
    nonce = secrets.token_urlsafe(16)
    url, state = rp.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    rp.state = state
    page = browser.navigate(url)
    callback = login(page)
    return callback, verifier, nonce


def _assert_callback(callback: str, rp: Any, issuer: str) -> None:
    params = _params(callback)
    assert callback.startswith(REDIRECT_URI + "?")
    assert params["state"] == rp.state
    assert params["iss"] == issuer  # RFC 9207 §2; Authlib does not check it
    assert "code" in params, params


def _inactive(rp: Any, metadata: dict[str, Any], token: str, **kw: Any) -> None:
    body = rp.introspect_token(
        metadata["introspection_endpoint"], token=token, **kw
    ).json()
    assert body == {"active": False}


def test_authlib_client_secret_basic_through_the_login_page(issuer: str) -> None:
    """Authlib, a trusted ``client_secret_basic`` client and the login page's
    continuation: code + PKCE S256, EdDSA ID token, UserInfo, introspection,
    refresh with rotation, revocation (RFC 7009) leaving the tokens inactive
    (RFC 7662 §2.2) and the refresh token unusable, and replay of the
    rotated refresh token refused (RFC 9700 §4.14.2)."""
    from better_auth.models import User

    client_id, secret = _client(skip_consent=True)
    metadata = _discover(issuer)
    browser = Browser(issuer)
    browser.post(
        "/sign-up/email",
        {
            "email": "basic@example.test",
            "password": "basic-password-1",
            "name": "Ba Sic",
        },
    )
    browser.http.cookies.clear()

    def login(page: str) -> str:
        assert page.startswith(issuer.removesuffix("/api/auth") + "/login?")
        answer = browser.post(
            "/sign-in/email",
            {
                "email": "basic@example.test",
                "password": "basic-password-1",
                "oauth_query": browser.query_of(page),
            },
        )
        assert answer["redirect"] is True
        return answer["url"]

    with OAuth2Session(
        client_id,
        secret,
        scope=SCOPE,
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    ) as rp:
        callback, verifier, nonce = _authorize(rp, metadata, browser, login)
        _assert_callback(callback, rp, issuer)
        token = rp.fetch_token(
            metadata["token_endpoint"],
            authorization_response=callback,
            code_verifier=verifier,
        )
        assert token["token_type"] == "Bearer"
        assert token["scope"] == SCOPE
        claims = _verify_id_token(token, metadata, client_id, alg="EdDSA", nonce=nonce)
        user = User.objects.get(email="basic@example.test")
        assert claims["sub"] == str(user.pk)

        info = rp.get(metadata["userinfo_endpoint"], timeout=TIMEOUT).json()
        assert info["sub"] == claims["sub"]
        assert info["email"] == "basic@example.test"

        introspection = metadata["introspection_endpoint"]
        active = rp.introspect_token(introspection, token=token["access_token"]).json()
        assert active["active"] is True
        assert active["client_id"] == client_id
        assert active["sub"] == claims["sub"]
        assert active["scope"] == SCOPE
        rt_active = rp.introspect_token(
            introspection, token=token["refresh_token"], token_type_hint="refresh_token"
        ).json()
        assert rt_active["active"] is True

        first_refresh = token["refresh_token"]
        refreshed = rp.refresh_token(
            metadata["token_endpoint"], refresh_token=first_refresh
        )
        assert refreshed["refresh_token"] != first_refresh
        assert refreshed["access_token"] != token["access_token"]
        _verify_id_token(refreshed, metadata, client_id, alg="EdDSA", nonce=None)

        revocation = metadata["revocation_endpoint"]
        revoked = rp.revoke_token(
            revocation, token=refreshed["access_token"], token_type_hint="access_token"
        )
        assert revoked.status_code == 200
        _inactive(rp, metadata, refreshed["access_token"])
        revoked = rp.revoke_token(
            revocation,
            token=refreshed["refresh_token"],
            token_type_hint="refresh_token",
        )
        assert revoked.status_code == 200
        _inactive(
            rp, metadata, refreshed["refresh_token"], token_type_hint="refresh_token"
        )
        with pytest.raises(OAuthError) as refused:
            rp.refresh_token(
                metadata["token_endpoint"], refresh_token=refreshed["refresh_token"]
            )
        assert refused.value.error == "invalid_grant"
        with pytest.raises(OAuthError) as replayed:
            rp.refresh_token(metadata["token_endpoint"], refresh_token=first_refresh)
        assert replayed.value.error == "invalid_grant"
        # An unknown token is not an error (RFC 7009 §2.2).
        assert rp.revoke_token(revocation, token="never-issued").status_code == 200
    browser.close()


def test_authlib_client_secret_post_sign_up_consent_and_auto_refresh(
    issuer: str, better_auth_settings: Callable[..., None]
) -> None:
    """A third-party ``client_secret_post`` client: the sign-up form carries
    the continuation too, the consent page reads the public client info and
    accepts; the ES256 ID token validates; Authlib refreshes an expired
    token on its own before calling UserInfo (``ensure_active_token``)."""
    origin = issuer.removesuffix("/api/auth")
    better_auth_settings(
        BASE_URL=origin,
        OAUTH_PROVIDER={
            "LOGIN_PAGE": f"{origin}/login",
            "CONSENT_PAGE": f"{origin}/consent",
            "SIGNING_ALGORITHM": "ES256",
        },
    )
    client_id, secret = _client(
        client_name="Post RP", token_endpoint_auth_method="client_secret_post"
    )
    metadata = _discover(issuer)
    assert metadata["id_token_signing_alg_values_supported"] == ["ES256"]
    browser = Browser(issuer)

    def sign_up_and_consent(page: str) -> str:
        answer = browser.post(
            "/sign-up/email",
            {
                "email": "post@example.test",
                "password": "post-password-1",
                "name": "Po St",
                "oauth_query": browser.query_of(page),
            },
        )
        assert answer["redirect"] is True
        consent_page = answer["url"]
        assert consent_page.startswith(f"{origin}/consent?")
        shown = browser.http.get(
            f"{issuer}/oauth2/public-client",
            params={"client_id": _params(consent_page)["client_id"]},
            timeout=TIMEOUT,
        )
        assert shown.status_code == 200, shown.text
        assert shown.json()["client_name"] == "Post RP"
        assert _params(consent_page)["scope"] == SCOPE
        accepted = browser.post(
            "/oauth2/consent",
            {"accept": True, "oauth_query": browser.query_of(consent_page)},
        )
        assert accepted["redirect"] is True
        return accepted["url"]

    refreshed: list[dict[str, Any]] = []

    with OAuth2Session(
        client_id,
        secret,
        scope=SCOPE,
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_post",
        token_endpoint=metadata["token_endpoint"],
        update_token=lambda token, **_: refreshed.append(token),
    ) as rp:
        callback, verifier, nonce = _authorize(
            rp, metadata, browser, sign_up_and_consent
        )
        _assert_callback(callback, rp, issuer)
        token = rp.fetch_token(
            metadata["token_endpoint"],
            authorization_response=callback,
            code_verifier=verifier,
        )
        _verify_id_token(token, metadata, client_id, alg="ES256", nonce=nonce)

        # Pretend the access token expired: Authlib refreshes it first.
        rp.token["expires_at"] = int(time.time()) - 120
        info = rp.get(metadata["userinfo_endpoint"], timeout=TIMEOUT)
        assert info.status_code == 200, info.text
        assert info.json()["email"] == "post@example.test"
        assert len(refreshed) == 1
        assert refreshed[0]["refresh_token"] != token["refresh_token"]
        _inactive(rp, metadata, token["refresh_token"], token_type_hint="refresh_token")

        # The consent is remembered: the next authorization skips the page.
        again, _verifier, _nonce = _authorize(rp, metadata, browser, lambda p: p)
        _assert_callback(again, rp, issuer)
    browser.close()


def test_authlib_sees_a_denied_consent(issuer: str, user_factory: Any) -> None:
    """Denying consent sends ``access_denied`` with ``state`` and ``iss``
    (RFC 6749 §4.1.2.1, RFC 9207 §2); Authlib's parser finds no code."""
    user_factory(email="deny@example.test", password="deny-password-1")
    client_id, secret = _client(client_name="Denied RP")
    metadata = _discover(issuer)
    browser = Browser(issuer)

    def sign_in_and_deny(page: str) -> str:
        consent = browser.post(
            "/sign-in/email",
            {
                "email": "deny@example.test",
                "password": "deny-password-1",
                "oauth_query": browser.query_of(page),
            },
        )["url"]
        return browser.post(
            "/oauth2/consent",
            {"accept": False, "oauth_query": browser.query_of(consent)},
        )["url"]

    with OAuth2Session(
        client_id,
        secret,
        scope=SCOPE,
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
    ) as rp:
        callback, verifier, _nonce = _authorize(rp, metadata, browser, sign_in_and_deny)
        params = _params(callback)
        assert params["error"] == "access_denied"
        assert params["state"] == rp.state
        assert params["iss"] == issuer
        assert "code" not in params
        from authlib.oauth2.rfc6749.errors import MissingCodeException
        from authlib.oauth2.rfc6749.parameters import (
            parse_authorization_code_response,
        )

        with pytest.raises(MissingCodeException):
            parse_authorization_code_response(callback, state=rp.state)
    browser.close()


def test_authlib_client_credentials_grant_and_introspection(issuer: str) -> None:
    """RFC 6749 §4.4 through Authlib: a machine token with a narrowed scope
    and no refresh or ID token; introspection shows it, with the client as
    ``sub`` (Better Auth), until it is revoked."""
    client_id, secret = _client(
        client_name="Machine",
        grant_types=["client_credentials"],
        client_credentials_scopes=["read", "write"],
    )
    metadata = _discover(issuer)
    assert "client_credentials" in metadata["grant_types_supported"]
    with OAuth2Session(client_id, secret, scope="read") as rp:
        token = rp.fetch_token(
            metadata["token_endpoint"], grant_type="client_credentials"
        )
        assert token["token_type"] == "Bearer"
        assert token["scope"] == "read"
        assert "refresh_token" not in token
        assert "id_token" not in token
        body = rp.introspect_token(
            metadata["introspection_endpoint"], token=token["access_token"]
        ).json()
        assert body["active"] is True
        assert body["client_id"] == client_id
        assert body["scope"] == "read"
        # Better Auth's machine tokens name the client as the subject.
        assert body["sub"] == client_id
        revoked = rp.revoke_token(
            metadata["revocation_endpoint"], token=token["access_token"]
        )
        assert revoked.status_code == 200
        _inactive(rp, metadata, token["access_token"])
