"""openid-client (npm, v6, pinned) registers a client dynamically, then uses it.

``oauth_registration_flow.mjs`` calls openid-client's
``dynamicClientRegistration()`` (RFC 7591 §3.1) against the live server,
then runs the authorization code flow with PKCE, refresh, introspection and
revocation through the client it registered. Three registrations:

- open registration (``ALLOW_UNAUTHENTICATED_CLIENT_REGISTRATION``) of a
  public native client shaped like the MCP SDK's (loopback redirect,
  ``none``), as MCP clients such as Claude register;
- open registration without ``token_endpoint_auth_method``: the client is
  confidential with the RFC 7591 §2 default ``client_secret_basic`` and
  receives a secret (Better Auth 1.7);
- an RFC 7591 §3 initial access token, accepted by
  ``VALIDATE_INITIAL_ACCESS_TOKEN``, registering a ``client_secret_post``
  client; the token is single use.

Each ends with a registration the server must refuse: ``client_credentials``
without authentication (400 ``invalid_client_metadata``), or the spent
initial access token (401 ``invalid_token``, RFC 6750 §3.1).
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .conftest import NODE_MODULES, FlowResult

pytestmark = [pytest.mark.interop]

SCOPE = "openid profile email offline_access"
WEB_REDIRECT = "https://rp.example.test/callback"
NATIVE_REDIRECT = "http://127.0.0.1/callback"


def _steps(confidential: bool) -> list[str]:
    steps = [
        "discovery-advertises-registration",
        "dynamic-client-registration",
        "sign-up",
        "authorize-redirects-to-login-page",
        "sign-in-with-oauth-query",
        "consent-page-client-info",
        "consent-accept",
        "callback-carries-code-state-iss",
        "token-exchange-with-id-token-validation",
        "introspect-access-token",
        "refresh-rotates",
        "revoke-refresh-token",
        "refresh-with-revoked-token-refused",
        "registration-refused",
    ]
    if not confidential:
        steps.remove("introspect-access-token")
    return steps


def _variant(kind: str, iat: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(OAUTH_PROVIDER settings, flow config) of one registration mode."""
    base = {"ALLOW_DYNAMIC_CLIENT_REGISTRATION": True}
    if kind == "open-native-public":
        metadata = {
            "client_name": "MCP-style native client",
            "redirect_uris": [NATIVE_REDIRECT],
            "application_type": "native",
            "token_endpoint_auth_method": "none",
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
        }
        settings = {**base, "ALLOW_UNAUTHENTICATED_CLIENT_REGISTRATION": True}
        flow = {
            "metadata": metadata,
            "expected_auth_method": "none",
            "redirect_uri": NATIVE_REDIRECT,
            "refused_registration": {
                "metadata": {**metadata, "grant_types": ["client_credentials"]},
                "error": "invalid_client_metadata",
                "status": 400,
            },
        }
    elif kind == "open-web-default-method":
        metadata = {
            "client_name": "Web RP without a method",
            "redirect_uris": [WEB_REDIRECT],
            "grant_types": ["authorization_code", "refresh_token"],
        }
        settings = {**base, "ALLOW_UNAUTHENTICATED_CLIENT_REGISTRATION": True}
        flow = {
            "metadata": metadata,
            "expected_auth_method": "client_secret_basic",
            "redirect_uri": WEB_REDIRECT,
            "refused_registration": {
                "metadata": {
                    "client_name": "machine",
                    "grant_types": ["client_credentials"],
                    "token_endpoint_auth_method": "client_secret_basic",
                },
                "error": "invalid_client_metadata",
                "status": 400,
            },
        }
    else:
        metadata = {
            "client_name": "Provisioned RP",
            "redirect_uris": [WEB_REDIRECT],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "client_secret_post",
        }

        def validate(context: dict[str, Any]) -> Any:
            return context["initial_access_token"] == iat and {}

        settings = {**base, "VALIDATE_INITIAL_ACCESS_TOKEN": validate}
        flow = {
            "metadata": metadata,
            "expected_auth_method": "client_secret_post",
            "initial_access_token": iat,
            "redirect_uri": WEB_REDIRECT,
            "refused_registration": {
                "metadata": metadata,
                "error": "invalid_token",
                "status": 401,
            },
        }
    return settings, flow


@pytest.mark.parametrize(
    "kind", ["open-native-public", "open-web-default-method", "initial-access-token"]
)
def test_openid_client_registers_dynamically_and_signs_in(
    auth_server: str,
    better_auth_settings: Callable[..., None],
    run_flow: Callable[..., FlowResult],
    tmp_path: Path,
    kind: str,
) -> None:
    """RFC 7591 §3.1 / §3.2.1: 201 with the client's metadata; the client
    keeps the method it asked for, a secret only when the method needs one,
    and then works at every endpoint with that method."""
    from better_auth.keys import reset_cache

    if not (NODE_MODULES / "openid-client").is_dir():
        pytest.fail(
            "openid-client is not installed; run `npm ci --prefix tests/interop`"
        )
    iat = secrets.token_urlsafe(24)
    oauth, flow = _variant(kind, iat)
    better_auth_settings(
        BASE_URL=auth_server,
        OAUTH_PROVIDER={
            "LOGIN_PAGE": f"{auth_server}/login",
            "CONSENT_PAGE": f"{auth_server}/consent",
            **oauth,
        },
    )
    reset_cache()
    run = secrets.token_hex(4)
    flow.update(
        scope=SCOPE,
        login_page=f"{auth_server}/login",
        consent_page=f"{auth_server}/consent",
        user={
            "email": f"dcr-{run}@example.test",
            "password": f"pw-{secrets.token_urlsafe(12)}",
            "name": "Registered RP user",
        },
    )
    config_file = tmp_path / "client.json"
    config_file.write_text(json.dumps(flow))
    try:
        result = run_flow("oauth_registration_flow.mjs", auth_server, str(config_file))
    finally:
        time.sleep(0.3)  # let the live server close its connection
        reset_cache()

    confidential = flow["expected_auth_method"] != "none"
    assert result.returncode == 0, result.report()
    assert [s["step"] for s in result.steps] == _steps(confidential), result.report()
    assert result.summary is not None and result.summary["ok"], result.report()

    from better_auth_oauth_provider.services.client_lookup import Application

    registered = Application.objects.get(name=flow["metadata"]["client_name"])
    assert registered.registration_source == Application.RegistrationSource.DCR
