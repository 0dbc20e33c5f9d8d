"""Token introspection (RFC 7662), transcripts A/introspect-* and case A.12."""

from __future__ import annotations

from typing import Any

import pytest

from better_auth import clock
from better_auth.models import Session
from tests.oauth_provider.conftest import ISSUER
from tests.oauth_provider.test_token import (
    FULL_SCOPE,
    assert_no_store,
    introspect,
    login_tokens,
    post_form,
    refresh,
    session_of,
)

INACTIVE = {"active": False}


def test_access_token(rp: Any) -> None:
    """Transcript A/introspect-access-token: members and their order."""
    app, secret, user = rp
    body = login_tokens(app, secret, user)
    response = introspect(app, secret, body["access_token"])
    assert response.status_code == 200
    assert_no_store(response)
    data = response.json()
    assert list(data) == [
        "active",
        "iss",
        "client_id",
        "azp",
        "sub",
        "sid",
        "exp",
        "iat",
        "scope",
        "token_type",
    ]
    assert data["active"] is True
    assert data["iss"] == ISSUER
    assert data["client_id"] == data["azp"] == app.client_id
    assert data["sub"] == str(user.pk)
    assert data["sid"] == str(session_of(user).id)
    assert data["exp"] == body["expires_at"]
    assert data["scope"] == FULL_SCOPE
    assert data["token_type"] == "Bearer"


def test_refresh_token(rp: Any) -> None:
    """Transcript A/introspect-refresh-token (RFC 7662 §2.2)."""
    app, secret, user = rp
    body = login_tokens(app, secret, user)
    data = introspect(
        app, secret, body["refresh_token"], token_type_hint="refresh_token"
    ).json()
    assert list(data) == [
        "active",
        "client_id",
        "iss",
        "sub",
        "sid",
        "exp",
        "iat",
        "scope",
        "token_type",
    ]
    assert data["active"] is True
    assert data["scope"] == FULL_SCOPE
    assert data["exp"] - data["iat"] in range(2592000 - 2, 2592000 + 2)


def test_client_authentication_is_required(rp: Any) -> None:
    """RFC 7662 §2.1; transcripts A/introspect-no-client-auth and -bad-secret."""
    app, secret, user = rp
    token = login_tokens(app, secret, user)["access_token"]
    anonymous = post_form("/oauth2/introspect", {"token": token})
    assert anonymous.status_code == 401
    assert anonymous.json() == {
        "error": "invalid_client",
        "error_description": "missing required credentials",
    }
    assert_no_store(anonymous)
    bad = introspect(app, "wrong", token)
    assert (bad.status_code, bad["WWW-Authenticate"]) == (401, "Basic")
    public = post_form(
        "/oauth2/introspect", {"token": token, "client_id": app.client_id}
    )
    assert public.status_code in (400, 401)
    assert public.json()["error"] == "invalid_client"


def test_missing_token(rp: Any) -> None:
    """Surface §13.53: 400 "token is required"."""
    app, secret, _ = rp
    response = post_form("/oauth2/introspect", {}, auth=(app.client_id, secret))
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "token is required",
    }


@pytest.mark.parametrize("token", ["garbage", "Bearer x", "a" * 5000, "ey.J.x"])
def test_garbage_is_inactive(rp: Any, token: str) -> None:
    """Transcript A/introspect-garbage: ``{"active": false}`` and nothing else."""
    app, secret, _ = rp
    response = introspect(app, secret, token)
    assert response.status_code == 200
    assert response.json() == INACTIVE


def test_expired_revoked_and_signed_out(rp: Any) -> None:
    """Case A.12 (a)(b)(c): inactive, with no other member (RFC 7662 §2.2).

    No clock-skew leeway keeps an expired token active.
    """
    app, secret, user = rp
    expiring = login_tokens(app, secret, user)["access_token"]
    clock.advance(3601)
    try:
        assert introspect(app, secret, expiring).json() == INACTIVE
    finally:
        clock.advance(-3601)

    revoked = login_tokens(app, secret, user)["access_token"]
    post_form("/oauth2/revoke", {"token": revoked}, auth=(app.client_id, secret))
    assert introspect(app, secret, revoked).json() == INACTIVE

    signed_out = login_tokens(app, secret, user)["access_token"]
    Session.objects.filter(user=user).delete()
    assert introspect(app, secret, signed_out).json() == INACTIVE


def test_refresh_token_outlives_its_access_token(rp: Any) -> None:
    """Case A.12 (d): a usable refresh token stays active after its AT expired."""
    app, secret, user = rp
    body = login_tokens(app, secret, user)
    clock.advance(3601)
    try:
        data = introspect(app, secret, body["refresh_token"]).json()
    finally:
        clock.advance(-3601)
    assert data["active"] is True
    assert {"client_id", "scope", "exp", "sub"} <= set(data)


def test_hint_is_only_a_hint(rp: Any) -> None:
    """Case A.12 (e) / RFC 7662 §2.1: a wrong hint still finds the token.

    Better Auth answers inactive for a wrong hint; the RFC wins here.
    """
    app, secret, user = rp
    body = login_tokens(app, secret, user)
    as_refresh = introspect(
        app, secret, body["access_token"], token_type_hint="refresh_token"
    ).json()
    assert as_refresh["active"] is True and "azp" in as_refresh
    as_access = introspect(
        app, secret, body["refresh_token"], token_type_hint="access_token"
    ).json()
    assert as_access["active"] is True and "azp" not in as_access
    unknown_hint = introspect(app, secret, body["access_token"], token_type_hint="x")
    assert unknown_hint.json()["active"] is True


def test_other_clients_token_is_inactive(rp: Any, oauth_client_factory: Any) -> None:
    """Surface §8: only the issuing client learns about a token."""
    app, secret, user = rp
    other, other_secret = oauth_client_factory(client_name="client-b")
    body = login_tokens(app, secret, user)
    assert introspect(other, other_secret, body["access_token"]).json() == INACTIVE
    assert introspect(other, other_secret, body["refresh_token"]).json() == INACTIVE


def test_bearer_prefix_is_stripped(rp: Any) -> None:
    """Surface §8: a leading ``Bearer `` in ``token`` is ignored."""
    app, secret, user = rp
    token = login_tokens(app, secret, user)["access_token"]
    assert introspect(app, secret, f"Bearer {token}").json()["active"] is True


def test_rotated_refresh_token_is_inactive(rp: Any) -> None:
    """Transcripts A/introspect-refreshed-access-token, -revoked-refresh-token."""
    app, secret, user = rp
    body = login_tokens(app, secret, user)
    rotated = refresh(app, secret, body["refresh_token"]).json()
    assert introspect(app, secret, body["refresh_token"]).json() == INACTIVE
    assert introspect(app, secret, rotated["access_token"]).json()["active"] is True
    assert introspect(app, secret, rotated["refresh_token"]).json()["active"] is True


def test_client_credentials_token(m2m_client: tuple[Any, str]) -> None:
    """A machine token's subject is the client itself; there is no session."""
    app, secret = m2m_client
    token = post_form(
        "/oauth2/token",
        {"grant_type": "client_credentials"},
        auth=(app.client_id, secret),
    ).json()["access_token"]
    data = introspect(app, secret, token).json()
    assert data["active"] is True
    assert data["sub"] == app.client_id
    assert data["scope"] == "read write"
    assert "sid" not in data


def test_custom_access_token_claims(rp: Any, oauth_settings: Any) -> None:
    """Surface §8: hook claims are added, reserved names stripped."""
    oauth_settings(
        CUSTOM_ACCESS_TOKEN_CLAIMS=lambda info: {
            "tenant": "acme",
            "sub": "x",
            "scope": "y",
        }
    )
    app, secret, user = rp
    token = login_tokens(app, secret, user)["access_token"]
    data = introspect(app, secret, token).json()
    assert data["tenant"] == "acme"
    assert data["sub"] == str(user.pk)
    assert data["scope"] == FULL_SCOPE


def test_disabled_client_tokens_are_inactive(rp: Any) -> None:
    """Surface §8: a disabled client's tokens are no longer active anywhere."""
    from better_auth_oauth_provider.models import ClientProfile
    from better_auth_oauth_provider.services.introspection import (
        find_access_token,
        token_is_active,
    )

    app, secret, user = rp
    token = login_tokens(app, secret, user)["access_token"]
    assert token_is_active(find_access_token(token), clock.now())
    ClientProfile.objects.filter(application=app).update(disabled=True)
    assert not token_is_active(find_access_token(token), clock.now())
    assert introspect(app, secret, token).json()["error"] == "invalid_client"
