"""Client authentication (RFC 6749 §2.3) with Better Auth's error semantics."""

from __future__ import annotations

import base64
from typing import Any
from unittest import mock
from urllib.parse import urlencode

import pytest
from django.test import RequestFactory

from better_auth_oauth_provider.errors import InvalidClient, InvalidRequest
from better_auth_oauth_provider.oauth.client_auth import (
    authenticate_client,
    check_grant,
    check_scopes,
)
from better_auth_oauth_provider.services.clients import (
    hash_client_secret,
    rotate_secret,
    verify_client_secret,
)

from .conftest import basic_auth

pytestmark = pytest.mark.django_db
FORM = "application/x-www-form-urlencoded"


def token_request(
    fields: list[tuple[str, str]] | None = None, authorization: str | None = None
) -> Any:
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    return RequestFactory().post(
        "/api/auth/oauth2/token",
        data=urlencode(fields or [("grant_type", "client_credentials")]),
        content_type=FORM,
        **headers,
    )


def failure(request: Any, **kwargs: Any) -> Any:
    with pytest.raises((InvalidClient, InvalidRequest)) as caught:
        authenticate_client(request, **kwargs)
    return caught.value


def test_basic_credentials_are_form_decoded(oauth_client_factory: Any) -> None:
    """RFC 6749 §2.3.1: id and secret are form-urlencoded before base64."""
    app, secret = oauth_client_factory()
    result = authenticate_client(
        token_request(authorization=basic_auth(app.client_id, secret))
    )
    assert result.application == app and result.method == "client_secret_basic"
    app.client_secret = hash_client_secret("s3cret:with+plus%and space")
    app.save()
    header = basic_auth(app.client_id, "s3cret:with+plus%and space")
    assert (
        authenticate_client(token_request(authorization=header)).client_id
        == app.client_id
    )
    raw = base64.b64encode(f"{app.client_id}:s3cret:with+plus%and space".encode())
    bad = failure(token_request(authorization=f"Basic {raw.decode()}"))
    assert bad.status == 401


def test_client_secret_post(oauth_client_factory: Any) -> None:
    app, secret = oauth_client_factory(token_endpoint_auth_method="client_secret_post")
    result = authenticate_client(
        token_request([("client_id", app.client_id), ("client_secret", secret)])
    )
    assert result.method == "client_secret_post"


def test_public_client_with_client_id_only(native_client: Any) -> None:
    app, _ = native_client
    result = authenticate_client(token_request([("client_id", app.client_id)]))
    assert result.method == "none" and result.is_public


def test_missing_credentials_is_401_with_a_basic_challenge() -> None:
    """Transcript A/introspect-no-client-auth, with the challenge every 401
    carries (RFC 9110 §15.5.2; Better Auth's has none)."""
    error = failure(token_request([("token", "x")]))
    assert (error.status, error.error, error.description) == (
        401,
        "invalid_client",
        "missing required credentials",
    )
    assert error.headers["WWW-Authenticate"] == "Basic"
    assert error.headers["Cache-Control"] == "no-store"


def test_public_client_refused_where_credentials_are_required(
    native_client: Any,
) -> None:
    """Transcript B/introspect-public-client: 401 "missing required credentials"."""
    app, _ = native_client
    error = failure(
        token_request([("client_id", app.client_id)]), require_credentials=True
    )
    assert error.status == 401 and error.description == "missing required credentials"
    assert error.headers["WWW-Authenticate"] == "Basic"


@pytest.mark.parametrize(
    "header",
    [
        "basic",  # wrong secret
        "unknown",  # unknown client id
        "empty-secret",
    ],
)
def test_case_a9_basic_failures_are_401_with_basic_challenge(
    web_client: Any, header: str
) -> None:
    """Case A.9(a)(b): 401 ``invalid_client`` + ``WWW-Authenticate: Basic``
    (transcript A/token-bad-client-secret), before any grant is looked at."""
    app, _ = web_client
    value = {
        "basic": basic_auth(app.client_id, "wrong"),
        "unknown": basic_auth("unknown-client", "x"),
        "empty-secret": basic_auth(app.client_id, ""),
    }[header]
    error = failure(token_request(authorization=value))
    assert error.status == 401 and error.error == "invalid_client"
    assert error.headers["WWW-Authenticate"] == "Basic"
    if header == "basic":
        assert error.description == "invalid client_secret"


def test_case_a9c_header_and_body_secret_is_invalid_request(web_client: Any) -> None:
    """Case A.9(c): more than one method (RFC 6749 §2.3) → 400 invalid_request."""
    app, secret = web_client
    error = failure(
        token_request(
            [("client_id", app.client_id), ("client_secret", secret)],
            authorization=basic_auth(app.client_id, secret),
        )
    )
    assert (error.status, error.error) == (400, "invalid_request")
    assert (
        error.description == "A request must use only one client authentication method"
    )


def test_case_a9d_method_mismatch(web_client: Any) -> None:
    """Case A.9(d), transcript A/token-secret-post-for-basic-client: 400."""
    app, secret = web_client
    error = failure(
        token_request([("client_id", app.client_id), ("client_secret", secret)])
    )
    assert (error.status, error.error) == (400, "invalid_client")
    assert (
        error.description
        == "client registered for client_secret_basic cannot use client_secret_post"
    )
    assert "WWW-Authenticate" not in error.headers


def test_case_a9e_other_scheme(web_client: Any) -> None:
    """Case A.9(e): ``Authorization: Token …`` → 401 with that scheme."""
    app, secret = web_client
    raw = base64.b64encode(f"{app.client_id}:{secret}".encode()).decode()
    error = failure(token_request(authorization=f"Token {raw}"))
    assert error.status == 401 and error.headers["WWW-Authenticate"] == "Token"


def test_malformed_basic_header(web_client: Any) -> None:
    for value in (
        "Basic !!!notbase64",
        "Basic " + base64.b64encode(b"nocolon").decode(),
        "Basic",
    ):
        error = failure(token_request(authorization=value))
        assert error.status == 401 and error.headers["WWW-Authenticate"] == "Basic"


@pytest.mark.parametrize("name", ["client_id", "client_secret"])
def test_repeated_credentials_are_invalid_request(web_client: Any, name: str) -> None:
    """Scenario 36, RFC 6749 §3.2: no parameter more than once."""
    app, secret = web_client
    fields = [("client_id", app.client_id), ("client_secret", secret), (name, "again")]
    error = failure(token_request(fields))
    assert (error.status, error.error) == (400, "invalid_request")


def test_empty_repeat_counts_as_omitted(native_client: Any) -> None:
    app, _ = native_client
    fields = [("client_id", app.client_id), ("client_id", "")]
    assert authenticate_client(token_request(fields)).client_id == app.client_id


def test_public_client_sending_a_secret(native_client: Any) -> None:
    app, _ = native_client
    error = failure(
        token_request([("client_id", app.client_id), ("client_secret", "x")])
    )
    assert error.error == "invalid_client"
    assert "registered for none" in error.description


def test_confidential_client_without_secret(web_client: Any) -> None:
    app, _ = web_client
    error = failure(token_request([("client_id", app.client_id)]))
    assert error.error == "invalid_client" and error.status == 400


def test_disabled_client(web_client: Any) -> None:
    app, secret = web_client
    app.better_auth_profile.disabled = True
    app.better_auth_profile.save()
    error = failure(token_request(authorization=basic_auth(app.client_id, secret)))
    assert error.description == "client is disabled" and error.status == 401


def test_expired_secret(web_client: Any) -> None:
    app, secret = web_client
    app.better_auth_profile.client_secret_expires_at = 1
    app.better_auth_profile.save()
    error = failure(token_request(authorization=basic_auth(app.client_id, secret)))
    assert error.description == "client_secret has expired"


def test_assertions_are_not_supported(web_client: Any) -> None:
    app, _ = web_client
    error = failure(
        token_request(
            [
                ("client_id", app.client_id),
                ("client_assertion", "a.b.c"),
                (
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                ),
            ]
        )
    )
    assert error.error == "invalid_client"


def test_secret_is_a_keyed_digest_never_a_password_kdf(web_client: Any) -> None:
    """Client secrets are high-entropy: stored as HMAC-SHA256, verified
    without Django's password hashers (no KDF on the token path)."""
    app, secret = web_client
    assert app.client_secret.startswith("v1$") and secret not in app.client_secret
    with (
        mock.patch("django.contrib.auth.hashers.check_password") as check,
        mock.patch("django.contrib.auth.hashers.make_password") as make,
    ):
        assert verify_client_secret(app, secret)
        authenticate_client(
            token_request(authorization=basic_auth(app.client_id, secret))
        )
    check.assert_not_called()
    make.assert_not_called()
    app.refresh_from_db()
    assert app.client_secret.startswith("v1$")


def test_secret_verifies_after_auth_secret_rotation(
    web_client: Any, better_auth_settings: Any, settings: Any
) -> None:
    app, secret = web_client
    old = settings.BETTER_AUTH["SECRET"]
    better_auth_settings(
        SECRET="rotated-auth-secret-0123456789-abcdefghijklmnop",
        PREVIOUS_SECRETS=[old],
    )
    assert verify_client_secret(app, secret)
    better_auth_settings(SECRET="rotated-auth-secret-0123456789-abcdefghijklmnop")
    assert not verify_client_secret(app, secret)


def test_rotated_secret_replaces_the_old_one(web_client: Any) -> None:
    app, secret = web_client
    new = rotate_secret(app)
    assert new != secret
    assert verify_client_secret(app, new) and not verify_client_secret(app, secret)


def test_dot_hashed_secret_is_refused_not_kdf_checked(web_client: Any) -> None:
    """A secret hashed by django-oauth-toolkit's own admin is not verified with
    a password KDF on the token path; the client must rotate it."""
    from django.contrib.auth.hashers import make_password

    app, _ = web_client
    app.client_secret = make_password("plain-secret")
    assert not verify_client_secret(app, "plain-secret")


def test_grant_and_scope_helpers(web_client: Any, m2m_client: Any) -> None:
    from better_auth_oauth_provider.errors import InvalidScope, UnauthorizedClient

    app, secret = web_client
    client = authenticate_client(
        token_request(authorization=basic_auth(app.client_id, secret))
    )
    check_grant(client, "authorization_code")
    check_grant(client, "refresh_token")
    with pytest.raises(UnauthorizedClient):
        check_grant(client, "client_credentials")
    with pytest.raises(InvalidScope) as caught:
        check_scopes(["openid"], ["openid", "a", "b"])
    assert caught.value.description == "The following scopes are invalid: a, b"
