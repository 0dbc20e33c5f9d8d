"""Fixtures of the OAuth provider tests: clients, a signed-in browser, settings.

Every test here runs with ``OAUTH_PROVIDER`` login and consent pages set
(``LOGIN_PAGE`` / ``CONSENT_PAGE``), as the oracle server is configured, and
with an empty per-process signing-key cache, because the database is rolled
back between tests while the cache would otherwise outlive it.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote_plus

import pytest

from tests.conftest import AuthClient

LOGIN_PAGE = "http://testserver/login"
CONSENT_PAGE = "http://testserver/consent"
ISSUER = "http://testserver/api/auth"
WEB_REDIRECT = "https://app.example.test/cb"
NATIVE_REDIRECT = "http://127.0.0.1/callback"

OAUTH_TEST_SETTINGS: dict[str, Any] = {
    "LOGIN_PAGE": LOGIN_PAGE,
    "CONSENT_PAGE": CONSENT_PAGE,
}


@pytest.fixture(autouse=True)
def _oauth_pages(settings: Any) -> Iterator[None]:
    """Login and consent pages for every test, before any override."""
    current = dict(settings.BETTER_AUTH)
    current["OAUTH_PROVIDER"] = {
        **OAUTH_TEST_SETTINGS,
        **(current.get("OAUTH_PROVIDER") or {}),
    }
    settings.BETTER_AUTH = current
    yield


@pytest.fixture(autouse=True)
def _fresh_signing_keys() -> Iterator[None]:
    from better_auth.keys import reset_cache

    reset_cache()
    yield
    reset_cache()


@pytest.fixture
def oauth_settings(better_auth_settings: Callable[..., None]) -> Callable[..., None]:
    """Override ``OAUTH_PROVIDER`` keys, keeping the test pages."""

    def apply(**overrides: Any) -> None:
        better_auth_settings(OAUTH_PROVIDER={**OAUTH_TEST_SETTINGS, **overrides})

    return apply


@pytest.fixture
def oauth_client_factory(db: None) -> Callable[..., tuple[Any, str | None]]:
    """Create a client from RFC 7591 metadata; returns ``(application, secret)``.

    Defaults describe a confidential web client (``client_secret_basic``,
    authorization code + refresh, redirect ``https://app.example.test/cb``).
    A metadata value of None leaves that member out. Server-owned flags
    (``skip_consent``, ``enable_end_session``,
    ``require_pkce``, ``client_credentials_scopes``, ``owner``, ...) are
    keyword arguments of :func:`create_client` and pass straight through.
    """
    from better_auth_oauth_provider.services.clients import create_client

    server_flags = (
        "owner",
        "reference_id",
        "skip_consent",
        "enable_end_session",
        "require_pkce",
        "client_credentials_scopes",
        "disabled",
        "dynamic",
        "authenticated",
    )

    def make(**metadata: Any) -> tuple[Any, str | None]:
        flags = {k: metadata.pop(k) for k in server_flags if k in metadata}
        body = {
            "client_name": "client-a",
            "redirect_uris": [WEB_REDIRECT],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "client_secret_basic",
            **metadata,
        }
        body = {k: v for k, v in body.items() if v is not None}
        return create_client(body, **flags)

    return make


@pytest.fixture
def web_client(oauth_client_factory: Callable[..., Any]) -> tuple[Any, str]:
    """A confidential web client that needs consent."""
    return oauth_client_factory()


@pytest.fixture
def native_client(oauth_client_factory: Callable[..., Any]) -> tuple[Any, None]:
    """A public native client (``none``) with loopback redirect URIs."""
    return oauth_client_factory(
        client_name="native-app",
        application_type="native",
        token_endpoint_auth_method="none",
        redirect_uris=[NATIVE_REDIRECT, "http://[::1]/callback"],
    )


@pytest.fixture
def trusted_client(oauth_client_factory: Callable[..., Any]) -> tuple[Any, str]:
    """A confidential first-party client that skips consent and may log out."""
    return oauth_client_factory(
        client_name="trusted-rp",
        skip_consent=True,
        enable_end_session=True,
        scope="openid profile email offline_access",
    )


@pytest.fixture
def m2m_client(oauth_client_factory: Callable[..., Any]) -> tuple[Any, str]:
    """A confidential machine client allowed the client_credentials grant."""
    return oauth_client_factory(
        client_name="m2m",
        grant_types=["client_credentials"],
        response_types=None,
        redirect_uris=None,
        client_credentials_scopes=["read", "write"],
    )


@pytest.fixture
def signed_in_api(api: AuthClient) -> AuthClient:
    """A browser-like client signed in as alice@example.test (``.user`` set)."""
    from better_auth.models import User

    response = api.sign_up()
    assert response.status_code == 200, response.content
    api.user = User.objects.get(email="alice@example.test")  # type: ignore[attr-defined]
    return api


@pytest.fixture
def rp(trusted_client: tuple[Any, str], signed_in_api: AuthClient) -> tuple[Any, ...]:
    """``(application, secret, user)``: a first-party client and a signed-in
    user, the relying party of the token tests."""
    app, secret = trusted_client
    return app, secret, signed_in_api.user  # type: ignore[attr-defined]


@pytest.fixture
def staff_api(api_factory: Callable[..., AuthClient], user_factory: Any) -> AuthClient:
    """A signed-in staff member (manages every client by default)."""
    user_factory(email="staff@example.test", password="staff-password-1", is_staff=True)
    client = api_factory()
    response = client.sign_in("staff@example.test", "staff-password-1")
    assert response.status_code == 200, response.content
    return client


def basic_auth(client_id: str, secret: str | None) -> str:
    """``Authorization: Basic`` value, form-encoding both parts (RFC 6749 §2.3.1)."""
    raw = f"{quote_plus(client_id)}:{quote_plus(secret or '')}"
    return "Basic " + base64.b64encode(raw.encode()).decode()


__all__ = [
    "CONSENT_PAGE",
    "ISSUER",
    "LOGIN_PAGE",
    "NATIVE_REDIRECT",
    "OAUTH_TEST_SETTINGS",
    "WEB_REDIRECT",
    "basic_auth",
]
