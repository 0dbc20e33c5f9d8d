"""OpenID Connect UserInfo (OIDC Core §5.3) with RFC 6750 bearer transport."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from better_auth import clock
from better_auth.models import Session
from tests.conftest import BASE
from tests.oauth_provider.test_token import (
    assert_no_store,
    issue_code,
    login_tokens,
    pkce_pair,
    post_form,
    redeem,
)

CHALLENGE = 'Bearer error="invalid_token", error_description="Invalid access token"'


@pytest.fixture
def rp(trusted_client: tuple[Any, str], signed_in_api: Any) -> tuple[Any, str, Any]:
    app, secret = trusted_client
    user = signed_in_api.user
    user.name = "RP User"
    user.save(update_fields=["name"])
    return app, secret, user


def _get(token: str | None = None, **headers: str) -> Any:
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    return Client().get(BASE + "/oauth2/userinfo", headers=headers)


def test_userinfo_claims_by_scope(rp: Any) -> None:
    """Transcript A/userinfo: openid profile email, name split, no picture."""
    app, secret, user = rp
    token = login_tokens(app, secret, user)["access_token"]
    response = _get(token)
    assert response.status_code == 200
    assert_no_store(response)
    assert response.json() == {
        "sub": str(user.pk),
        "name": "RP User",
        "given_name": "RP",
        "family_name": "User",
        "email": "alice@example.test",
        "email_verified": False,
    }


def test_openid_only_is_sub_only(rp: Any) -> None:
    """Surface §13.63: ``openid`` alone gives ``sub``."""
    app, secret, user = rp
    token = login_tokens(app, secret, user, scope="openid")["access_token"]
    assert _get(token).json() == {"sub": str(user.pk)}


def test_picture_and_single_word_name(rp: Any) -> None:
    """A one-word name gives neither given nor family name; image is picture."""
    app, secret, user = rp
    user.name, user.image = "Cher", "https://img.example.test/c.png"
    user.save(update_fields=["name", "image"])
    token = login_tokens(app, secret, user, scope="openid profile")["access_token"]
    assert _get(token).json() == {
        "sub": str(user.pk),
        "name": "Cher",
        "picture": "https://img.example.test/c.png",
    }


def test_individually_requested_claim(rp: Any) -> None:
    """OIDC Core §5.5: ``claims.userinfo.email`` without the email scope."""
    app, secret, user = rp
    body = login_tokens(
        app,
        secret,
        user,
        scope="openid",
        claims=json.dumps({"userinfo": {"email": None}}),
        userinfo_claims=["email"],
    )
    assert _get(body["access_token"]).json() == {
        "sub": str(user.pk),
        "email": "alice@example.test",
    }


def test_form_body_transport(rp: Any) -> None:
    """RFC 6750 §2.2: a form-encoded ``access_token`` on POST."""
    app, secret, user = rp
    token = login_tokens(app, secret, user, scope="openid")["access_token"]
    response = post_form("/oauth2/userinfo", {"access_token": token})
    assert response.status_code == 200
    assert response.json() == {"sub": str(user.pk)}
    both = post_form(
        "/oauth2/userinfo",
        {"access_token": token},
        headers={"authorization": f"Bearer {token}"},
    )
    assert both.status_code == 400
    assert both.json()["error"] == "invalid_request"


def test_missing_token(signed_in_api: Any) -> None:
    """Transcripts A/userinfo-no-token and A/userinfo-session-cookie-only.

    A session cookie is not an access token. The 401 names the Bearer
    scheme, without an error code (RFC 6750 §3.1); Better Auth's has no
    challenge.
    """
    expected = {
        "error": "invalid_request",
        "error_description": "access token not found",
    }
    for response in (_get(), signed_in_api.client.get(BASE + "/oauth2/userinfo")):
        assert response.status_code == 401
        assert response.json() == expected
        assert response["WWW-Authenticate"] == "Bearer"
        assert_no_store(response)


def test_bad_token_challenge(db: None) -> None:
    """Transcript A/userinfo-bad-token / RFC 6750 §3.1 challenge."""
    response = _get("not-a-real-token")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == CHALLENGE
    assert response.json() == {
        "error": "invalid_token",
        "error_description": "Invalid access token",
    }
    assert_no_store(response)


def test_expired_revoked_and_signed_out_tokens(rp: Any) -> None:
    """RFC 6750 §3.1: expired, revoked or session-less tokens are invalid_token."""
    app, secret, user = rp
    expiring = login_tokens(app, secret, user)["access_token"]
    clock.advance(3601)
    try:
        assert _get(expiring).status_code == 401
    finally:
        clock.advance(-3601)

    revoked = login_tokens(app, secret, user)["access_token"]
    post_form("/oauth2/revoke", {"token": revoked}, auth=(app.client_id, secret))
    assert _get(revoked)["WWW-Authenticate"] == CHALLENGE

    signed_out = login_tokens(app, secret, user)["access_token"]
    assert _get(signed_out).status_code == 200
    Session.objects.filter(user=user).delete()
    assert _get(signed_out).status_code == 401


def test_token_without_openid_is_invalid_scope(rp: Any) -> None:
    """Surface §7: UserInfo needs the ``openid`` scope (400 invalid_scope)."""
    app, secret, user = rp
    token = login_tokens(app, secret, user, scope="profile")["access_token"]
    response = _get(token)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_client_credentials_token_has_no_user(m2m_client: tuple[Any, str]) -> None:
    """A token without a resource owner has no UserInfo."""
    app, secret = m2m_client
    token = post_form(
        "/oauth2/token",
        {"grant_type": "client_credentials"},
        auth=(app.client_id, secret),
    ).json()["access_token"]
    assert _get(token).status_code == 401


def test_custom_claims_keep_sub(rp: Any, oauth_settings: Any) -> None:
    """Surface §7: the hook may add or override claims, never ``sub``."""
    oauth_settings(
        CUSTOM_USERINFO_CLAIMS=lambda info: {
            "sub": "forged",
            "name": "Override",
            "x": 1,
        }
    )
    app, secret, user = rp
    token = login_tokens(app, secret, user, scope="openid profile")["access_token"]
    assert _get(token).json() == {
        "sub": str(user.pk),
        "name": "Override",
        "given_name": "RP",
        "family_name": "User",
        "x": 1,
    }


def test_other_schemes_are_refused(rp: Any) -> None:
    """RFC 6750 §2.1 Bearer (or a bare token); a DPoP scheme is not served."""
    app, secret, user = rp
    token = login_tokens(app, secret, user, scope="openid")["access_token"]
    assert _get(authorization=token).status_code == 200
    assert _get(authorization=f"Basic {token}").status_code == 401
    assert _get(authorization=f"DPoP {token}").status_code == 401


def test_sessions_in_the_cache_store(
    better_auth_settings: Any, trusted_client: tuple[Any, str], api: Any
) -> None:
    """Surface §6.1 back-stop with sessions kept in secondary storage.

    The token's session is looked up in the cache instead of joined in SQL;
    signing out still makes the token inactive.
    """
    from django.core.cache import cache

    from better_auth.models import User
    from better_auth.storage.sessions import session_store

    cache.clear()
    better_auth_settings(SESSION={"STORAGE": "cache"})
    assert api.sign_up().status_code == 200
    user = User.objects.get(email="alice@example.test")
    session = session_store().list_for_user(str(user.pk), clock.now())[0]
    app, secret = trusted_client
    verifier, challenge = pkce_pair()
    code = issue_code(app, user, session=session, challenge=challenge)
    token = redeem(app, secret, code, verifier).json()["access_token"]
    assert _get(token).status_code == 200
    assert api.post("/sign-out").status_code == 200
    assert _get(token).status_code == 401
