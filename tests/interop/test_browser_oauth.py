"""The demo as the login provider of a relying party, in headless Chromium.

``browser_oauth_flow.mjs`` is an openid-client relying party with a
loopback callback (RFC 8252 §7.3) and a real browser: authorize → the demo
page as ``LOGIN_PAGE`` (it names the client before sign-in) → sign in
through its form (the page sends the signed ``oauth_query``, Better Auth's
client follows ``{redirect, url}``) → the demo's consent page for a client
that is not trusted → Allow → the callback receives the code, which the RP
redeems. A second authorization in the same browser skips both pages.
The URLconf is the demo's own (``demo.urls``), so this is the page a person
sees after ``./scripts/demo``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import NODE_MODULES, FlowResult
from .test_browser_demo import chromium  # noqa: F401 - the fixture

pytestmark = [pytest.mark.interop, pytest.mark.browser, pytest.mark.urls("demo.urls")]

EXPECTED_STEPS = [
    "open-authorization-url",
    "fill-sign-in-form",
    "sign-in-on-login-page",
    "consent-page",
    "allow",
    "token-exchange",
    "second-authorization-skips-login-and-consent",
]
SCOPE = "openid profile email offline_access"


@pytest.fixture
def demo_provider(
    auth_server: str, better_auth_settings: Callable[..., None]
) -> Iterator[str]:
    """The live server configured as demo/settings.py configures the demo."""
    from better_auth.keys import reset_cache

    reset_cache()
    better_auth_settings(
        BASE_URL=auth_server,
        OAUTH_PROVIDER={
            "LOGIN_PAGE": f"{auth_server}/",
            "CONSENT_PAGE": f"{auth_server}/consent/",
            "ALLOW_PUBLIC_CLIENT_PRELOGIN": True,
        },
    )
    yield auth_server
    reset_cache()


def test_demo_consent_page_is_served(demo_provider: str) -> None:
    """The consent page loads the bundle, cannot be framed and is not cached."""
    import requests

    page = requests.get(f"{demo_provider}/consent/?client_id=x", timeout=10)
    assert page.status_code == 200
    assert 'data-page="consent"' in page.text
    assert "/static/demo/auth-client.js" in page.text
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"


def test_relying_party_signs_in_through_the_demo_pages_in_chromium(
    demo_provider: str,
    chromium: str,  # noqa: F811 - the fixture
    run_flow: Callable[..., FlowResult],
    user_factory: Any,
    tmp_path: Path,
) -> None:
    """Authorize → demo login page → sign in → consent → callback with code."""
    from better_auth_oauth_provider.services.clients import create_client

    if not (NODE_MODULES / "openid-client").is_dir():
        pytest.fail(
            "openid-client is not installed; run `npm ci --prefix tests/interop`"
        )
    user_factory(email="browser-rp@example.test", password="browser-rp-password-1")
    app, _ = create_client(
        {
            "client_name": "Example RP",
            "application_type": "native",
            "redirect_uris": ["http://127.0.0.1/callback"],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "none",
            "scope": SCOPE,
        }
    )
    config = tmp_path / "client.json"
    config.write_text(
        json.dumps(
            {
                "client_id": app.client_id,
                "client_name": "Example RP",
                "scope": SCOPE,
                "user": {
                    "email": "browser-rp@example.test",
                    "password": "browser-rp-password-1",
                },
            }
        )
    )
    shots = tmp_path / "screenshots"
    try:
        result = run_flow(
            "browser_oauth_flow.mjs",
            demo_provider,
            str(config),
            str(shots),
            timeout=180,
        )
    finally:
        time.sleep(0.3)

    assert result.returncode == 0, result.report()
    assert [step["step"] for step in result.steps] == EXPECTED_STEPS, result.report()
    summary = result.summary
    assert summary is not None and summary["ok"] is True, result.report()
    pngs = sorted(shots.glob("*.png"))
    assert len(pngs) == len(EXPECTED_STEPS)
    assert all(png.stat().st_size > 1000 for png in pngs)
