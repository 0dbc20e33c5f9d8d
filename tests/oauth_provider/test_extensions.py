"""The extension surface: a separate app adds a grant type, an authentication
method, discovery fields and claims without changing this app.

RFC 6749 §4.5 (extension grants by absolute URI), §2.3.2 (other client
authentication methods), RFC 8414 §2 (metadata lists what is supported).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from django.conf import settings
from django.test import Client, override_settings

from better_auth_oauth_provider import extensions
from better_auth_oauth_provider.extensions import extend_oauth_provider
from tests.oauth_provider.conftest import ISSUER
from tests.oauth_provider.extension_app.apps import (
    CLIENT_HEADER,
    HEADER_METHOD,
    STATIC_GRANT,
)
from tests.oauth_provider.test_token import assert_no_store, login_tokens, post_form


@pytest.fixture
def extension_app() -> Iterator[None]:
    """The example app installed, so its ``ready()`` registers the extensions."""
    extensions.reset_extensions()
    apps = [*settings.INSTALLED_APPS, "tests.oauth_provider.extension_app"]
    try:
        with override_settings(INSTALLED_APPS=apps):
            yield
    finally:
        extensions.reset_extensions()


@pytest.fixture
def static_client(
    extension_app: None, oauth_client_factory: Any
) -> tuple[Any, str | None]:
    return oauth_client_factory(
        client_name="ext",
        grant_types=[STATIC_GRANT, "client_credentials"],
        response_types=None,
        redirect_uris=None,
        client_credentials_scopes=["read"],
    )


def test_discovery_lists_what_the_extension_added(extension_app: None) -> None:
    """RFC 8414 §2: the grant, the method and the extra fields are advertised."""
    doc = Client().get("/.well-known/oauth-authorization-server/api/auth").json()
    assert STATIC_GRANT in doc["grant_types_supported"]
    assert HEADER_METHOD in doc["token_endpoint_auth_methods_supported"]
    assert doc["example_endpoint"] == f"{ISSUER}/example"
    assert doc["example_supported"] is True


def test_discovery_without_extensions_is_unchanged(db: None) -> None:
    doc = Client().get("/.well-known/oauth-authorization-server/api/auth").json()
    assert "example_endpoint" not in doc
    assert STATIC_GRANT not in doc["grant_types_supported"]


def test_extension_grant_issues_tokens(static_client: tuple[Any, str]) -> None:
    """RFC 6749 §4.5: the token endpoint dispatches the extension grant, with
    client authentication and no-store as for the built-in ones."""
    app, secret = static_client
    response = post_form(
        "/oauth2/token",
        {"grant_type": STATIC_GRANT, "assertion": "let-me-in"},
        auth=(app.client_id, secret),
    )
    assert response.status_code == 200, response.content
    assert_no_store(response)
    assert response.json()["scope"] == "read"


def test_extension_grant_errors_and_duplicate_params(
    static_client: tuple[Any, str],
) -> None:
    """The grant's own errors keep the OAuth envelope; its declared
    parameters obey the no-repetition rule (RFC 6749 §3.2)."""
    app, secret = static_client
    wrong = post_form(
        "/oauth2/token",
        {"grant_type": STATIC_GRANT, "assertion": "nope"},
        auth=(app.client_id, secret),
    )
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    repeated = post_form(
        "/oauth2/token",
        [("grant_type", STATIC_GRANT), ("assertion", "a"), ("assertion", "b")],
        auth=(app.client_id, secret),
    )
    assert repeated.status_code == 400
    assert repeated.json()["error"] == "invalid_request"


def test_extension_grant_needs_the_client_to_allow_it(
    extension_app: None, m2m_client: tuple[Any, str]
) -> None:
    """RFC 6749 §5.2 unauthorized_client: registered grants only."""
    app, secret = m2m_client
    response = post_form(
        "/oauth2/token",
        {"grant_type": STATIC_GRANT, "assertion": "let-me-in"},
        auth=(app.client_id, secret),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unauthorized_client"


def test_unregistered_grant_stays_unsupported(m2m_client: tuple[Any, str]) -> None:
    app, secret = m2m_client
    response = post_form(
        "/oauth2/token",
        {"grant_type": STATIC_GRANT, "assertion": "let-me-in"},
        auth=(app.client_id, secret),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_extension_authentication_method(
    extension_app: None, oauth_client_factory: Any
) -> None:
    """RFC 6749 §2.3.2: a client registered for the extension's method
    authenticates with it, and only a client registered for it does."""
    app, _ = oauth_client_factory(
        client_name="header-client",
        grant_types=["client_credentials"],
        response_types=None,
        redirect_uris=None,
        token_endpoint_auth_method=HEADER_METHOD,
        client_credentials_scopes=["read"],
    )
    ok = post_form(
        "/oauth2/token",
        {"grant_type": "client_credentials"},
        headers={CLIENT_HEADER: app.client_id},
    )
    assert ok.status_code == 200, ok.content

    other, _ = oauth_client_factory(
        client_name="secret-client",
        grant_types=["client_credentials"],
        response_types=None,
        redirect_uris=None,
        client_credentials_scopes=["read"],
    )
    refused = post_form(
        "/oauth2/token",
        {"grant_type": "client_credentials"},
        headers={CLIENT_HEADER: other.client_id},
    )
    # Not through the Authorization header, so 400 (RFC 6749 §5.2).
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_client"


def test_extension_claims_never_replace_protocol_claims(
    extension_app: None, rp: Any
) -> None:
    """OIDC Core §2: the extension adds ``tenant`` but cannot set ``sub``."""
    app, secret, user = rp
    body = login_tokens(app, secret, user)
    claims = jwt.decode(body["id_token"], options={"verify_signature": False})
    assert claims["tenant"] == "acme"
    assert claims["sub"] == str(user.pk)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"grant_types": {"client_credentials": lambda r: {}}},
        {"client_auth_methods": {"client_secret_basic": lambda r: None}},
        {"metadata": {"issuer": "https://evil.example"}},
        {"grant_types": {"urn:x": "not callable"}},
    ],
)
def test_built_ins_cannot_be_replaced(kwargs: dict[str, Any]) -> None:
    """A silent override of a built-in grant, method or field would be a
    security bug, so registration refuses it."""
    extensions.reset_extensions()
    try:
        with pytest.raises(ValueError):
            extend_oauth_provider(**kwargs)
    finally:
        extensions.reset_extensions()


def test_two_apps_cannot_claim_the_same_grant() -> None:
    extensions.reset_extensions()
    try:
        extend_oauth_provider(grant_types={"urn:x:grant": lambda r: {}})
        with pytest.raises(ValueError, match="already defined"):
            extend_oauth_provider(grant_types={"urn:x:grant": lambda r: {}})
    finally:
        extensions.reset_extensions()


def test_extension_userinfo_claims_keep_the_subject(
    extension_app: None, rp: Any
) -> None:
    """OIDC Core §5.3.2: ``sub`` is always the token's subject."""
    app, secret, user = rp
    body = login_tokens(app, secret, user)
    response = Client().get(
        "/api/auth/oauth2/userinfo",
        headers={"authorization": f"Bearer {body['access_token']}"},
    )
    assert response.status_code == 200, response.content
    claims = response.json()
    assert claims["tenant"] == "acme"
    assert claims["sub"] == str(user.pk)


def test_extension_access_token_claims(
    extension_app: None, oauth_settings: Any, m2m_client: tuple[Any, str]
) -> None:
    """RFC 9068 §2.2: extra claims in a JWT access token, reserved ones kept."""
    oauth_settings(
        RESOURCES=["https://api.example.test"], ENFORCE_PER_CLIENT_RESOURCES=False
    )
    app, secret = m2m_client
    response = post_form(
        "/oauth2/token",
        {"grant_type": "client_credentials", "resource": "https://api.example.test"},
        auth=(app.client_id, secret),
    )
    assert response.status_code == 200, response.content
    token = response.json()["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["tenant"] == "acme"
    assert claims["sub"] == app.client_id
