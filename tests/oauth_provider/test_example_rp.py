"""The demo's example relying party (Authlib) against a live server.

Authlib is a client nobody here wrote: discovery, authorization code + PKCE,
the RFC 9207 ``iss`` check, token exchange, ID token validation against the
JWKS, UserInfo, refresh and revocation all have to work unchanged.
"""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from django.core.management import call_command

from better_auth.api.registry import match

pytest.importorskip("authlib")
pytest.importorskip("joserfc")

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "demo"))
import example_rp  # noqa: E402

# joserfc flags the polymorphic "EdDSA" name (RFC 9864 prefers "Ed25519");
# Better Auth, and therefore this server, advertise "EdDSA".
pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated")

REQUIRED = [
    ("/oauth2/authorize", "GET"),
    ("/oauth2/token", "POST"),
    ("/oauth2/userinfo", "GET"),
]


@pytest.fixture
def live_issuer(live_server: Any, better_auth_settings: Any) -> str:
    better_auth_settings(
        BASE_URL=live_server.url,
        OAUTH_PROVIDER={
            "LOGIN_PAGE": f"{live_server.url}/login",
            "CONSENT_PAGE": f"{live_server.url}/consent",
        },
    )
    return f"{live_server.url}/api/auth"


def test_authlib_signs_in_through_the_provider(live_issuer: str) -> None:
    """The full flow of ``demo/example_rp.py`` with a signed-in browser."""
    missing = [path for path, method in REQUIRED if match(path, method) is None]
    if missing:
        pytest.skip(f"endpoints not served yet: {missing}")
    call_command("seed_demo_client", stdout=io.StringIO())
    origin = live_issuer.removesuffix("/api/auth")
    browser = requests.Session()
    signed = browser.post(
        f"{live_issuer}/sign-up/email",
        json={"email": "rp@example.test", "password": "rp-password-1", "name": "R P"},
        headers={"Origin": origin},
        timeout=10,
    )
    assert signed.status_code == 200, signed.text

    def user_agent(url: str) -> str:
        response = browser.get(url, allow_redirects=False, timeout=10)
        assert response.status_code == 302, response.text
        return response.headers["Location"]

    try:
        seen = example_rp.run_flow(
            live_issuer,
            example_rp.DEFAULT_CLIENT_ID,
            example_rp.DEFAULT_REDIRECT_URI,
            user_agent,
        )
    finally:
        browser.close()
        # The server thread of the last request closes its (shared, in-memory
        # SQLite) connection just after answering; let it finish before the
        # live server's teardown stops sharing the connection.
        time.sleep(0.3)
    assert seen["issuer"] == live_issuer
    assert seen["id_token_claims"]["aud"] == example_rp.DEFAULT_CLIENT_ID
    assert seen["userinfo"]["email"] == "rp@example.test"
    assert seen.get("refreshed") is True
