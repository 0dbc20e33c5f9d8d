"""Token revocation (RFC 7009), transcripts A/revoke-* and case A.11.

Where Better Auth answers 400 (unknown token, already revoked token, wrong
hint), RFC 7009 §2.2 is followed: 200 with an empty body. Revocation
responses carry no cache headers, as Better Auth sends them.
"""

from __future__ import annotations

from typing import Any

from tests.oauth_provider.test_token import (
    introspect,
    login_tokens,
    post_form,
    refresh,
)

INACTIVE = {"active": False}


def _revoke(app: Any, secret: str | None, token: str | None, **extra: str) -> Any:
    form = {**({"token": token} if token is not None else {}), **extra}
    return post_form("/oauth2/revoke", form, auth=(app.client_id, secret))


def _assert_empty_200(response: Any) -> None:
    assert response.status_code == 200
    assert response.content == b""
    assert response["Content-Type"] == "application/json"
    assert "Cache-Control" not in response
    assert "Pragma" not in response


def test_revoke_access_token(rp: Any) -> None:
    """Transcript A/revoke-access-token; the refresh token stays usable."""
    app, secret, user = rp
    body = login_tokens(app, secret, user)
    _assert_empty_200(
        _revoke(app, secret, body["access_token"], token_type_hint="access_token")
    )
    assert introspect(app, secret, body["access_token"]).json() == INACTIVE
    assert refresh(app, secret, body["refresh_token"]).status_code == 200


def test_revoke_refresh_token_revokes_its_access_tokens(rp: Any) -> None:
    """RFC 7009 §2.1: revoking a refresh token invalidates its grant's tokens.

    Transcripts A/revoke-refresh-token, A/introspect-revoked-refresh-token.
    """
    app, secret, user = rp
    first = login_tokens(app, secret, user)
    second = refresh(app, secret, first["refresh_token"]).json()
    _assert_empty_200(
        _revoke(app, secret, second["refresh_token"], token_type_hint="refresh_token")
    )
    for token in (
        second["refresh_token"],
        second["access_token"],
        first["access_token"],
    ):
        assert introspect(app, secret, token).json() == INACTIVE
    assert (
        refresh(app, secret, second["refresh_token"]).json()["error"] == "invalid_grant"
    )


def test_unknown_and_already_revoked_tokens_are_200(rp: Any) -> None:
    """Case A.11 (a)(b) / RFC 7009 §2.2 (Better Auth: 400 "token not found")."""
    app, secret, user = rp
    _assert_empty_200(_revoke(app, secret, "never-issued"))
    body = login_tokens(app, secret, user)
    _assert_empty_200(_revoke(app, secret, body["access_token"]))
    _assert_empty_200(_revoke(app, secret, body["access_token"]))
    _assert_empty_200(_revoke(app, secret, body["refresh_token"]))
    _assert_empty_200(_revoke(app, secret, body["refresh_token"]))


def test_other_clients_token_is_left_alone(rp: Any, oauth_client_factory: Any) -> None:
    """Case A.11 (c): indistinguishable from an unknown token; it stays valid."""
    app, secret, user = rp
    other, other_secret = oauth_client_factory(client_name="client-b")
    body = login_tokens(app, secret, user)
    foreign = _revoke(other, other_secret, body["access_token"])
    unknown = _revoke(other, other_secret, "never-issued")
    assert (foreign.status_code, foreign.content) == (
        unknown.status_code,
        unknown.content,
    )
    _assert_empty_200(_revoke(other, other_secret, body["refresh_token"]))
    assert introspect(app, secret, body["access_token"]).json()["active"] is True
    assert introspect(app, secret, body["refresh_token"]).json()["active"] is True


def test_wrong_or_unknown_hint_widens_the_search(rp: Any) -> None:
    """Case A.11 (d)(e) / RFC 7009 §2.1: the hint only orders the search."""
    app, secret, user = rp
    body = login_tokens(app, secret, user)
    _assert_empty_200(
        _revoke(app, secret, body["access_token"], token_type_hint="refresh_token")
    )
    assert introspect(app, secret, body["access_token"]).json() == INACTIVE

    body = login_tokens(app, secret, user)
    _assert_empty_200(
        _revoke(app, secret, body["refresh_token"], token_type_hint="abc")
    )
    assert introspect(app, secret, body["refresh_token"]).json() == INACTIVE
    assert introspect(app, secret, body["access_token"]).json() == INACTIVE


def test_client_authentication_comes_first(rp: Any) -> None:
    """Case A.11 (f) and transcript A/revoke-no-client-auth: 401, no cache headers."""
    app, secret, user = rp
    body = login_tokens(app, secret, user)
    wrong = _revoke(app, "wrong", body["access_token"])
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_client"
    anonymous = post_form("/oauth2/revoke", {"token": body["access_token"]})
    assert anonymous.status_code == 401
    assert anonymous.json() == {
        "error": "invalid_client",
        "error_description": "missing required credentials",
    }
    assert "Cache-Control" not in anonymous
    assert introspect(app, secret, body["access_token"]).json()["active"] is True


def test_missing_token(rp: Any) -> None:
    """Case A.11 (g) / RFC 7009 §2.2.1: 400 invalid_request."""
    app, secret, _ = rp
    response = _revoke(app, secret, None)
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "token is required",
    }
    assert "Cache-Control" not in response


def test_public_client_revokes_with_client_id(
    native_client: tuple[Any, None], signed_in_api: Any
) -> None:
    """RFC 7009 §2.1: a public client identifies itself with ``client_id``."""
    from tests.oauth_provider.conftest import NATIVE_REDIRECT
    from tests.oauth_provider.test_token import issue_code, pkce_pair

    app, _ = native_client
    verifier, challenge = pkce_pair()
    code = issue_code(
        app, signed_in_api.user, challenge=challenge, redirect_uri=NATIVE_REDIRECT
    )
    body = post_form(
        "/oauth2/token",
        {
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": verifier,
            "redirect_uri": NATIVE_REDIRECT,
            "client_id": app.client_id,
        },
    ).json()
    response = post_form(
        "/oauth2/revoke", {"token": body["refresh_token"], "client_id": app.client_id}
    )
    _assert_empty_200(response)
    again = post_form(
        "/oauth2/token",
        {
            "grant_type": "refresh_token",
            "refresh_token": body["refresh_token"],
            "client_id": app.client_id,
        },
    )
    assert again.json()["error"] == "invalid_grant"


def test_json_body_is_refused(rp: Any) -> None:
    """RFC 7009 §2.1: the request is form-encoded."""
    from django.test import Client

    from tests.conftest import BASE

    response = Client().post(
        BASE + "/oauth2/revoke", data='{"token": "x"}', content_type="application/json"
    )
    assert response.status_code == 415
