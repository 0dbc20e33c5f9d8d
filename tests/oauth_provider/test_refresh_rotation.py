"""Refresh-token rotation (RFC 6749 §6, RFC 9700 §4.14.2, OAuth 2.1 §4.3.1).

Every use rotates the token. Reusing a rotated one removes its whole
family (one authorization's lineage). With ``REFRESH_TOKEN_RETRY_WINDOW``
the same response is replayed to a client that lost it (Better Auth's
``refreshTokenReuseInterval``, surface §10).
"""

from __future__ import annotations

from typing import Any

from better_auth import clock
from tests.oauth_provider.test_token import (
    FULL_SCOPE,
    assert_no_store,
    introspect,
    login_tokens,
    refresh,
)

INACTIVE = {"active": False}
GRANTED = "openid profile offline_access"


def test_rotation(rp: Any) -> None:
    """Transcript A/token-refresh: new access and refresh tokens, old one spent."""
    from oauth2_provider.models import RefreshToken

    app, secret, user = rp
    first = login_tokens(app, secret, user)
    response = refresh(app, secret, first["refresh_token"])
    assert response.status_code == 200, response.content
    assert_no_store(response)
    second = response.json()
    assert list(second) == [
        "access_token",
        "expires_in",
        "expires_at",
        "token_type",
        "refresh_token",
        "scope",
        "id_token",
    ]
    assert second["scope"] == FULL_SCOPE
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    rows = RefreshToken.objects.order_by("pk")
    assert rows[0].revoked is not None and rows[1].revoked is None
    assert rows[0].token_family == rows[1].token_family
    # The earlier access token is not revoked by rotation (RFC 6749 §6).
    assert introspect(app, secret, first["access_token"]).json()["active"] is True


def test_reuse_removes_the_family(rp: Any) -> None:
    """Surface §13.42 / RFC 9700 §4.14.2: a reused token kills its lineage.

    Transcripts A/token-refresh-with-revoked and A/token-refresh-reuse-old:
    the reused token is "invalid refresh token", and the family being gone,
    its members are then unknown ("session not found").
    """
    app, secret, user = rp
    first = login_tokens(app, secret, user)
    second = refresh(app, secret, first["refresh_token"]).json()
    reuse = refresh(app, secret, first["refresh_token"])
    assert reuse.status_code == 400
    assert reuse.json() == {
        "error": "invalid_grant",
        "error_description": "invalid refresh token",
    }
    assert_no_store(reuse)
    child = refresh(app, secret, second["refresh_token"])
    assert child.json() == {
        "error": "invalid_grant",
        "error_description": "session not found",
    }
    assert introspect(app, secret, second["access_token"]).json() == INACTIVE


def test_family_is_one_lineage(rp: Any) -> None:
    """Surface §14: another sign-in of the same user to the client survives."""
    app, secret, user = rp
    first = login_tokens(app, secret, user)
    other = login_tokens(app, secret, user)
    refresh(app, secret, first["refresh_token"])
    refresh(app, secret, first["refresh_token"])
    assert refresh(app, secret, other["refresh_token"]).status_code == 200


def test_scope_may_narrow_but_not_widen(rp: Any) -> None:
    """Case A.8 / RFC 6749 §6: no scope not originally granted.

    (a) a wider scope is invalid_scope; (b) a narrower one gives an access
    token with only that scope; (c) no scope means the original one.
    """
    app, secret, user = rp
    body = login_tokens(app, secret, user, scope=GRANTED)

    wider = refresh(app, secret, body["refresh_token"], scope=FULL_SCOPE)
    assert wider.status_code == 400
    assert wider.json() == {
        "error": "invalid_scope",
        "error_description": "unable to issue scope email",
    }

    same = refresh(app, secret, body["refresh_token"]).json()
    assert same["scope"] == GRANTED

    narrowed = refresh(
        app, secret, same["refresh_token"], scope="openid offline_access"
    )
    assert narrowed.status_code == 200
    assert narrowed.json()["scope"] == "openid offline_access"
    token = narrowed.json()["access_token"]
    assert introspect(app, secret, token).json()["scope"] == "openid offline_access"


def test_narrowed_refresh_keeps_the_grant_scope(rp: Any) -> None:
    """Case A.8 (b) / RFC 6749 §6: the refresh token issued by a narrowing
    refresh keeps the scope of the grant, so the next refresh without
    ``scope`` gets the whole grant back and may name any scope of it, but
    still none beyond it. The new refresh token introspects with the grant
    scope, its access token with the narrowed one (RFC 7662 §2.2)."""
    from better_auth_oauth_provider.models import RefreshTokenContext

    app, secret, user = rp
    body = login_tokens(app, secret, user, scope=GRANTED)
    narrowed = refresh(app, secret, body["refresh_token"], scope="openid")
    assert narrowed.status_code == 200, narrowed.content
    assert narrowed.json()["scope"] == "openid"
    access, rotated = narrowed.json()["access_token"], narrowed.json()["refresh_token"]
    assert introspect(app, secret, access).json()["scope"] == "openid"
    assert introspect(app, secret, rotated).json()["scope"] == GRANTED
    assert set(RefreshTokenContext.objects.values_list("scope", flat=True)) == {GRANTED}

    again = refresh(app, secret, rotated)
    assert again.status_code == 200, again.content
    assert again.json()["scope"] == GRANTED
    profile = refresh(app, secret, again.json()["refresh_token"], scope="profile")
    assert profile.status_code == 200, profile.content
    assert profile.json()["scope"] == "profile"
    wider = refresh(app, secret, profile.json()["refresh_token"], scope="email")
    assert wider.json() == {
        "error": "invalid_scope",
        "error_description": "unable to issue scope email",
    }


def test_other_clients_refresh_token(rp: Any, oauth_client_factory: Any) -> None:
    """Case A.5 (d) / RFC 6749 §6: a cross-client refresh is invalid_grant."""
    app, secret, user = rp
    other, other_secret = oauth_client_factory(client_name="client-b")
    body = login_tokens(app, secret, user)
    response = refresh(other, other_secret, body["refresh_token"])
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": "invalid refresh token",
    }
    assert refresh(app, secret, body["refresh_token"]).status_code == 200


def test_lookup_precedes_client_authentication(rp: Any) -> None:
    """Transcript A/token-bad-client-secret-refresh-grant.

    An unknown refresh token is "session not found" even with a bad
    secret; a known one with a bad secret is 401 invalid_client, and does
    not spend the token.
    """
    app, secret, user = rp
    unknown = refresh(app, "wrong", "x" * 32)
    assert unknown.status_code == 400
    assert unknown.json() == {
        "error": "invalid_grant",
        "error_description": "session not found",
    }
    body = login_tokens(app, secret, user)
    bad = refresh(app, "wrong", body["refresh_token"])
    assert (bad.status_code, bad.json()["error"]) == (401, "invalid_client")
    assert refresh(app, secret, body["refresh_token"]).status_code == 200


def test_missing_refresh_token(rp: Any) -> None:
    """Surface §13.41: invalid_request without a refresh token."""
    from tests.oauth_provider.test_token import post_form

    app, secret, _ = rp
    response = post_form(
        "/oauth2/token", {"grant_type": "refresh_token"}, auth=(app.client_id, secret)
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_expired_refresh_token(rp: Any, oauth_settings: Any) -> None:
    """RFC 6749 §5.2: an expired refresh token is invalid_grant."""
    oauth_settings(REFRESH_TOKEN_EXPIRES_IN=60)
    app, secret, user = rp
    body = login_tokens(app, secret, user)
    clock.advance(61)
    try:
        response = refresh(app, secret, body["refresh_token"])
    finally:
        clock.advance(-61)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_retry_window_replays_the_response(rp: Any, oauth_settings: Any) -> None:
    """Surface §13.43: inside the window the same response comes back.

    ``expires_in`` is recomputed; reordered scopes still match; another
    ``resource`` is refused without tearing the family down.
    """
    oauth_settings(REFRESH_TOKEN_RETRY_WINDOW=30)
    app, secret, user = rp
    body = login_tokens(app, secret, user)
    first = refresh(app, secret, body["refresh_token"]).json()
    clock.advance(5)
    try:
        again = refresh(app, secret, body["refresh_token"]).json()
        reordered = refresh(
            app,
            secret,
            body["refresh_token"],
            scope="offline_access email profile openid",
        ).json()
        other = refresh(
            app, secret, body["refresh_token"], resource="https://api.example.test"
        )
    finally:
        clock.advance(-5)
    for name in ("access_token", "refresh_token", "expires_at", "id_token", "scope"):
        assert again[name] == first[name]
        assert reordered[name] == first[name]
    assert again["expires_in"] <= first["expires_in"] - 4
    assert other.status_code == 400
    assert other.json()["error"] == "invalid_grant"
    assert refresh(app, secret, first["refresh_token"]).status_code == 200


def test_retry_window_elapsed(rp: Any, oauth_settings: Any) -> None:
    """Surface §13.44: after the window, reuse removes the family."""
    oauth_settings(REFRESH_TOKEN_RETRY_WINDOW=30)
    app, secret, user = rp
    body = login_tokens(app, secret, user)
    first = refresh(app, secret, body["refresh_token"]).json()
    clock.advance(31)
    try:
        late = refresh(app, secret, body["refresh_token"])
        child = refresh(app, secret, first["refresh_token"])
    finally:
        clock.advance(-31)
    assert late.json()["error"] == "invalid_grant"
    assert child.json()["error"] == "invalid_grant"


def test_replay_record_is_encrypted(rp: Any, oauth_settings: Any) -> None:
    """The stored replay response holds tokens, so it is encrypted at rest."""
    from better_auth_oauth_provider.models import RefreshTokenContext

    oauth_settings(REFRESH_TOKEN_RETRY_WINDOW=30)
    app, secret, user = rp
    body = login_tokens(app, secret, user)
    rotated = refresh(app, secret, body["refresh_token"]).json()
    record = RefreshTokenContext.objects.exclude(replay_response="").get()
    assert record.replay_response.startswith("v1:")
    assert rotated["access_token"] not in record.replay_response


def test_refresh_after_sign_out_detaches_the_session(rp: Any) -> None:
    """Surface §6.1: an offline_access grant outlives the session it began in.

    New tokens no longer name the ended session, so they are active.
    """
    from better_auth.models import Session

    app, secret, user = rp
    body = login_tokens(app, secret, user)
    Session.objects.filter(user=user).delete()
    assert introspect(app, secret, body["access_token"]).json() == INACTIVE
    rotated = refresh(app, secret, body["refresh_token"]).json()
    data = introspect(app, secret, rotated["access_token"]).json()
    assert data["active"] is True
    assert "sid" not in data
