"""The demo's generic OpenID provider from environment variables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _demo_generic_oauth(env: dict[str, str]) -> object:
    script = (
        "import json, demo.settings as s; "
        "print(json.dumps(s.BETTER_AUTH.get('GENERIC_OAUTH')))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DEMO_OIDC_")}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_demo_settings_read_the_provider_from_the_environment():
    assert _demo_generic_oauth({}) is None
    entries = _demo_generic_oauth(
        {
            "DEMO_OIDC_DISCOVERY_URL": "https://id.example.test/.well-known/openid-configuration",
            "DEMO_OIDC_CLIENT_ID": "demo-client",
            "DEMO_OIDC_CLIENT_SECRET": "demo-secret",
            "DEMO_OIDC_PROVIDER_ID": "corp",
            "DEMO_OIDC_NAME": "Corp ID",
        }
    )
    assert entries == [
        {
            "PROVIDER_ID": "corp",
            "NAME": "Corp ID",
            "DISCOVERY_URL": "https://id.example.test/.well-known/openid-configuration",
            "CLIENT_ID": "demo-client",
            "CLIENT_SECRET": "demo-secret",
            "SCOPES": ["openid", "email", "profile"],
        }
    ]


@pytest.mark.django_db
def test_demo_page_shows_a_button_per_provider(client, better_auth_settings):
    from better_auth.social import reset

    reset()
    better_auth_settings(
        GENERIC_OAUTH=[
            {
                "PROVIDER_ID": "corp",
                "NAME": "Corp ID",
                "DISCOVERY_URL": "https://id.example.test/.well-known/openid-configuration",
                "CLIENT_ID": "demo-client",
            }
        ]
    )
    page = client.get("/").content.decode()
    assert 'data-social-provider="corp"' in page
    assert "Sign in with Corp ID" in page
    reset()
    better_auth_settings(GENERIC_OAUTH=[])
    assert "data-social-provider" not in client.get("/").content.decode()


def test_bundle_wires_the_buttons_to_sign_in_social():
    bundle = (ROOT / "demo/static/demo/auth-client.js").read_text()
    assert "[data-social-provider]" in bundle
