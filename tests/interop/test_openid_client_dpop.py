"""openid-client (npm, v6, pinned) using DPoP-bound tokens (RFC 9449).

``oauth_dpop_flow.mjs`` generates an ES256 (or Ed25519) key pair, authorizes with
``dpop_jkt`` (§10), redeems the code and refreshes with proofs (§5),
calls UserInfo with the ``DPoP`` scheme (§7) and checks the refusals: a
bound token on the Bearer scheme, a refresh without a proof or with
another key. With server nonces on (§8, §9; Better Auth has none),
openid-client must retry after ``use_dpop_nonce`` by itself.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .conftest import NODE_MODULES, FlowResult

pytestmark = [pytest.mark.interop]

REDIRECT_URI = "https://rp.example.test/callback"
STEPS = [
    "discovery-advertises-dpop",
    "sign-up",
    "authorize-with-dpop-jkt",
    "code-exchange-with-proof",
    "introspection-shows-cnf",
    "userinfo-with-proof",
    "userinfo-bearer-refused",
    "refresh-with-proof",
    "refresh-without-proof-refused",
    "refresh-with-other-key-refused",
    "userinfo-with-refreshed-token",
]


@pytest.fixture
def fresh_keys() -> Iterator[None]:
    from better_auth.keys import reset_cache

    reset_cache()
    yield
    reset_cache()


@pytest.mark.parametrize(
    ("nonces", "alg"),
    [
        pytest.param(False, "ES256", id="no-nonce"),
        pytest.param(True, "ES256", id="server-nonce"),
        # An Ed25519 key: openid-client names the proof's alg Ed25519, as
        # RFC 9864 §2.2 does.
        pytest.param(False, "Ed25519", id="no-nonce-Ed25519"),
    ],
)
def test_openid_client_dpop_bound_flow(
    auth_server: str,
    better_auth_settings: Callable[..., None],
    run_flow: Callable[..., FlowResult],
    fresh_keys: None,
    tmp_path: Path,
    nonces: bool,
    alg: str,
) -> None:
    """Every step passes with openid-client's own DPoP support."""
    if not (NODE_MODULES / "openid-client").is_dir():
        pytest.fail(
            "openid-client is not installed; run `npm ci --prefix tests/interop`"
        )
    from better_auth_oauth_provider.services.clients import create_client

    better_auth_settings(
        BASE_URL=auth_server,
        OAUTH_PROVIDER={
            "LOGIN_PAGE": f"{auth_server}/login",
            "CONSENT_PAGE": f"{auth_server}/consent",
            "DPOP_REQUIRE_NONCE": nonces,
        },
    )
    app, secret = create_client(
        {
            "client_name": "DPoP RP",
            "redirect_uris": [REDIRECT_URI],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "client_secret_basic",
            "scope": "openid profile email offline_access",
            "dpop_bound_access_tokens": True,
        },
        skip_consent=True,
    )
    run = secrets.token_hex(4)
    config = {
        "client_id": app.client_id,
        "client_secret": secret,
        "redirect_uri": REDIRECT_URI,
        "login_page": f"{auth_server}/login",
        "dpop_alg": alg,
        "user": {
            "email": f"dpop-{run}@example.test",
            "password": f"pw-{secrets.token_urlsafe(12)}",
            "name": "DPoP Client",
        },
    }
    config_file = tmp_path / "client.json"
    config_file.write_text(json.dumps(config))
    try:
        result = run_flow("oauth_dpop_flow.mjs", auth_server, str(config_file))
    finally:
        time.sleep(0.3)
    assert result.returncode == 0, result.report()
    assert [step["step"] for step in result.steps] == STEPS, result.report()
