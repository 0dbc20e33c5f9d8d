"""The demo page's social button in a real Chromium, with oidc-provider upstream.

``browser_social_flow.mjs`` clicks "Sign in with upstream" on the demo page
(Better Auth's ``signIn.social`` from the committed client bundle), goes
through panva's oidc-provider login and consent forms, lands back on the
page signed in, and signs out to the provider's end-session page (OpenID
Connect RP-Initiated Logout 1.0 §2), all with the browser's own cookie and
redirect handling.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from .conftest import FlowResult
from .test_browser_demo import chromium  # noqa: F401  (fixture)
from .test_upstream_oidc_provider import (  # noqa: F401  (fixtures)
    PROVIDER_ID,
    Upstream,
    configured,
    upstream,
)

pytestmark = [
    pytest.mark.interop,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_demo_social_button_signs_in_through_oidc_provider(
    configured: str,  # noqa: F811
    upstream: Upstream,  # noqa: F811
    chromium: str,  # noqa: F811
    run_flow: Callable[..., FlowResult],
) -> None:
    result = run_flow(
        "browser_social_flow.mjs",
        configured + "/",
        PROVIDER_ID,
        "dana",
        upstream.issuer,
        timeout=180,
    )
    assert result.returncode == 0, result.report()
    steps = {s["step"]: s for s in result.steps}
    assert steps["signed-in"]["detail"]["email"] == "dana@upstream.example"
    assert steps["sign-out-to-provider"]["detail"]["url"] == (
        upstream.issuer + "/session/end"
    )
