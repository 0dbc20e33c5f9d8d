"""The token endpoint: RFC 6749 §3.2, §4.1.3, §4.4, §5 as Better Auth shapes it.

Authorization codes are stored here directly as the authorization endpoint
stores them (a DOT ``Grant`` holding the code's SHA-256 digest plus its
``GrantContext``), so these tests do not depend on ``/oauth2/authorize``.
The helpers below are shared by the other token-related test modules.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client

from better_auth import clock
from better_auth.models import Session
from better_auth_oauth_provider.models import GrantContext
from better_auth_oauth_provider.oauth.digests import generate_value, token_digest
from better_auth_oauth_provider.oauth.pkce import s256_challenge
from tests.conftest import BASE
from tests.oauth_provider.conftest import WEB_REDIRECT, basic_auth

FORM = "application/x-www-form-urlencoded"
NS = {"Cache-Control": "no-store", "Pragma": "no-cache"}
FULL_SCOPE = "openid profile email offline_access"


# --- helpers shared with the other token test modules ------------------------


def pkce_pair() -> tuple[str, str]:
    """A fresh RFC 7636 verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    return verifier, s256_challenge(verifier)


def session_of(user: Any) -> Session:
    """The user's newest Better Auth session."""
    return Session.objects.filter(user=user).latest("created_at")


def issue_code(
    app: Any,
    user: Any,
    *,
    session: Session | None = None,
    scope: str = FULL_SCOPE,
    redirect_uri: str = WEB_REDIRECT,
    challenge: str | None = None,
    method: str = "S256",
    nonce: str = "nonce-123",
    claims: str = "",
    userinfo_claims: Iterable[str] = (),
    resources: Iterable[str] = (),
    expires_in: int = 600,
) -> str:
    """Store a code the way ``/oauth2/authorize`` does; returns the raw code."""
    from oauth2_provider.models import get_grant_model

    session = session if session is not None else session_of(user)
    raw = generate_value(32, digits=True)
    grant = get_grant_model().objects.create(
        application=app,
        user=user,
        code=token_digest(raw),
        expires=clock.now() + timedelta(seconds=expires_in),
        redirect_uri=redirect_uri,
        scope=scope,
        nonce=nonce,
        claims=claims,
        code_challenge=challenge or "",
        code_challenge_method=method if challenge else "",
        resource=list(resources),
    )
    GrantContext.objects.create(
        grant=grant,
        session_id=str(session.id),
        auth_time=session.created_at,
        requested_userinfo_claims=list(userinfo_claims),
    )
    return raw


def post_form(
    path: str,
    form: dict[str, Any] | list[tuple[str, str]],
    *,
    auth: tuple[str, str | None] | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    """POST a form as a relying party's back end does (no cookies, no Origin)."""
    extra = dict(headers or {})
    if auth is not None:
        extra["authorization"] = basic_auth(*auth)
    return Client().post(
        BASE + path, data=urlencode(form, doseq=True), content_type=FORM, headers=extra
    )


def redeem(
    app: Any,
    secret: str | None,
    code: str,
    verifier: str | None,
    *,
    redirect_uri: str | None = WEB_REDIRECT,
    **extra: str,
) -> Any:
    """Redeem ``code`` at the token endpoint with client_secret_basic."""
    form = {"grant_type": "authorization_code", "code": code, **extra}
    if verifier is not None:
        form["code_verifier"] = verifier
    if redirect_uri is not None:
        form["redirect_uri"] = redirect_uri
    return post_form("/oauth2/token", form, auth=(app.client_id, secret))


def login_tokens(
    app: Any, secret: str | None, user: Any, scope: str = FULL_SCOPE, **code: Any
) -> dict[str, Any]:
    """A full code exchange; returns the token response body."""
    verifier, challenge = pkce_pair()
    raw = issue_code(app, user, scope=scope, challenge=challenge, **code)
    response = redeem(app, secret, raw, verifier)
    assert response.status_code == 200, response.content
    return response.json()


def refresh(
    app: Any, secret: str | None, token: str, **extra: str
) -> Any:  # pragma: no cover - thin
    return post_form(
        "/oauth2/token",
        {"grant_type": "refresh_token", "refresh_token": token, **extra},
        auth=(app.client_id, secret),
    )


def client_credentials(
    client_id: str,
    secret: str | None,
    *,
    headers: dict[str, str] | None = None,
    **form: str,
) -> Any:
    """client_credentials with ``client_secret_basic`` (RFC 6749 §4.4.2)."""
    return post_form(
        "/oauth2/token",
        {"grant_type": "client_credentials", **form},
        auth=(client_id, secret),
        headers=headers,
    )


def introspect(app: Any, secret: str | None, token: str, **extra: str) -> Any:
    return post_form(
        "/oauth2/introspect", {"token": token, **extra}, auth=(app.client_id, secret)
    )


def assert_no_store(response: Any) -> None:
    for name, value in NS.items():
        assert response[name] == value, name


# --- request shape -----------------------------------------------------------


def test_json_body_is_unsupported_media_type(rp: Any) -> None:
    """A JSON body is 415 before anything else (transcript A/token-json-body)."""
    app, secret, _ = rp
    response = Client().post(
        BASE + "/oauth2/token",
        data=json.dumps({"grant_type": "refresh_token", "refresh_token": "x"}),
        content_type="application/json",
        headers={"authorization": basic_auth(app.client_id, secret)},
    )
    assert response.status_code == 415
    assert response.json() == {
        "message": 'Content-Type "application/json" is not allowed. '
        "Allowed types: application/x-www-form-urlencoded",
        "code": "UNSUPPORTED_MEDIA_TYPE",
    }


def test_empty_body_is_invalid_request_with_no_store(rp: Any) -> None:
    """An empty body is Better Auth's schema error (A/token-missing-grant).

    RFC 6749 §5.1 cache headers are sent on this error too.
    """
    app, secret, _ = rp
    response = post_form("/oauth2/token", {}, auth=(app.client_id, secret))
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "Invalid input: expected object, received undefined",
    }
    assert_no_store(response)


def test_missing_grant_type(rp: Any) -> None:
    """RFC 6749 §5.2 invalid_request "grant_type is required" (surface §13.25)."""
    app, secret, _ = rp
    response = post_form(
        "/oauth2/token", {"scope": "openid"}, auth=(app.client_id, secret)
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "grant_type is required",
    }


def test_unsupported_grant_type(rp: Any) -> None:
    """RFC 6749 §5.2 unsupported_grant_type (transcript A/token-unsupported-grant)."""
    app, secret, _ = rp
    response = post_form(
        "/oauth2/token",
        {"grant_type": "password", "username": "a", "password": "b"},
        auth=(app.client_id, secret),
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "unsupported_grant_type",
        "error_description": "unsupported grant_type password",
    }
    assert_no_store(response)


def test_repeated_parameter_is_refused(rp: Any) -> None:
    """RFC 6749 §3.2: request parameters MUST NOT be included more than once."""
    app, secret, user = rp
    code = issue_code(app, user)
    response = post_form(
        "/oauth2/token",
        [("grant_type", "authorization_code"), ("code", code), ("code", code)],
        auth=(app.client_id, secret),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


# --- authorization_code ------------------------------------------------------


def test_authorization_code_response(rp: Any) -> None:
    """RFC 6749 §5.1 response as Better Auth sends it (A/token-authorization-code).

    Opaque 32-letter tokens, stored only as SHA-256 digests (RFC 9700 §4.14).
    """
    from oauth2_provider.models import AccessToken, RefreshToken

    app, secret, user = rp
    verifier, challenge = pkce_pair()
    code = issue_code(app, user, challenge=challenge)
    before = int(clock.now().timestamp())
    response = redeem(app, secret, code, verifier)
    assert response.status_code == 200, response.content
    assert_no_store(response)
    assert not response.cookies
    body = response.json()
    assert list(body) == [
        "access_token",
        "expires_in",
        "expires_at",
        "token_type",
        "refresh_token",
        "scope",
        "id_token",
    ]
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert before + 3600 <= body["expires_at"] <= before + 3602
    assert body["scope"] == FULL_SCOPE
    for name in ("access_token", "refresh_token"):
        assert len(body[name]) == 32 and body[name].isalpha()
    stored = AccessToken.objects.get()
    assert stored.token == ""
    assert (
        stored.token_checksum
        == hashlib.sha256(body["access_token"].encode()).hexdigest()
    )
    refresh_row = RefreshToken.objects.get()
    assert refresh_row.token == ""
    assert refresh_row.token_checksum == token_digest(body["refresh_token"])
    assert refresh_row.access_token_id == stored.pk


def test_openid_scope_only_gives_no_refresh_token(rp: Any) -> None:
    """Surface §13.26: without offline_access no refresh token is minted."""
    app, secret, user = rp
    body = login_tokens(app, secret, user, scope="openid")
    assert "refresh_token" not in body
    assert body["scope"] == "openid"
    assert "id_token" in body


def test_code_replay_is_refused_and_revokes_first_tokens(rp: Any) -> None:
    """Case A.4 / RFC 6749 §4.1.2, §10.5 (transcript A/token-code-reuse).

    The second redemption is 400 invalid_grant (client authentication
    succeeded, so not 401), and what the first one issued is revoked.
    """
    app, secret, user = rp
    verifier, challenge = pkce_pair()
    code = issue_code(app, user, challenge=challenge)
    first = redeem(app, secret, code, verifier).json()

    second = redeem(app, secret, code, verifier)
    assert second.status_code == 400
    assert second.json() == {
        "error": "invalid_grant",
        "error_description": "invalid code",
    }
    assert_no_store(second)
    assert introspect(app, secret, first["access_token"]).json() == {"active": False}
    again = refresh(app, secret, first["refresh_token"])
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_unknown_and_expired_codes(rp: Any) -> None:
    """RFC 6749 §5.2 invalid_grant for a code that is not (or no longer) valid."""
    app, secret, user = rp
    unknown = redeem(app, secret, generate_value(32, digits=True), None)
    assert unknown.status_code == 400
    assert unknown.json()["error_description"] == "invalid code"

    verifier, challenge = pkce_pair()
    code = issue_code(app, user, challenge=challenge, expires_in=60)
    clock.advance(61)
    try:
        expired = redeem(app, secret, code, verifier)
    finally:
        clock.advance(-61)
    assert expired.status_code == 400
    assert expired.json()["error"] == "invalid_grant"


def test_code_is_bound_to_its_client(rp: Any, oauth_client_factory: Any) -> None:
    """Case A.5 (a): another client's code is invalid_grant and stays usable.

    RFC 6749 §4.1.3: the code must have been issued to the authenticated
    client; the attempt does not consume it.
    """
    app, secret, user = rp
    other, other_secret = oauth_client_factory(client_name="client-b")
    verifier, challenge = pkce_pair()
    code = issue_code(app, user, challenge=challenge)
    stolen = redeem(other, other_secret, code, verifier)
    assert stolen.status_code == 400
    assert stolen.json()["error"] == "invalid_grant"
    assert redeem(app, secret, code, verifier).status_code == 200


def test_redirect_uri_must_match(rp: Any) -> None:
    """Case A.5 (b)(c) / RFC 6749 §4.1.3: redirect_uri identical to authorize.

    A different URI, or none where one was sent, is invalid_grant (the case
    follows §5.2 "does not match the redirection URI"; Better Auth answers
    invalid_request when it is omitted). A failed attempt spends the code.
    """
    app, secret, user = rp
    verifier, challenge = pkce_pair()
    code = issue_code(app, user, challenge=challenge)
    other = redeem(
        app, secret, code, verifier, redirect_uri="https://app.example.test/other"
    )
    assert other.status_code == 400
    assert other.json() == {
        "error": "invalid_grant",
        "error_description": "redirect_uri mismatch",
    }
    assert redeem(app, secret, code, verifier).json()["error"] == "invalid_grant"

    code = issue_code(app, user, challenge=challenge)
    omitted = redeem(app, secret, code, verifier, redirect_uri=None)
    assert omitted.status_code == 400
    assert omitted.json() == {
        "error": "invalid_grant",
        "error_description": "redirect_uri is required",
    }


def test_code_without_redirect_uri_refuses_one(rp: Any) -> None:
    """A code issued without redirect_uri must be redeemed without one."""
    app, secret, user = rp
    verifier, challenge = pkce_pair()
    code = issue_code(app, user, challenge=challenge, redirect_uri="")
    response = redeem(app, secret, code, verifier)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    code = issue_code(app, user, challenge=challenge, redirect_uri="")
    assert redeem(app, secret, code, verifier, redirect_uri=None).status_code == 200


def test_signed_out_session_refuses_code(rp: Any) -> None:
    """Better Auth: a code whose session is gone is "session no longer exists"."""
    app, secret, user = rp
    verifier, challenge = pkce_pair()
    code = issue_code(app, user, challenge=challenge)
    Session.objects.filter(user=user).delete()
    response = redeem(app, secret, code, verifier)
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "session no longer exists",
    }


def test_resource_indicators_narrow_only(rp: Any, oauth_settings: Any) -> None:
    """RFC 8707 §2.2: token-time resources are a subset of the authorized ones."""
    app, secret, user = rp
    api, files = "https://api.example.test", "https://files.example.test"
    oauth_settings(RESOURCES=[api, files], ENFORCE_PER_CLIENT_RESOURCES=False)
    verifier, challenge = pkce_pair()
    code = issue_code(app, user, challenge=challenge, resources=[api, files])
    response = redeem(app, secret, code, verifier, resource=api)
    assert response.status_code == 200, response.content
    body = introspect(app, secret, response.json()["access_token"]).json()
    assert body["aud"] == [api, "http://testserver/api/auth/oauth2/userinfo"]

    code = issue_code(app, user, challenge=challenge, resources=[api])
    outside = redeem(app, secret, code, verifier, resource=files)
    assert outside.status_code == 400
    assert outside.json()["error"] == "invalid_target"


# --- client authentication (case A.9) ----------------------------------------


def test_client_authentication_errors(rp: Any) -> None:
    """Case A.9 / RFC 6749 §2.3, §5.2: the client is checked before the grant.

    Header attempts fail with 401 and ``WWW-Authenticate``; two methods at
    once is 400 invalid_request. A Basic-registered client sending its
    secret in the body is 400 invalid_client, as Better Auth answers
    (transcript A/token-secret-post-for-basic-client).
    """
    app, secret, user = rp
    verifier, challenge = pkce_pair()
    code = issue_code(app, user, challenge=challenge)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "code_verifier": verifier,
        "redirect_uri": WEB_REDIRECT,
    }
    unknown = post_form("/oauth2/token", form, auth=("unknown-client", "x"))
    assert unknown.status_code == 401
    assert unknown.json()["error"] == "invalid_client"
    assert unknown["WWW-Authenticate"] == "Basic"

    wrong = post_form("/oauth2/token", form, auth=(app.client_id, "wrong"))
    assert (wrong.status_code, wrong["WWW-Authenticate"]) == (401, "Basic")
    assert wrong.json() == {
        "error": "invalid_client",
        "error_description": "invalid client_secret",
    }
    assert_no_store(wrong)

    both = post_form(
        "/oauth2/token",
        {**form, "client_id": app.client_id, "client_secret": secret},
        auth=(app.client_id, secret),
    )
    assert (both.status_code, both.json()["error"]) == (400, "invalid_request")

    in_body = post_form(
        "/oauth2/token", {**form, "client_id": app.client_id, "client_secret": secret}
    )
    assert in_body.status_code == 400
    assert in_body.json() == {
        "error": "invalid_client",
        "error_description": "client registered for client_secret_basic "
        "cannot use client_secret_post",
    }

    scheme = post_form(
        "/oauth2/token", form, headers={"authorization": "Token " + "eA=="}
    )
    assert (scheme.status_code, scheme["WWW-Authenticate"]) == (401, "Token")
    # None of these consumed the code.
    assert redeem(app, secret, code, verifier).status_code == 200


# --- client_credentials (RFC 6749 §4.4) --------------------------------------


def test_client_credentials(m2m_client: tuple[Any, str]) -> None:
    """RFC 6749 §4.4.3: an access token only; scopes from the client's ceiling."""
    app, secret = m2m_client
    response = post_form(
        "/oauth2/token",
        {"grant_type": "client_credentials"},
        auth=(app.client_id, secret),
    )
    assert response.status_code == 200, response.content
    assert_no_store(response)
    body = response.json()
    assert list(body) == [
        "access_token",
        "expires_in",
        "expires_at",
        "token_type",
        "scope",
    ]
    assert body["scope"] == "read write"

    narrowed = post_form(
        "/oauth2/token",
        {"grant_type": "client_credentials", "scope": "read"},
        auth=(app.client_id, secret),
    )
    assert narrowed.json()["scope"] == "read"


@pytest.mark.parametrize("scope", ["admin", "openid", "read offline_access"])
def test_client_credentials_scope_outside_ceiling(
    m2m_client: tuple[Any, str], scope: str
) -> None:
    """Surface §13.33: a scope outside the ceiling, or a user scope, is refused."""
    app, secret = m2m_client
    response = post_form(
        "/oauth2/token",
        {"grant_type": "client_credentials", "scope": scope},
        auth=(app.client_id, secret),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_client_credentials_refusals(rp: Any, oauth_client_factory: Any) -> None:
    """Surface §13.32-33: unauthorized_client for clients without the grant."""
    app, secret, _ = rp
    code_only = post_form(
        "/oauth2/token",
        {"grant_type": "client_credentials"},
        auth=(app.client_id, secret),
    )
    assert (code_only.status_code, code_only.json()["error"]) == (
        400,
        "unauthorized_client",
    )
    assert_no_store(code_only)
    empty, empty_secret = oauth_client_factory(
        grant_types=["client_credentials"], response_types=[], redirect_uris=None
    )
    no_ceiling = post_form(
        "/oauth2/token",
        {"grant_type": "client_credentials"},
        auth=(empty.client_id, empty_secret),
    )
    assert no_ceiling.json() == {
        "error": "unauthorized_client",
        "error_description": "client has no authorized client_credentials scopes",
    }
    unknown = post_form(
        "/oauth2/token", {"grant_type": "client_credentials"}, auth=("nobody", "x")
    )
    assert unknown.status_code == 401
    assert_no_store(unknown)


def test_custom_token_response_fields_cannot_override(
    rp: Any, oauth_settings: Any
) -> None:
    """Surface §13.39: extra fields are added, standard ones win."""
    oauth_settings(
        CUSTOM_TOKEN_RESPONSE_FIELDS=lambda info: {
            "token_type": "MAC",
            "access_token": "x",
            "tenant": info["grant_type"],
        }
    )
    app, secret, user = rp
    body = login_tokens(app, secret, user)
    assert body["token_type"] == "Bearer"
    assert len(body["access_token"]) == 32
    assert body["tenant"] == "authorization_code"


# --- cost --------------------------------------------------------------------


# Statements per grant and backend. PostgreSQL: the code or refresh token
# row (joined with its client and context), the single-use UPDATE and one
# statement inserting every new row. SQLite has no INSERT inside a CTE, so
# each of the four new rows (two for client_credentials) is an INSERT.
BUDGET = {
    "postgresql": {
        "authorization_code": 3,
        "refresh_token": 3,
        "client_credentials": 2,
    },
    "sqlite": {"authorization_code": 6, "refresh_token": 6, "client_credentials": 3},
}


def test_query_budget_per_token_request(
    rp: Any, m2m_client: tuple[Any, str], django_assert_max_num_queries: Any
) -> None:
    """At most four SQL statements per token request on PostgreSQL (three for
    a code or a refresh, two for client_credentials), in the steady state.

    The client comes joined with the code or refresh token it presents, so
    no separate client lookup runs. The signing key is cached per process,
    so it is loaded once before measuring.
    """
    from better_auth.keys import get_signing_key

    budget = BUDGET.get(connection.vendor, BUDGET["sqlite"])
    get_signing_key()
    app, secret, user = rp
    verifier, challenge = pkce_pair()
    code = issue_code(app, user, challenge=challenge)
    with django_assert_max_num_queries(budget["authorization_code"]):
        body = redeem(app, secret, code, verifier).json()
    with django_assert_max_num_queries(budget["refresh_token"]):
        rotated = refresh(app, secret, body["refresh_token"])
    assert rotated.status_code == 200
    m2m, m2m_secret = m2m_client
    with django_assert_max_num_queries(budget["client_credentials"]):
        issued = post_form(
            "/oauth2/token",
            {"grant_type": "client_credentials"},
            auth=(m2m.client_id, m2m_secret),
        )
    assert issued.status_code == 200


def test_no_password_kdf_on_the_token_path(
    rp: Any, m2m_client: tuple[Any, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Client secrets are a keyed digest: no PBKDF2, scrypt or Argon2 runs."""
    import argon2
    from django.contrib.auth import hashers

    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a password KDF ran on the token path")

    app, secret, user = rp
    verifier, challenge = pkce_pair()
    code = issue_code(app, user, challenge=challenge)
    for target, name in (
        (hashlib, "pbkdf2_hmac"),
        (hashlib, "scrypt"),
        (argon2.PasswordHasher, "verify"),
        (argon2.PasswordHasher, "hash"),
        (hashers, "check_password"),
        (hashers, "make_password"),
    ):
        monkeypatch.setattr(target, name, forbidden)
    body = redeem(app, secret, code, verifier).json()
    assert refresh(app, secret, body["refresh_token"]).status_code == 200
    m2m, m2m_secret = m2m_client
    assert (
        post_form(
            "/oauth2/token",
            {"grant_type": "client_credentials"},
            auth=(m2m.client_id, m2m_secret),
        ).status_code
        == 200
    )
    assert introspect(app, secret, body["access_token"]).status_code == 200


# --- logs --------------------------------------------------------------------


@pytest.fixture
def every_record(caplog: pytest.LogCaptureFixture) -> Iterator[Any]:
    """Every logger open at DEBUG, non-propagating ones included."""
    caplog.set_level(logging.DEBUG)
    changed = []
    for name in list(logging.root.manager.loggerDict):
        logger = logging.getLogger(name)
        changed.append((logger, logger.level, logger.disabled, logger.propagate))
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
        if not logger.propagate:
            logger.addHandler(caplog.handler)
    yield caplog
    for logger, level, disabled, _ in changed:
        logger.setLevel(level)
        logger.disabled = disabled
        if caplog.handler in logger.handlers:
            logger.removeHandler(caplog.handler)


def test_no_secret_in_logs(
    rp: Any, m2m_client: tuple[Any, str], every_record: Any
) -> None:
    """No client secret, code, verifier or token reaches a log record.

    The flows include failures that log (bad secret, replayed code, reused
    refresh token), where leaks usually happen (STYLE "Logging").
    """
    app, secret, user = rp
    m2m, m2m_secret = m2m_client
    verifier, challenge = pkce_pair()
    code = issue_code(app, user, challenge=challenge)
    body = redeem(app, secret, code, verifier).json()
    redeem(app, secret, code, verifier)
    redeem(app, "wrong-secret-value", code, verifier)
    second_verifier, second_challenge = pkce_pair()
    second_code = issue_code(app, user, challenge=second_challenge)
    redeem(app, secret, second_code, "x" * 50)
    second = login_tokens(app, secret, user)
    rotated = refresh(app, secret, second["refresh_token"]).json()
    refresh(app, secret, second["refresh_token"])
    introspect(app, secret, rotated["access_token"])
    post_form(
        "/oauth2/revoke",
        {"token": rotated["refresh_token"]},
        auth=(app.client_id, secret),
    )
    cc = post_form(
        "/oauth2/token",
        {"grant_type": "client_credentials"},
        auth=(m2m.client_id, m2m_secret),
    ).json()
    Client().get(
        BASE + "/oauth2/userinfo",
        headers={"authorization": "Bearer " + cc["access_token"]},
    )

    secrets_seen = [
        secret,
        m2m_secret,
        code,
        second_code,
        verifier,
        second_verifier,
        body["access_token"],
        body["refresh_token"],
        body["id_token"],
        second["access_token"],
        second["refresh_token"],
        rotated["access_token"],
        rotated["refresh_token"],
        cc["access_token"],
        "wrong-secret-value",
    ]
    assert every_record.records, "the flows log nothing at all"
    for record in every_record.records:
        text = record.getMessage() + repr(record.args) + (record.exc_text or "")
        for value in secrets_seen:
            assert value not in text, (record.name, record.levelname)
