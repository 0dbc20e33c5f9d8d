"""The demo page in a real headless Chromium, through Better Auth's client.

``browser_flow.mjs`` opens the page served at ``/`` (template plus the
committed bundle of ``better-auth/client``), signs up through the form,
signs out, is refused with ``INVALID_EMAIL_OR_PASSWORD``, signs in, reloads
(the session cookie must survive) and signs out. This covers what a Node
run cannot: the browser's own Origin, SameSite and cookie handling.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import FlowResult, in_ci

pytestmark = [pytest.mark.interop, pytest.mark.browser]

EXPECTED_STEPS = [
    "open-page",
    "sign-up",
    "sign-out-after-sign-up",
    "sign-in-wrong-password",
    "sign-in",
    "reload-keeps-session",
    "sign-out",
]


def _chromium() -> str:
    return os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"


@pytest.fixture
def chromium() -> str:
    """Return the Chromium binary; skip without one, except in CI."""
    path = _chromium()
    if not os.access(path, os.X_OK):
        message = (
            f"Chromium not found at {path}; install it (apt-get install chromium) "
            "or set CHROMIUM_PATH"
        )
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return path


def test_demo_page_static_bundle_is_served(auth_server: str) -> None:
    """The page and its JS bundle load from the live server, as the browser needs."""
    import requests

    page = requests.get(auth_server + "/", timeout=10)
    assert page.status_code == 200
    assert "<title>django-better-auth demo</title>" in page.text
    bundle = requests.get(auth_server + "/static/demo/auth-client.js", timeout=10)
    assert bundle.status_code == 200
    assert "javascript" in bundle.headers["content-type"]
    assert len(bundle.content) > 1000


def test_demo_page_sign_up_sign_in_reload_sign_out_in_chromium(
    auth_server: str,
    chromium: str,
    run_flow: Callable[..., FlowResult],
    tmp_path: Path,
) -> None:
    """The demo page drives the whole session lifecycle in a real browser."""
    shots = tmp_path / "screenshots"
    result = run_flow("browser_flow.mjs", auth_server + "/", str(shots), timeout=180)

    assert result.returncode == 0, result.report()
    assert [step["step"] for step in result.steps] == EXPECTED_STEPS, result.report()
    summary = result.summary
    assert summary is not None and summary["ok"] is True, result.report()
    reload_step = next(s for s in result.steps if s["step"] == "reload-keeps-session")
    detail = reload_step["detail"]
    detail = detail.get("result", detail)
    assert "better-auth.session_token" in detail["cookies"], result.report()
    pngs = sorted(shots.glob("*.png"))
    assert len(pngs) == len(EXPECTED_STEPS)
    assert all(png.stat().st_size > 1000 for png in pngs)
