"""openid-client (npm, v6, pinned) as the relying party of the OAuth provider.

``oauth_rp_flow.mjs`` is a standard OpenID Connect client that nobody here
wrote: discovery, authorization code with PKCE S256 through the
browser-less login (the signed ``oauth_query`` continuation), the consent
page's endpoints, the token exchange with ID-token validation (signature
from ``/jwks``, ``iss``, ``aud``, ``nonce``, ``at_hash``), UserInfo,
introspection, refresh with rotation, revocation, code replay and
RP-initiated logout. Each configuration covers one client authentication
method (RFC 6749 §2.3.1 Basic, body credentials, public ``none``) and one
ID-token signing algorithm (EdDSA, ES256, RS256).
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import NODE_MODULES, FlowResult

pytestmark = [pytest.mark.interop]

REDIRECT_URI = "https://rp.example.test/callback"
LOGGED_OUT_URI = "https://rp.example.test/logged-out"
NATIVE_REDIRECT_URI = "http://127.0.0.1/callback"
SCOPE = "openid profile email offline_access"

CONFIDENTIAL_STEPS = [
    "discovery",
    "sign-up",
    "authorize-redirects-to-login-page",
    "sign-in-with-oauth-query",
    "callback-carries-code-state-iss",
    "token-exchange-with-id-token-validation",
    "userinfo",
    "introspect-access-token",
    "introspect-refresh-token",
    "refresh-rotates",
    "revoke-access-token",
    "revoke-refresh-token",
    "refresh-with-revoked-token-refused",
    "revoke-unknown-token-is-200",
    "code-replay-refused",
    "authorize-with-session",
    "end-session",
]
CONSENT_STEPS = ["consent-page-client-info", "consent-accept"]


def _steps(*, consent: bool, confidential: bool) -> list[str]:
    steps = list(CONFIDENTIAL_STEPS)
    if consent:
        at = steps.index("callback-carries-code-state-iss")
        steps[at:at] = CONSENT_STEPS
    if not confidential:
        steps = [s for s in steps if not s.startswith("introspect-")]
    return steps


@pytest.fixture
def fresh_keys() -> Iterator[None]:
    """No signing key cached from a rolled-back test may sign or be published."""
    from better_auth.keys import reset_cache

    reset_cache()
    yield
    reset_cache()


@pytest.fixture
def provider(
    auth_server: str, better_auth_settings: Callable[..., None], fresh_keys: None
) -> Callable[[str], str]:
    """Configure the live server as the OAuth provider; returns a setter of
    the ID-token signing algorithm that yields the server URL."""

    def configure(alg: str) -> str:
        # Each call starts again from the suite's settings, so BASE_URL is
        # repeated here.
        better_auth_settings(
            BASE_URL=auth_server,
            OAUTH_PROVIDER={
                "LOGIN_PAGE": f"{auth_server}/login",
                "CONSENT_PAGE": f"{auth_server}/consent",
                "SIGNING_ALGORITHM": alg,
            },
        )
        return auth_server

    return configure


def _register(kind: str) -> dict[str, Any]:
    """Create the client with the service function, as an operator would."""
    from better_auth_oauth_provider.services.clients import create_client

    if kind == "trusted-basic":
        app, secret = create_client(
            {
                "client_name": "Trusted RP",
                "redirect_uris": [REDIRECT_URI],
                "post_logout_redirect_uris": [LOGGED_OUT_URI],
                "grant_types": ["authorization_code", "refresh_token"],
                "response_types": ["code"],
                "token_endpoint_auth_method": "client_secret_basic",
                "scope": SCOPE,
            },
            skip_consent=True,
            enable_end_session=True,
        )
        redirect, logged_out = REDIRECT_URI, LOGGED_OUT_URI
    elif kind == "consent-post":
        app, secret = create_client(
            {
                "client_name": "Third-party RP",
                "redirect_uris": [REDIRECT_URI],
                "post_logout_redirect_uris": [LOGGED_OUT_URI],
                "grant_types": ["authorization_code", "refresh_token"],
                "response_types": ["code"],
                "token_endpoint_auth_method": "client_secret_post",
                "scope": SCOPE,
            },
            enable_end_session=True,
        )
        redirect, logged_out = REDIRECT_URI, LOGGED_OUT_URI
    else:
        app, secret = create_client(
            {
                "client_name": "Native RP",
                "application_type": "native",
                "redirect_uris": [NATIVE_REDIRECT_URI],
                "post_logout_redirect_uris": ["http://127.0.0.1/logged-out"],
                "grant_types": ["authorization_code", "refresh_token"],
                "response_types": ["code"],
                "token_endpoint_auth_method": "none",
                "scope": SCOPE,
            },
            enable_end_session=True,
        )
        redirect, logged_out = NATIVE_REDIRECT_URI, "http://127.0.0.1/logged-out"
    method = {
        "trusted-basic": "client_secret_basic",
        "consent-post": "client_secret_post",
    }.get(kind, "none")
    return {
        "client_id": app.client_id,
        "client_secret": secret,
        "auth_method": method,
        "redirect_uri": redirect,
        "post_logout_redirect_uri": logged_out,
        "expect_consent": kind != "trusted-basic",
    }


@pytest.mark.parametrize(
    ("kind", "alg"),
    [
        pytest.param("trusted-basic", "EdDSA", id="trusted-client_secret_basic-EdDSA"),
        pytest.param("consent-post", "ES256", id="consent-client_secret_post-ES256"),
        pytest.param("public-none", "RS256", id="public-none-RS256"),
    ],
)
def test_openid_client_signs_in_and_runs_the_token_lifecycle(
    provider: Callable[[str], str],
    run_flow: Callable[..., FlowResult],
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
    kind: str,
    alg: str,
) -> None:
    """openid-client completes every step against the provider unchanged,
    and neither the client secret nor the password reaches the logs."""
    if not (NODE_MODULES / "openid-client").is_dir():
        pytest.fail(
            "openid-client is not installed; run `npm ci --prefix tests/interop`"
        )
    server = provider(alg)
    config = _register(kind)
    run = secrets.token_hex(4)
    config.update(
        alg=alg,
        login_page=f"{server}/login",
        consent_page=f"{server}/consent",
        user={
            "email": f"oidc-{run}@example.test",
            "password": f"pw-{secrets.token_urlsafe(12)}",
            "name": "Openid Client",
        },
    )
    caplog.set_level(logging.DEBUG)
    try:
        # A file, not an argument: a failure report prints the command line.
        config_file = tmp_path / "client.json"
        config_file.write_text(json.dumps(config))
        result = run_flow("oauth_rp_flow.mjs", server, str(config_file), timeout=120)
    finally:
        # The live server thread may still be closing its (shared, in-memory
        # SQLite) connection after the last answer.
        time.sleep(0.3)

    expected = _steps(
        consent=config["expect_consent"],
        confidential=config["client_secret"] is not None,
    )
    assert result.returncode == 0, result.report()
    assert [step["step"] for step in result.steps] == expected, result.report()
    summary = result.summary
    assert summary is not None and summary["ok"] is True, result.report()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    if config["client_secret"]:
        assert config["client_secret"] not in logged
    assert config["user"]["password"] not in logged
